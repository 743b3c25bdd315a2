"""Credit profile panel: every figure checked against a hand-built borrower history, in the
selector and on the dossier; borrower-wide but never another borrower's; a fixed number of
queries; month labels in the user's language.

`TODAY` is 10 March 2026, so the 24 months run from April 2024 through March 2026.
"""

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from collections_app.credit_profile import MONTHS, credit_profile_for_borrower
from tests import factories as f
from visits.models import VisitReport

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 10)


def dossier_url(case) -> str:
    return reverse("collections_app:case_detail", args=[case.public_id])


def done_visit(case, start: datetime, outcome: str, status: str = "reported"):
    visit = f.make_visit(case=case, start=start, status=status)
    VisitReport.objects.create(visit=visit, outcome=outcome, submitted_at=visit.planned_end)
    return visit


@pytest.fixture
def history(agent, team):
    """A borrower with two loans, an earlier closed case and an open one, and a neighbour
    whose history must never show up in theirs."""
    borrower = f.make_borrower(name="周历史")
    loan_a = f.make_loan(
        borrower=borrower, schedule=f.monthly(date(2025, 12, 15), 5, "1000.00")
    )  # Dec 2025 .. Apr 2026 (April is after the window)
    loan_b = f.make_loan(
        borrower=borrower,
        schedule=[
            (date(2024, 3, 20), "77.00"),  # the month before the window
            (date(2024, 4, 1), "99.99"),  # the window's first day
            (date(2026, 1, 5), "250.50"),
            (date(2026, 2, 5), "250.50"),
        ],
    )
    f.make_repayment(loan=loan_a, paid_on=date(2026, 1, 20), amount="600.00")
    f.make_repayment(loan=loan_a, paid_on=date(2026, 1, 31), amount="400.00")
    f.make_repayment(loan=loan_b, paid_on=date(2026, 2, 1), amount="250.50")
    f.make_repayment(loan=loan_a, paid_on=date(2026, 3, 10), amount="333.33")
    f.make_repayment(loan=loan_a, paid_on=date(2024, 3, 31), amount="50.00")  # before
    f.make_bucket_change(loan=loan_a, changed_on=date(2024, 3, 1), to_bucket="M1")  # before
    f.make_bucket_change(loan=loan_a, changed_on=date(2026, 1, 16), to_bucket="M1", dpd=1)
    f.make_bucket_change(
        loan=loan_a, changed_on=date(2026, 2, 15), from_bucket="M1", to_bucket="M2", dpd=31
    )

    earlier = f.make_case(
        borrower=borrower,
        team=team,
        status="closed",
        opened_on=date(2025, 1, 1),
        closed_on=date(2025, 6, 30),
    )
    case = f.make_case(borrower=borrower, assigned_collector=agent, team=team)
    for status in ("kept", "partial", "broken", "pending", "cancelled"):
        f.make_promise(
            case=case,
            amount="100.00",
            promised_on=date(2026, 1, 1),
            due_on=date(2026, 1, 10),
            status=status,
        )
    f.make_promise(
        case=earlier,
        amount="300.00",
        promised_on=date(2025, 2, 1),
        due_on=date(2025, 2, 10),
        status="kept",
    )

    done_visit(earlier, datetime(2025, 2, 5, 10, tzinfo=SH), "promise_to_pay", "approved")
    done_visit(case, datetime(2026, 1, 10, 10, tzinfo=SH), "paid")
    done_visit(case, datetime(2026, 2, 20, 15, tzinfo=SH), "not_home", "returned")
    done_visit(case, datetime(2026, 3, 1, 9, tzinfo=SH), "not_home")
    f.make_visit(case=case, start=datetime(2026, 3, 20, 10, tzinfo=SH))  # booked: not done
    f.make_visit(case=case, start=datetime(2026, 3, 5, 10, tzinfo=SH), status="cancelled")

    # The neighbour: same months, same statuses, none of it theirs.
    neighbour = f.make_case(assigned_collector=agent, team=team)
    other_loan = f.make_loan(
        borrower=neighbour.borrower, schedule=f.monthly(date(2026, 1, 15), 2, "5000.00")
    )
    f.make_repayment(loan=other_loan, paid_on=date(2026, 1, 16), amount="5000.00")
    f.make_bucket_change(loan=other_loan, changed_on=date(2026, 2, 1))
    f.make_promise(
        case=neighbour,
        amount="9.00",
        promised_on=date(2026, 1, 1),
        due_on=date(2026, 1, 2),
        status="broken",
    )
    done_visit(neighbour, datetime(2026, 3, 9, 10, tzinfo=SH), "refused")
    return case


