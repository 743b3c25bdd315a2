"""A supervisor reveals a masked national ID in the dossier, in a real browser (htmx).

A failed attempt (a reason of blanks) keeps the masked value in place with the error next
to it; the next attempt with a reason shows the full value, and only that one is logged.
"""

import re

import pytest
from playwright.sync_api import expect

from compliance.models import PiiAccess
from tests import factories as f

PASSWORD = "demo-supervisor-pw-2026"
NATIONAL_ID = "530102198512127788"
MASKED = "530***********7788"


@pytest.mark.e2e
def test_failed_reveal_keeps_the_masked_value_then_a_reason_reveals_it(
    transactional_db, live_server, page, artifacts
):
    team = f.make_team(name="五华一组")
    supervisor = f.make_user(role="supervisor", username="demo.supervisor")
    supervisor.set_password(PASSWORD)
    supervisor.save()
    team.supervisor = supervisor
    team.save()
    collector = f.make_user(role="collector", team=team, username="demo.collector")
    borrower = f.make_borrower(customer_number="E2E-REVEAL", national_id=NATIONAL_ID)
    case = f.make_case(borrower=borrower, assigned_collector=collector, team=team)

    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(supervisor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    value = page.get_by_test_id("pii-national_id")
    expect(value).to_have_text(MASKED)

    row = page.locator("dd", has=page.locator("#pii-national_id"))
    row.locator("summary").click()
    reason = row.get_by_placeholder("Reason (logged)")
    reason.fill("     ")  # passes the browser's minlength, not the server's check
    row.get_by_role("button", name="Reveal").click()
    expect(row.get_by_test_id("reveal-error")).to_have_text("Reason: This field is required.")
    expect(value).to_have_text(MASKED)
    page.screenshot(path=str(artifacts / "reveal-failed.png"), full_page=True)
    assert not PiiAccess.objects.exists()

    reason.fill("Borrower disputes identity on the phone")
    row.get_by_role("button", name="Reveal").click()
    expect(row.get_by_test_id("revealed")).to_have_text(NATIONAL_ID)
    expect(row.get_by_test_id("reveal-error")).to_have_count(0)
    page.screenshot(path=str(artifacts / "reveal-done.png"), full_page=True)
    assert PiiAccess.objects.filter(user=supervisor, field="national_id").count() == 1
