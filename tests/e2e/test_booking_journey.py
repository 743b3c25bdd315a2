"""Booking in a real browser (issue 4): a plan the rules block, the engine's next allowed
start applied with one click, the booking, the notice in the outbox, and the borrower's link.
"""

import re
from datetime import timedelta

import holidays
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories as f
from visits.links import notice_link_path
from visits.models import Notice, Visit

PASSWORD = "demo-collector-pw-2026"


def working_day():
    """Two or more days ahead, Monday to Thursday, no Chinese holiday on it or the day after
    (so the next morning's slot is clean too)."""
    cn = holidays.country_holidays("CN")
    day = timezone.localdate() + timedelta(days=2)
    while day.weekday() > 3 or day in cn or day + timedelta(days=1) in cn:
        day += timedelta(days=1)
    return day


@pytest.fixture
def crew(transactional_db):
    today = timezone.localdate()
    team = f.make_team(name="五华一组", office_lat="25.040000", office_lng="102.710000")
    collector = f.make_user(
        role="collector", team=team, username="demo.collector", first_name="Mei", last_name="Li"
    )
    collector.set_password(PASSWORD)
    collector.save()
    partner = f.make_user(role="collector", team=team, username="demo.partner", first_name="Wei")
    for user in (collector, partner):
        for kind in ("work_id", "authorization", "training"):
            f.make_credential(
                collector=user, kind=kind, valid_from=today, valid_until=today + timedelta(days=365)
            )
    borrower = f.make_borrower(customer_number="E2E-BOOK", name="王小明", email="")
    f.make_address(borrower=borrower)
    case = f.make_case(borrower=borrower, assigned_collector=collector, team=team)
    return collector, partner, case


@pytest.mark.e2e
def test_blocked_plan_next_allowed_start_booking_notice_and_borrower_link(
    crew, live_server, page, artifacts
):
    collector, partner, case = crew
    day = working_day().isoformat()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(collector.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.get_by_test_id("plan-visit").click()
    expect(page.get_by_role("heading", name=re.compile("Plan a visit"))).to_be_visible()

    # A visit ending at 22:30: the live panel shows the block, its message and citation.
    page.locator("#id_start").fill(f"{day}T21:30")
    page.locator("#id_end").fill(f"{day}T22:30")
    page.get_by_label("Purpose").fill("Discuss the overdue instalments and a repayment plan")
    page.get_by_label(re.compile(r"Wei")).check()
    decision = page.get_by_test_id("decision")
    expect(decision).to_have_attribute("data-decision", "block")
    window = page.locator('[data-rule="VISIT_WINDOW"]')
    expect(window).to_have_attribute("data-outcome", "fail")
    expect(window).to_contain_text("22:30")
    expect(window.get_by_test_id("citation")).to_contain_text("CBA")
    page.screenshot(path=str(artifacts / "plan-blocked.png"), full_page=True)

    # One click on the engine's next allowed start: the panel re-checks and allows it.
    page.get_by_test_id("use-next-start").click()
    expect(page.get_by_test_id("decision")).to_have_attribute("data-decision", "allow")
    expect(page.locator("#id_start")).not_to_have_value(f"{day}T21:30")
    page.screenshot(path=str(artifacts / "plan-allowed.png"), full_page=True)
    page.get_by_test_id("book").click()

    expect(page.get_by_test_id("visit-status")).to_have_attribute("data-status", "booked")
    visit = Visit.objects.get(case=case)
    assert visit.planned_start.astimezone(timezone.get_current_timezone()).hour == 8
    notice = Notice.objects.get(visit=visit)
    assert notice.status in (Notice.Status.SENT, Notice.Status.DELIVERED)

    # The outbox shows the notice as gone out.
    page.goto(f"{live_server.url}/notices/")
    row = page.get_by_test_id("notice-row").first
    expect(row).to_contain_text(re.compile("Sent|Delivered"))
    page.screenshot(path=str(artifacts / "outbox.png"), full_page=True)

    # The borrower opens the link in the SMS (no login) and acknowledges.
    borrower = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    link = borrower.new_page()
    link.goto(f"{live_server.url}{notice_link_path(notice=notice)}")
    expect(link.get_by_text("Discuss the overdue instalments")).to_be_visible()
    link.get_by_test_id("answer-acknowledge").click()
    expect(link.get_by_test_id("response-recorded")).to_be_visible()
    link.screenshot(path=str(artifacts / "borrower-link.png"), full_page=True)
    borrower.close()
    assert visit.responses.get().kind == "acknowledge"
