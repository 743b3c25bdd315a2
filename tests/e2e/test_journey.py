"""A collector's morning, in a real browser on a phone-sized screen.

Log in through the form, read the worklist, filter it to one bucket, open a dossier (masked
personal data, loans), switch the interface to Chinese. Screenshots go to artifacts/e2e/.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collections_app.models import Case
from collections_app.services.ledger import ledger_refresh
from tests import factories as f

PASSWORD = "demo-collector-pw-2026"
NATIONAL_ID = "530102198512127788"
MOBILE = "13987654321"
# (customer number, days past due, expected bucket, district)
PORTFOLIO = [
    ("E2E-CURRENT", 0, "M0", "西山区"),
    ("E2E-M1-A", 12, "M1", "五华区"),
    ("E2E-M1-B", 25, "M1", "盘龙区"),
    ("E2E-M2", 45, "M2", "五华区"),
    ("E2E-M3", 75, "M3", "官渡区"),
    ("E2E-M7", 200, "M7", "呈贡区"),
]
FOREIGN = "E2E-OTHER-M1"  # another collector's M1 case: never on this worklist


def _delinquent_case(*, customer_number, dpd, district, collector, team, today, **borrower):
    """An open case whose loan's oldest unpaid installment fell due `dpd` days ago."""
    b = f.make_borrower(customer_number=customer_number, **borrower)
    f.make_address(borrower=b, district=district)
    f.make_contact(borrower=b)
    first_due = today - f.days(dpd) if dpd else today + f.days(10)
    schedule = [(first_due, "1200.00"), (first_due + f.days(30), "1200.00")]
    loan = f.make_loan(
        borrower=b,
        schedule=schedule,
        disbursed_on=first_due - f.days(30),
        maturity_on=today + f.days(365),
    )
    if dpd > 10:  # a part payment that does not clear the installment
        f.make_repayment(loan=loan, paid_on=first_due + f.days(3), amount="300.00")
    return f.make_case(borrower=b, assigned_collector=collector, team=team, opened_on=first_due)


@pytest.fixture
def demo(transactional_db):
    today = timezone.localdate()
    team = f.make_team(name="五华一组")
    collector = f.make_user(
        role="collector", team=team, username="demo.collector", first_name="Mei", last_name="Li"
    )
    collector.set_password(PASSWORD)
    collector.save()
    other_team = f.make_team(name="盘龙二组")
    other = f.make_user(role="collector", team=other_team, username="demo.other")

    cases = {}
    for number, dpd, _bucket, district in PORTFOLIO:
        extra = {"national_id": NATIONAL_ID, "mobile": MOBILE} if number == "E2E-M2" else {}
        cases[number] = _delinquent_case(
            customer_number=number,
            dpd=dpd,
            district=district,
            collector=collector,
            team=team,
            today=today,
            **extra,
        )
    cases[FOREIGN] = _delinquent_case(
        customer_number=FOREIGN,
        dpd=20,
        district="五华区",
        collector=other,
        team=other_team,
        today=today,
    )
    ledger_refresh(as_of=today)

    # The ledger, not the test, decided the buckets.
    derived = dict(
        Case.objects.filter(pk__in=[c.pk for c in cases.values()]).values_list(
            "borrower__customer_number", "bucket"
        )
    )
    assert derived == {n: b for n, _d, b, _x in PORTFOLIO} | {FOREIGN: "M1"}
    return collector, cases


@pytest.mark.e2e
def test_collector_filters_worklist_opens_dossier_and_switches_to_chinese(
    demo, live_server, page, artifacts
):
    collector, _cases = demo

    # Log in through the form; the worklist is the landing page.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Username").fill(collector.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My worklist")).to_be_visible()

    worklist = page.get_by_test_id("worklist")
    expect(worklist.locator("tbody tr")).to_have_count(len(PORTFOLIO))
    for number, *_rest in PORTFOLIO:
        expect(worklist).to_contain_text(number)
    expect(worklist).not_to_contain_text(FOREIGN)
    page.screenshot(path=str(artifacts / "worklist.png"), full_page=True)

    # Filter to M1: only the two M1 cases remain (not the other collector's M1 case).
    page.get_by_text("Filter and sort").click()
    page.locator("#id_bucket").select_option(["M1"])
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]bucket=M1\b"))
    rows = page.get_by_test_id("worklist").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("worklist").get_by_test_id("bucket")).to_have_text(
        ["M1 (1–30)", "M1 (1–30)"]
    )
    expect(page.get_by_test_id("worklist")).to_contain_text("E2E-M1-A")
    expect(page.get_by_test_id("worklist")).to_contain_text("E2E-M1-B")
    expect(page.get_by_test_id("worklist")).not_to_contain_text(FOREIGN)
    page.screenshot(path=str(artifacts / "worklist-m1.png"), full_page=True)

    # Back to everything, then open the M2 borrower's dossier from the worklist.
    page.get_by_role("link", name="Clear").click()
    row = page.get_by_test_id("worklist").locator("tr", has_text="E2E-M2")
    row.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    expect(page.get_by_test_id("dossier-title")).to_contain_text("M2")
    expect(page.get_by_test_id("pii-national_id")).to_have_text("530***********7788")
    expect(page.get_by_test_id("pii-mobile")).to_have_text("139****4321")
    expect(page.get_by_role("heading", name="Loans")).to_be_visible()
    expect(page.get_by_role("heading", name="Repayment history")).to_be_visible()
    expect(page.get_by_test_id("repayments")).to_contain_text("¥300.00")
    html = page.content()
    assert NATIONAL_ID not in html
    assert MOBILE not in html
    # A collector has no reveal control.
    expect(page.get_by_text("Reveal", exact=True)).to_have_count(0)
    page.screenshot(path=str(artifacts / "dossier.png"), full_page=True)

    # Switch to Chinese from the (collapsed, phone) navigation; we stay on the dossier.
    dossier_url = page.url
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.url == dossier_url
    expect(page.get_by_test_id("pii-national_id")).to_have_text("530***********7788")
    page.screenshot(path=str(artifacts / "dossier-zh-hans.png"), full_page=True)
