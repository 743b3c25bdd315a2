"""Features at a date on hand-built histories, with the values worked out by hand.

Borrower A, as of 2026-06-10 (see each assertion for the arithmetic): a consumer loan of
1,000.00 a month due on the 15th from January, paid for January, February and (late, on
20 April) March, then 500.00 on 1 June; 1,000.00 more on 25 June, after the date.
"""

import math
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collections_app.models import CallRecord
from scoring.features import FEATURES, Population, features_at
from tests import factories as f
from visits.models import VisitReport

AS_OF = date(2026, 6, 10)
SH = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SH)


def _report(case, start: datetime, outcome: str, submitted: datetime) -> None:
    visit = f.make_visit(case=case, start=start, status="reported")
    VisitReport.objects.create(visit=visit, outcome=outcome, submitted_at=submitted)


@pytest.fixture
def borrower_a(db):
    borrower = f.make_borrower()
    loan = f.make_loan(
        borrower=borrower,
        schedule=f.monthly(date(2026, 1, 15), 12, "1000.00"),
        disbursed_on=date(2025, 12, 15),
    )
    for paid_on, amount in (
        (date(2026, 1, 15), "1000.00"),
        (date(2026, 2, 15), "1000.00"),
        (date(2026, 4, 20), "1000.00"),
        (date(2026, 6, 1), "500.00"),
        (date(2026, 6, 25), "1000.00"),  # after as_of: only the label sees it
    ):
        f.make_repayment(loan=loan, paid_on=paid_on, amount=amount)
    # A credit card opened after as_of does not exist yet on that day.
    f.make_loan(
        borrower=borrower,
        product="credit_card",
        schedule=f.monthly(date(2026, 8, 1), 3, "300.00"),
        disbursed_on=date(2026, 7, 1),
    )
    case = f.make_case(borrower=borrower, opened_on=date(2026, 4, 16))
    f.make_promise(
        case=case, amount="800.00", promised_on=date(2026, 4, 10), due_on=date(2026, 4, 25)
    )
    f.make_promise(
        case=case, amount="300.00", promised_on=date(2026, 5, 20), due_on=date(2026, 5, 25)
    )
    f.make_promise(
        case=case, amount="500.00", promised_on=date(2026, 6, 5), due_on=date(2026, 6, 20)
    )
    f.make_promise(
        case=case, amount="500.00", promised_on=date(2026, 6, 15), due_on=date(2026, 6, 30)
    )
    f.make_promise(
        case=case,
        amount="900.00",
        promised_on=date(2026, 5, 1),
        due_on=date(2026, 5, 5),
        status="cancelled",
    )
    _report(case, at(date(2026, 2, 1)), "not_home", at(date(2026, 2, 1), 15))
    _report(case, at(date(2026, 5, 5)), "promise_to_pay", at(date(2026, 5, 5), 14))
    # Held before as_of but reported the day after: not known on as_of.
    _report(case, at(date(2026, 6, 8)), "refused", at(date(2026, 6, 11), 9))
    for day, connected in (
        (date(2026, 3, 1), True),  # more than 90 days before
        (date(2026, 6, 1), True),
        (date(2026, 6, 2), False),
        (date(2026, 6, 12), True),  # after as_of
    ):
        CallRecord.objects.create(borrower=borrower, at=at(day), connected=connected)
    return borrower


def _row(frame, borrower) -> dict:
    n = frame.borrower_ids.index(borrower.pk)
    return dict(zip(FEATURES, frame.matrix[n], strict=True)) | {"label": frame.labels[n]}