EXPECTED_DUE = {
    date(2024, 4, 1): Decimal("99.99"),
    date(2025, 12, 1): Decimal("1000.00"),
    date(2026, 1, 1): Decimal("1250.50"),
    date(2026, 2, 1): Decimal("1250.50"),
    date(2026, 3, 1): Decimal("1000.00"),
}
EXPECTED_PAID = {
    date(2026, 1, 1): Decimal("1000.00"),
    date(2026, 2, 1): Decimal("250.50"),
    date(2026, 3, 1): Decimal("333.33"),
}


def test_months_due_and_paid(history):
    profile = credit_profile_for_borrower(borrower=history.borrower, today=TODAY)
    assert len(profile.months) == MONTHS == 24
    assert profile.months[0].month == date(2024, 4, 1)
    assert profile.months[-1].month == date(2026, 3, 1)
    for row in profile.months:
        assert row.due == EXPECTED_DUE.get(row.month, Decimal("0.00")), row.month
        assert row.paid == EXPECTED_PAID.get(row.month, Decimal("0.00")), row.month
        assert row.due.as_tuple().exponent == -2  # cents, also where SQLite summed floats
    assert profile.total_due == Decimal("4600.99")
    assert profile.total_paid == Decimal("1583.83")


def test_promises_kept_over_settled_across_the_borrowers_cases(history):
    profile = credit_profile_for_borrower(borrower=history.borrower, today=TODAY)
    # kept: this case's and the earlier case's; settled: + partly kept + broken.
    assert (profile.promises_kept, profile.promises_settled) == (2, 4)
    assert profile.promises_pending == 1
    assert profile.kept_ratio == Decimal("50.0")


def test_visits_counted_per_outcome_with_the_last_one(history):
    profile = credit_profile_for_borrower(borrower=history.borrower, today=TODAY)
    counts = {o.code: o.count for o in profile.outcomes if o.count}
    assert counts == {"promise_to_pay": 1, "paid": 1, "not_home": 2}
    assert profile.visits_done == 4
    assert profile.last_visit.planned_start == datetime(2026, 3, 1, 9, tzinfo=SH)
    assert profile.last_visit.outcome == "not_home"
    assert str(profile.last_visit.outcome_label) == "Not at home"


def test_bucket_history_in_the_window_newest_first(history):
    profile = credit_profile_for_borrower(borrower=history.borrower, today=TODAY)
    assert [(c.changed_on, c.from_bucket, c.to_bucket) for c in profile.bucket_changes] == [
        (date(2026, 2, 15), "M1", "M2"),
        (date(2026, 1, 16), "M0", "M1"),
    ]


def test_a_borrower_without_history(case):
    profile = credit_profile_for_borrower(borrower=case.borrower, today=date(2025, 6, 30))
    # The `case` fixture's schedule starts in 2026: nothing due in these 24 months.
    assert profile.months[-1].month == date(2025, 6, 1)
    assert profile.total_due == profile.total_paid == Decimal("0.00")
    assert profile.kept_ratio is None
    assert (profile.visits_done, profile.last_visit, profile.bucket_changes) == (0, None, [])


def test_the_window_follows_today_across_a_year_end(history):
    profile = credit_profile_for_borrower(borrower=history.borrower, today=date(2026, 1, 1))
    assert profile.months[0].month == date(2024, 2, 1)
    assert profile.months[-1].month == date(2026, 1, 1)
    by_month = {row.month: row for row in profile.months}
    assert by_month[date(2024, 3, 1)].due == Decimal("77.00")
    assert by_month[date(2024, 3, 1)].paid == Decimal("50.00")
    assert by_month[date(2026, 1, 1)].due == Decimal("1250.50")  # the whole month


