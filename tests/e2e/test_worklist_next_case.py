"""A collector opens the top case of the prioritised worklist, sees the credit profile chart
drawn (Chart.js from json_script data, no inline script) and walks on with "next case"
until the end of the list, in a real browser."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories as f

PASSWORD = "demo-collector-pw-2026"


@pytest.mark.e2e
def test_next_case_walks_the_worklist_and_the_chart_draws(
    transactional_db, live_server, page, artifacts
):
    team = f.make_team(name="五华一组")
    collector = f.make_user(role="collector", team=team, username="demo.collector")
    collector.set_password(PASSWORD)
    collector.save()
    this_month = timezone.localdate().replace(day=1)
    cases = []
    for k, (probability, overdue) in enumerate((("0.80", "5000.00"), ("0.40", "3000.00"))):
        borrower = f.make_borrower(customer_number=f"E2E-NEXT-{k}")
        loan = f.make_loan(
            borrower=borrower,
            schedule=[(this_month - timedelta(days=40 * n), "1200.00") for n in range(6)],
        )
        f.make_repayment(loan=loan, paid_on=this_month - timedelta(days=75), amount="800.00")
        cases.append(
            f.make_case(
                borrower=borrower,
                assigned_collector=collector,
                team=team,
                dpd=30,
                bucket="M1",
                overdue_amount=overdue,
                repay_probability=Decimal(probability),
                expected_recovery=Decimal(probability) * Decimal(overdue),
            )
        )
    errors = []  # script errors (a missing favicon is not one)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(collector.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("case-link").first.click()
    expect(page.get_by_test_id("dossier-title")).to_be_visible()
    expect(page).to_have_url(re.compile(str(cases[0].public_id)))
    canvas = page.locator("#chart-credit-profile")
    expect(canvas).to_be_visible()
    # Chart.js has drawn: the canvas has pixels that are not transparent.
    drawn = canvas.evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v > 0)"
    )
    assert drawn
    page.screenshot(path=str(artifacts / "credit-profile.png"), full_page=True)

    page.get_by_test_id("next-case").click()
    expect(page).to_have_url(re.compile(str(cases[1].public_id)))
    page.get_by_test_id("next-case").click()
    expect(page).to_have_url(re.compile(str(cases[1].public_id)))
    expect(page.get_by_text("That was the last case of your worklist.")).to_be_visible()
    assert errors == []