def test_features_of_a_hand_built_history(borrower_a):
    row = _row(features_at(as_of=AS_OF), borrower_a)
    expected = {
        # Due before 10 June: Jan–May, 5,000.00; paid by then 3,500.00, oldest first: Jan, Feb,
        # Mar in full, Apr half. Oldest unpaid: 15 April, 56 days before 10 June.
        "dpd": 56,
        # On 11 May: Jan–Apr due (4,000.00), 3,000.00 paid, oldest unpaid 15 April: 26 days.
        "dpd_change_30d": 56 - 26,
        "bucket": 2,  # 31–60 days: M2
        "overdue_log": math.log1p(1500.00),
        # 13 March – 10 June: Mar, Apr, May due (3,000.00); paid 1,000 + 500.
        "paid_ratio_3m": 1500 / 3000,
        # 13 December – 10 June: Jan–May due (5,000.00); paid 3,500.00.
        "paid_ratio_6m": 3500 / 5000,
        "days_since_payment": 9,  # 1 June
        "paid_last_30d": 1,
        # 800 promised 10–25 April, 1,000 paid on 20 April: kept. 300 promised 20–25 May,
        # nothing paid: broken. 500 due 20 June: pending. One made after as_of, one cancelled.
        "promises_kept": 1,
        "promises_broken": 1,
        "promise_pending": 1,
        # 5 May reported; 1 February is older than 90 days; 8 June reported after as_of.
        "visits_90d": 1,
        "last_visit_positive": 1,  # promise to pay on 5 May
        "last_visit_refused": 0,
        "calls_connected_90d": 1,  # 1 June; 2 June did not connect; 12 June is later
        "loan_age_months": 177 // 30,  # disbursed 15 December: 177 days
        "loans": 1,  # the credit card comes on 1 July
        "has_credit_card": 0,
        "has_business_loan": 0,
        "has_mortgage": 0,
        # Earliest unpaid instalment on 10 June: April's 1,000.00; 1,000.00 paid on 25 June.
        "label": 1,
    }
    assert row == pytest.approx(expected)


def test_the_label_needs_a_whole_instalment_within_30_days(borrower_a):
    # On 30 June: Jan–Jun due (6,000.00), 4,500.00 paid; oldest unpaid is May (15 May): 46
    # days. Nothing is paid 1–30 July, so no instalment within 30 days.
    row = _row(features_at(as_of=date(2026, 6, 30)), borrower_a)
    assert row["dpd"] == 46
    assert row["label"] == 0
    # On 24 June the 1,000.00 of 25 June falls in the window and covers April's instalment.
    assert _row(features_at(as_of=date(2026, 6, 24)), borrower_a)["label"] == 1


def test_population_past_due_versus_open_cases(borrower_a):
    current = f.make_borrower()
    loan = f.make_loan(borrower=current, schedule=f.monthly(date(2026, 1, 15), 12, "500.00"))
    for due, amount in f.monthly(date(2026, 1, 15), 5, "500.00"):
        f.make_repayment(loan=loan, paid_on=due, amount=amount)
    f.make_case(borrower=current)  # an open case whose borrower has caught up
    past_due = features_at(as_of=AS_OF)
    assert past_due.borrower_ids == [borrower_a.pk]
    open_cases = features_at(as_of=AS_OF, population=Population.OPEN_CASES)
    assert open_cases.borrower_ids == sorted([borrower_a.pk, current.pk])
    assert _row(open_cases, current)["dpd"] == 0
    # Before the first instalment fell due nobody was past due.
    assert len(features_at(as_of=date(2026, 1, 10))) == 0


def test_one_statement_for_all_borrowers(borrower_a):
    for _n in range(3):
        f.make_loan(schedule=f.monthly(date(2026, 1, 15), 6, "100.00"))
    with CaptureQueriesContext(connection) as queries:
        frame = features_at(as_of=AS_OF)
    assert len(frame) == 4 and len(queries) == 1


def test_protected_attributes_are_not_features_and_change_nothing(borrower_a):
    """No feature is, or is read from, a protected attribute: the whitelist names none,
    the statement never reads the borrower table, and changing them changes nothing."""
    protected = {
        "gender",
        "sex",
        "birth",
        "dob",
        "national",
        "id",
        "ethnic",
        "ethnicity",
        "name",
        "address",
        "district",
        "region",
        "province",
        "hometown",
    }
    for name in FEATURES:
        words = set(name.split("_"))
        assert not words & protected, name
        assert name != "age" and "borrower" not in words, name  # loan age is fine
    borrower_fields = {field.name for field in type(borrower_a)._meta.concrete_fields}
    assert not set(FEATURES) & borrower_fields
    before = features_at(as_of=AS_OF)
    with CaptureQueriesContext(connection) as queries:
        features_at(as_of=AS_OF)
    borrower_table = borrower_a._meta.db_table
    assert borrower_table not in queries[0]["sql"]
    f.make_address(borrower=borrower_a, district="官渡区")
    type(borrower_a).objects.filter(pk=borrower_a.pk).update(
        name="王五", national_id="110101196501015678", gender="F"
    )
    after = features_at(as_of=AS_OF)
    assert np.array_equal(before.matrix, after.matrix)
    assert before.matrix.shape[1] == len(FEATURES)
