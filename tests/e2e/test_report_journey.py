"""At the door and afterwards (issue 5), in a real browser with its geolocation set by the
test: the collector starts a booked visit, checks in and out, files a report whose notes
threaten the borrower, and a PROHIBITED_CONDUCT flag appears; the supervisor returns the
report, the collector fixes and resubmits it, the supervisor approves it.
"""

import re
from datetime import datetime, time, timedelta

import holidays
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from compliance.facts import VisitPlan
from compliance.models import Flag
from tests import factories as f
from visits.models import Notice, Visit
from visits.services.booking import VisitPlace, visit_book

PASSWORD = "demo-pw-for-e2e-2026"
AT_HOME = {"latitude": 25.0431, "longitude": 102.7041, "accuracy": 12}


def working_day():
    cn = holidays.country_holidays("CN")
    day = timezone.localdate() + timedelta(days=2)
    while day.weekday() > 4 or day in cn:
        day += timedelta(days=1)
    return day


@pytest.fixture
def login(browser, live_server):
    """Log a user in, in a fresh phone-sized browser context; the contexts close after the
    test (open keep-alive connections would outlive the live server's database connection)."""
    contexts = []

    def log_in(user, **options):
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            locale="en-US",
            timezone_id="Asia/Shanghai",
            **options,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        return page

    yield log_in
    for context in contexts:
        context.close()


@pytest.fixture
def booked(transactional_db):
    today = timezone.localdate()
    team = f.make_team(name="五华一组")
    supervisor = f.make_user(role="supervisor", username="demo.supervisor", first_name="Lan")
    team.supervisor = supervisor
    team.save()
    collector = f.make_user(
        role="collector", team=team, username="demo.collector", first_name="Mei"
    )
    partner = f.make_user(role="collector", team=team, username="demo.partner", first_name="Wei")
    for user in (supervisor, collector):
        user.set_password(PASSWORD)
        user.save()
    for user in (collector, partner):
        for kind in ("work_id", "authorization", "training"):
            f.make_credential(
                collector=user, kind=kind, valid_from=today, valid_until=today + timedelta(days=365)
            )
    borrower = f.make_borrower(customer_number="E2E-DOOR", name="王小明")
    address = f.make_address(borrower=borrower)
    case = f.make_case(borrower=borrower, assigned_collector=collector, team=team)
    start = datetime.combine(working_day(), time(10), tzinfo=timezone.get_current_timezone())
    plan = VisitPlan(
        case=case,
        start=start,
        end=start + timedelta(hours=1),
        location_type="home",
        purpose=f.VISIT_PURPOSE,
        recorder=True,
        collector_ids=(collector.pk, partner.pk),
    )
    visit = visit_book(
        plan=plan, place=VisitPlace(address=address), by=collector, now=timezone.now()
    ).visit
    assert visit.status == "booked"
    # The notice went out days ahead (NOTICE_DELIVERED lets the visit start).
    ahead = start - timedelta(days=2)
    Notice.objects.filter(visit=visit).update(status="delivered", sent_at=ahead, delivered_at=ahead)
    return visit, collector, supervisor


@pytest.mark.e2e
def test_check_in_report_flag_return_resubmit_approve(booked, login, live_server, artifacts):
    visit, collector, supervisor = booked
    visit_url = f"{live_server.url}/visits/{visit.public_id}/"

    # The collector at the door: the browser gives its position when asked.
    page = login(collector, geolocation=AT_HOME, permissions=["geolocation"])
    page.goto(visit_url)
    expect(page.get_by_test_id("navigate")).to_have_attribute("href", re.compile(r"^geo:25\.043"))
    page.get_by_test_id("start-visit").click()
    expect(page.get_by_test_id("visit-status")).to_have_attribute("data-status", "in_progress")
    expect(page.get_by_test_id("check_in")).to_contain_text("m from the address")
    page.screenshot(path=str(artifacts / "visit-checked-in.png"), full_page=True)
    page.get_by_test_id("check-out").click()

    # The report, with a threat in the notes.
    expect(page.get_by_test_id("report-form")).to_be_visible()
    page.locator("#id_outcome").select_option("refused")
    page.get_by_label("Mei").check()
    page.get_by_label("Work ID shown").check()
    page.get_by_label("Bank named").check()
    page.get_by_label("Purpose stated").check()
    page.get_by_label("Notes").fill("借款人拒绝还款。我告诉他再不还钱就让警察抓你。")
    page.get_by_test_id("submit-report").click()
    expect(page.get_by_test_id("visit-status")).to_have_attribute("data-status", "reported")
    expect(page.locator(".alert")).to_contain_text("PROHIBITED_CONDUCT")
    page.screenshot(path=str(artifacts / "report-flagged.png"), full_page=True)
    assert Flag.objects.filter(visit=visit, rule="PROHIBITED_CONDUCT", status="open").exists()

    # The supervisor returns it with a comment.
    boss = login(supervisor)
    boss.get_by_role("button", name="Menu").click()  # the phone's collapsed navigation
    boss.get_by_test_id("nav-reviews").click()
    item = boss.get_by_test_id("review-item")
    expect(item.get_by_test_id("failing-findings")).to_contain_text("PROHIBITED_CONDUCT")
    item.get_by_label("Comment").fill(
        "Threats are never acceptable. Correct the record and explain."
    )
    boss.screenshot(path=str(artifacts / "review-queue.png"), full_page=True)
    item.get_by_role("button", name="Return for changes").click()
    expect(boss.get_by_test_id("no-reviews")).to_be_visible()

    # The collector fixes the notes and resubmits.
    page.goto(visit_url)
    expect(page.get_by_test_id("visit-status")).to_have_attribute("data-status", "returned")
    page.get_by_test_id("write-report").click()
    page.get_by_label("Notes").fill("借款人拒绝还款。已说明可申请还款计划，未作任何威胁。")
    page.get_by_test_id("submit-report").click()
    expect(page.get_by_test_id("visit-status")).to_have_attribute("data-status", "reported")

    # The supervisor approves.
    boss.goto(visit_url)
    boss.get_by_test_id("approve-report").click()
    expect(boss.get_by_test_id("no-reviews")).to_be_visible()
    visit.refresh_from_db()
    assert visit.status == Visit.Status.APPROVED
    assert [r.decision for r in visit.reviews.all()] == ["returned", "approved"]
    assert visit.compliance_checks.filter(stage="post").count() == 2
    boss.goto(visit_url)
    boss.screenshot(path=str(artifacts / "visit-approved.png"), full_page=True)
