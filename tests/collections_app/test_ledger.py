"""ledger_refresh: DPD, buckets, oldest-first allocation, case aggregation, bucket history.

The scenarios are tables: a schedule, the repayments, the day of the refresh, and what the
loan must look like afterwards. Amounts are compared as exact Decimals on both databases.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collections_app.models import Bucket, BucketChange, Case, Installment, Loan
from collections_app.services.ledger import ledger_refresh
from tests import factories as f

JAN15 = date(2026, 1, 15)
THREE_MONTHLY = f.monthly(JAN15, 3, "1000.00")  # due 2026-01-15, 02-15, 03-15
CENTS = f.monthly(JAN15, 3, "333.33")  # 999.99 in all


def D(value: str) -> Decimal:  # noqa: N802
    return Decimal(value)


def _paid(loan: Loan) -> list[Decimal]:
    rows = Installment.objects.filter(loan=loan).order_by("number")
    return list(rows.values_list("paid_amount", flat=True))


def _loan_with(schedule, repayments) -> Loan:
    loan = f.make_loan(schedule=schedule)
    for paid_on, amount in repayments:
        f.make_repayment(loan=loan, paid_on=paid_on, amount=amount)
    return loan


# (schedule, repayments [(paid_on, amount)], as_of,
#  dpd, bucket, overdue, outstanding, paid per installment)
# fmt: off
SCENARIOS = {
    "no payments": (
        THREE_MONTHLY, [], date(2026, 3, 1),
        45, "M2", "2000.00", "3000.00", ["0.00", "0.00", "0.00"],
    ),
    "no payments, all past due": (
        THREE_MONTHLY, [], date(2026, 4, 1),
        76, "M3", "3000.00", "3000.00", ["0.00", "0.00", "0.00"],
    ),
    "before the first due date": (
        THREE_MONTHLY, [], date(2026, 1, 1),
        0, "M0", "0.00", "3000.00", ["0.00", "0.00", "0.00"],
    ),
    "installment due on as_of is not overdue": (
        THREE_MONTHLY, [], JAN15,
        0, "M0", "0.00", "3000.00", ["0.00", "0.00", "0.00"],
    ),
    "unpaid the day after the due date": (
        THREE_MONTHLY, [], date(2026, 1, 16),
        1, "M1", "1000.00", "3000.00", ["0.00", "0.00", "0.00"],
    ),
    "exact payments": (
        THREE_MONTHLY, [(JAN15, "1000.00"), (date(2026, 2, 15), "1000.00")], date(2026, 3, 1),
        0, "M0", "0.00", "1000.00", ["1000.00", "1000.00", "0.00"],
    ),
    "partial payment stays on the oldest installment": (
        THREE_MONTHLY, [(date(2026, 1, 20), "600.00")], date(2026, 3, 1),
        45, "M2", "1400.00", "2400.00", ["600.00", "0.00", "0.00"],
    ),
    "partial payment spills into the second installment": (
        THREE_MONTHLY, [(date(2026, 1, 20), "1000.00"), (date(2026, 2, 20), "500.00")],
        date(2026, 3, 1),
        14, "M1", "500.00", "1500.00", ["1000.00", "500.00", "0.00"],
    ),
    "prepayment covers future installments": (
        THREE_MONTHLY, [(date(2026, 1, 10), "2500.00")], date(2026, 3, 1),
        0, "M0", "0.00", "500.00", ["1000.00", "1000.00", "500.00"],
    ),
    "prepayment of everything, overpayment ignored": (
        THREE_MONTHLY, [(date(2026, 1, 10), "3500.00")], date(2026, 4, 1),
        0, "M0", "0.00", "0.00", ["1000.00", "1000.00", "1000.00"],
    ),
    "repayment on the due date, as_of that day": (
        THREE_MONTHLY, [(JAN15, "1000.00")], JAN15,
        0, "M0", "0.00", "2000.00", ["1000.00", "0.00", "0.00"],
    ),
    "repayment on the due date, as_of next day": (
        THREE_MONTHLY, [(JAN15, "1000.00")], date(2026, 1, 16),
        0, "M0", "0.00", "2000.00", ["1000.00", "0.00", "0.00"],
    ),
    "repayment after as_of is ignored": (
        THREE_MONTHLY, [(date(2026, 1, 20), "1000.00")], date(2026, 1, 18),
        3, "M1", "1000.00", "3000.00", ["0.00", "0.00", "0.00"],
    ),
    "cents: 1000.00 pays 3 x 333.33": (
        CENTS, [(date(2026, 1, 10), "1000.00")], date(2026, 4, 1),
        0, "M0", "0.00", "0.00", ["333.33", "333.33", "333.33"],
    ),
    "cents: 500.00 against 3 x 333.33": (
        CENTS, [(date(2026, 1, 10), "500.00")], date(2026, 3, 1),
        14, "M1", "166.66", "499.99", ["333.33", "166.67", "0.00"],
    ),
    "cents: many small repayments": (
        CENTS, [(date(2026, 1, 1) + timedelta(days=k), "33.33") for k in range(10)],
        date(2026, 3, 1),
        45, "M2", "333.36", "666.69", ["333.30", "0.00", "0.00"],
    ),
    "cents: tenths that are inexact as floats": (
        [(JAN15, "0.10"), (date(2026, 2, 15), "0.20")],
        [(date(2026, 1, 2), "0.10"), (date(2026, 1, 3), "0.10"), (date(2026, 1, 4), "0.10")],
        date(2026, 3, 1),
        0, "M0", "0.00", "0.00", ["0.10", "0.20"],
    ),
}
# fmt: on


@pytest.mark.parametrize(
    ("schedule", "repayments", "as_of", "dpd", "bucket", "overdue", "outstanding", "paid"),
    list(SCENARIOS.values()),
    ids=list(SCENARIOS),
)
def test_loan_derivation(db, schedule, repayments, as_of, dpd, bucket, overdue, outstanding, paid):
    loan = _loan_with(schedule, repayments)

    result = ledger_refresh(as_of=as_of)

    loan.refresh_from_db()
    assert result.loans == 1
    assert loan.dpd == dpd
    assert loan.bucket == bucket
    assert loan.overdue_amount == D(overdue)
    assert loan.outstanding_amount == D(outstanding)
    assert _paid(loan) == [D(p) for p in paid]
    assert loan.derived_as_of == as_of


def test_oldest_unpaid_due_date(db):
    loan = _loan_with(THREE_MONTHLY, [(date(2026, 1, 10), "1500.00")])

    ledger_refresh(as_of=date(2026, 1, 20))

    loan.refresh_from_db()
    assert loan.oldest_unpaid_due_on == date(2026, 2, 15)


def test_allocation_follows_due_date_not_number(db):
    """Installments are paid oldest due date first, even if numbered out of order."""
    loan = f.make_loan()
    f.make_installment(loan=loan, number=1, due_on=date(2026, 2, 15))
    f.make_installment(loan=loan, number=2, due_on=JAN15)
    f.make_repayment(loan=loan, paid_on=date(2026, 1, 10), amount="1000.00")

    ledger_refresh(as_of=date(2026, 2, 20))

    loan.refresh_from_db()
    assert _paid(loan) == [D("0.00"), D("1000.00")]
    assert loan.dpd == 5


def test_refresh_reverses_allocation_when_as_of_moves_back(db):
    """paid_amount is re-derived from scratch, so an earlier as_of un-allocates."""
    loan = _loan_with(THREE_MONTHLY, [(date(2026, 2, 1), "1000.00")])
    ledger_refresh(as_of=date(2026, 2, 2))
    assert _paid(loan)[0] == D("1000.00")

    ledger_refresh(as_of=date(2026, 1, 20))

    loan.refresh_from_db()
    assert _paid(loan)[0] == D("0.00")
    assert loan.dpd == 5


# fmt: off
BUCKET_BOUNDARIES = [
    (0, "M0"), (1, "M1"), (30, "M1"), (31, "M2"), (60, "M2"), (61, "M3"), (90, "M3"),
    (91, "M4"), (120, "M4"), (121, "M5"), (150, "M5"), (151, "M6"), (180, "M6"), (181, "M7"),
]
# fmt: on


@pytest.mark.parametrize(("dpd", "bucket"), BUCKET_BOUNDARIES)
def test_bucket_for_dpd(dpd, bucket):
    assert Bucket.for_dpd(dpd) == bucket


@pytest.mark.parametrize(("dpd", "bucket"), BUCKET_BOUNDARIES)
def test_refresh_bucket_boundaries(db, dpd, bucket):
    """The SQL bucket matches Bucket.for_dpd at every boundary, for loan and case."""
    loan = _loan_with([(JAN15, "1000.00")], [])
    case = f.make_case(borrower=loan.borrower)

    ledger_refresh(as_of=JAN15 + timedelta(days=dpd))

    loan.refresh_from_db()
    case.refresh_from_db()
    assert (loan.dpd, loan.bucket) == (dpd, bucket)
    assert (case.dpd, case.bucket) == (dpd, bucket)


def test_case_aggregates_the_borrowers_loans(db):
    borrower = f.make_borrower()
    f.make_loan(borrower=borrower, schedule=THREE_MONTHLY)  # dpd 45, 2000 / 3000
    second = f.make_loan(borrower=borrower, schedule=CENTS)  # dpd 14 after a payment
    f.make_repayment(loan=second, paid_on=date(2026, 1, 20), amount="333.33")
    f.make_loan(borrower=borrower, schedule=[(date(2026, 6, 1), "250.50")])  # not yet due
    case = f.make_case(borrower=borrower)
    stranger = f.make_loan(schedule=f.monthly(date(2025, 6, 1), 2, "9999.00"))

    ledger_refresh(as_of=date(2026, 3, 1))

    case.refresh_from_db()
    assert case.dpd == 45
    assert case.bucket == Bucket.M2
    assert case.overdue_amount == D("2000.00") + D("333.33")
    assert case.outstanding_amount == D("3000.00") + D("666.66") + D("250.50")
    stranger.refresh_from_db()
    assert stranger.dpd > 180  # and not folded into this borrower's case


def test_closed_cases_are_not_updated(db):
    loan = _loan_with(THREE_MONTHLY, [])
    closed = f.make_case(
        borrower=loan.borrower, status=Case.Status.CLOSED, closed_on=date(2026, 1, 10)
    )

    result = ledger_refresh(as_of=date(2026, 3, 1))

    closed.refresh_from_db()
    assert (closed.dpd, closed.bucket) == (0, Bucket.M0)
    assert closed.overdue_amount == closed.outstanding_amount == D("0.00")
    # The borrower is delinquent again and has no open case: a new one is opened.
    assert result.cases_opened == 1
    reopened = Case.objects.get(borrower=loan.borrower, status=Case.Status.OPEN)
    assert reopened.dpd == 45


def test_bucket_change_history(db):
    loan = _loan_with([(JAN15, "1000.00")], [])

    def history():
        return list(
            BucketChange.objects.filter(loan=loan)
            .order_by("id")
            .values_list("from_bucket", "to_bucket", "dpd", "changed_on")
        )

    assert ledger_refresh(as_of=JAN15).bucket_changes == 0  # M0 → M0
    assert history() == []

    first = date(2026, 1, 16)
    assert ledger_refresh(as_of=first).bucket_changes == 1
    assert history() == [("M0", "M1", 1, first)]

    assert ledger_refresh(as_of=first).bucket_changes == 0  # same day again: nothing new
    assert ledger_refresh(as_of=date(2026, 2, 10)).bucket_changes == 0  # dpd 26, still M1
    assert len(history()) == 1

    jump = date(2026, 4, 20)  # dpd 95: M1 → M4 in one step is one row
    assert ledger_refresh(as_of=jump).bucket_changes == 1
    f.make_repayment(loan=loan, paid_on=date(2026, 4, 21), amount="1000.00")
    cured = date(2026, 4, 21)
    assert ledger_refresh(as_of=cured).bucket_changes == 1

    assert history() == [
        ("M0", "M1", 1, first),
        ("M1", "M4", 95, jump),
        ("M4", "M0", 0, cured),
    ]


def test_refresh_limited_to_loan_ids(db):
    borrower = f.make_borrower()
    touched = _loan_with(THREE_MONTHLY, [(date(2026, 1, 20), "500.00")])
    untouched = f.make_loan(borrower=borrower, schedule=THREE_MONTHLY)
    f.make_repayment(loan=untouched, paid_on=date(2026, 1, 20), amount="500.00")

    result = ledger_refresh(as_of=date(2026, 3, 1), loan_ids=[touched.id])

    touched.refresh_from_db()
    untouched.refresh_from_db()
    assert result.loans == 1
    assert (touched.dpd, touched.bucket, touched.derived_as_of) == (45, "M2", date(2026, 3, 1))
    assert (untouched.dpd, untouched.bucket, untouched.derived_as_of) == (0, "M0", None)
    assert untouched.outstanding_amount == D("0.00")
    assert _paid(untouched) == [D("0.00")] * 3
    assert not BucketChange.objects.filter(loan=untouched).exists()
    assert not Case.objects.filter(borrower=borrower).exists()
    assert result.cases_opened == 1  # only the touched loan's borrower


def test_empty_loan_ids_does_nothing(db):
    loan = _loan_with(THREE_MONTHLY, [])

    result = ledger_refresh(as_of=date(2026, 3, 1), loan_ids=[])

    loan.refresh_from_db()
    assert result == type(result)(0, 0, 0, 0)
    assert loan.dpd == 0


def test_newly_overdue_borrower_gets_one_open_case(db):
    delinquent = _loan_with(THREE_MONTHLY, [])
    already = _loan_with(THREE_MONTHLY, [])
    existing = f.make_case(borrower=already.borrower, opened_on=date(2025, 12, 1))
    current = _loan_with(THREE_MONTHLY, [(date(2026, 1, 1), "2000.00")])  # nothing overdue

    result = ledger_refresh(as_of=date(2026, 3, 1))

    assert result.cases_opened == 1
    opened = Case.objects.get(borrower=delinquent.borrower)
    assert opened.status == Case.Status.OPEN
    assert opened.opened_on == date(2026, 3, 1)
    assert (opened.dpd, opened.bucket, opened.overdue_amount) == (45, "M2", D("2000.00"))
    assert opened.assigned_collector is None
    assert list(Case.objects.filter(borrower=already.borrower)) == [existing]
    assert not Case.objects.filter(borrower=current.borrower).exists()

    assert ledger_refresh(as_of=date(2026, 3, 2)).cases_opened == 0
    assert Case.objects.count() == 2


def test_cents_are_exact_in_case_totals(db):
    borrower = f.make_borrower()
    for _ in range(3):
        loan = f.make_loan(borrower=borrower, schedule=CENTS)
        f.make_repayment(loan=loan, paid_on=date(2026, 1, 10), amount="0.01")
    case = f.make_case(borrower=borrower)

    ledger_refresh(as_of=date(2026, 4, 1))

    case.refresh_from_db()
    assert case.outstanding_amount == D("2999.94")
    assert case.overdue_amount == D("2999.94")
    assert _paid(loan) == [D("0.01"), D("0.00"), D("0.00")]


def _portfolio(n: int) -> list[Loan]:
    """n borrowers, each with an overdue loan, a repayment and a pending promise."""
    loans = []
    for k in range(n):
        loan = _loan_with(THREE_MONTHLY, [(date(2026, 1, 20), f"{100 + k}.50")])
        if k % 2:
            case = f.make_case(borrower=loan.borrower)
            f.make_promise(
                case=case, amount="100.00", promised_on=date(2026, 1, 18), due_on=date(2026, 2, 1)
            )
        loans.append(loan)
    return loans


@pytest.mark.parametrize("scoped", [False, True], ids=["all loans", "loan_ids"])
def test_refresh_is_set_based(db, scoped):
    """The number of queries does not grow with the number of loans."""
    counts = {}
    for n in (3, 30):
        loans = _portfolio(n)
        loan_ids = [loan.id for loan in loans] if scoped else None
        with CaptureQueriesContext(connection) as ctx:
            result = ledger_refresh(as_of=date(2026, 3, 1), loan_ids=loan_ids)
        counts[n] = len(ctx)
        assert result.cases_opened == n - n // 2
        assert Loan.objects.filter(id__in=[loan.id for loan in loans], dpd=45).count() == n

    assert counts[3] == counts[30] <= 15, counts


def test_refresh_query_budget(db, django_assert_max_num_queries):
    _portfolio(30)
    with django_assert_max_num_queries(15):
        ledger_refresh(as_of=date(2026, 3, 1))