def test_five_queries_whatever_the_history(history, case, django_assert_num_queries):
    with django_assert_num_queries(5):
        credit_profile_for_borrower(borrower=history.borrower, today=TODAY)
    with django_assert_num_queries(5):
        credit_profile_for_borrower(borrower=case.borrower, today=TODAY)


@pytest.fixture
def recent(agent, team):
    """The page counts from the real local date: last month and this month only."""
    today = timezone.localdate(timezone.now(), SH)
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    case = f.make_case(assigned_collector=agent, team=team)
    loan = f.make_loan(
        borrower=case.borrower,
        schedule=[(last_month.replace(day=5), "1250.50"), (this_month, "1000.00")],
    )
    f.make_repayment(loan=loan, paid_on=last_month.replace(day=20), amount="1000.00")
    f.make_repayment(loan=loan, paid_on=this_month, amount="333.33")
    for status in ("kept", "broken", "pending"):
        f.make_promise(
            case=case, amount="10.00", promised_on=last_month, due_on=last_month, status=status
        )
    for day, outcome in ((3, "not_home"), (17, "paid"), (10, "not_home")):
        start = datetime.combine(last_month.replace(day=day), time(10), tzinfo=SH)
        done_visit(case, start, outcome)
    f.make_bucket_change(loan=loan, changed_on=last_month.replace(day=6), dpd=1)
    return case


class TestPanel:
    def test_dossier_shows_the_panel(self, agent_client, recent):
        response = agent_client.get(dossier_url(recent))
        months = response.context["profile"].months
        last_month, this_month = months[-2].month, months[-1].month
        assertContains(response, 'data-testid="credit-profile"')
        assertContains(response, f'<tr data-month="{this_month:%Y-%m}">')
        assertContains(
            response, '<td class="text-end">¥1,250.50</td><td class="text-end">¥1,000.00'
        )
        assertContains(response, '<td class="text-end">¥1,000.00</td><td class="text-end">¥333.33')
        assertContains(response, '<td class="text-end" data-testid="credit-total-due">¥2,250.50')
        assertContains(response, '<td class="text-end" data-testid="credit-total-paid">¥1,333.33')
        assertContains(response, "50.0%")
        assertContains(response, "1 kept of 2 settled · 1 pending")
        assertContains(response, '<tr data-outcome="not_home"><th scope="row" class="fw-normal">')
        assertContains(response, "3 visits done")
        assertContains(response, f"Last visit: {last_month:%Y-%m}-17 · Paid")
        assertContains(response, f"{last_month:%Y-%m}-06 <span")  # the bucket change
        # The chart's figures, for credit_profile.js; no inline script code.
        assertContains(response, "js/credit_profile.js")
        assertContains(response, "chart.js-4.6.1.umd.min.js")

    def test_chart_data_is_the_tables(self, agent_client, recent):
        response = agent_client.get(dossier_url(recent))
        chart = response.context["profile_chart"]
        html = response.content.decode()
        start = html.index(">", html.index('<script id="credit-profile-data"')) + 1
        embedded = json.loads(html[start : html.index("</script>", start)])
        assert embedded == chart
        assert len(chart["months"]) == 24
        assert embedded["due"]["data"][-3:] == ["0.00", "1250.50", "1000.00"]
        assert embedded["paid"]["data"][-3:] == ["0.00", "1000.00", "333.33"]

    def test_month_labels_follow_the_language(self, agent_client, recent):
        month = agent_client.get(dossier_url(recent)).context["profile"].months[-1].month
        english = agent_client.get(dossier_url(recent)).context["profile_chart"]["months"]
        chinese = agent_client.get(dossier_url(recent), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert english[-1] == f"{month:%B %Y}"
        assert chinese.context["profile_chart"]["months"][-1] == f"{month.year}年{month.month}月"
        assertContains(chinese, f"{month.year}年{month.month}月")

    @pytest.mark.parametrize(
        "persona", ["other_agent_client", "other_supervisor_client", "outsider_client"]
    )
    def test_out_of_scope_sees_nothing(self, request, persona, recent):
        assert request.getfixturevalue(persona).get(dossier_url(recent)).status_code == 404
