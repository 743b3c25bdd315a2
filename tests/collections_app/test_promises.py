"""Promise-to-pay outcomes derived by ledger_refresh from the borrower's repayments."""

from datetime import date
from decimal import Decimal

import pytest

from collections_app.models import PromiseToPay
from collections_app.services.ledger import ledger_refresh
from tests import factories as f

PROMISED_ON = date(2026, 2, 1)
DUE_ON = date(2026, 2, 10)
SCHEDULE = f.monthly(date(2026, 1, 15), 3, "1000.00")

PENDING, KEPT, PARTIAL, BROKEN = (
    PromiseToPay.Status.PENDING,
    PromiseToPay.Status.KEPT,
    PromiseToPay.Status.PARTIAL,
    PromiseToPay.Status.BROKEN,
)

# A promise of 500.00 made on 2026-02-01, due 2026-02-10.
# repayments: (paid_on, amount, which loan) with "main"/"second" = the borrower's loans,
# "stranger" = someone else's loan.
# fmt: off
OUTCOMES = {
    "paid in full before due, due date not passed": (
        [(date(2026, 2, 5), "500.00", "main")], date(2026, 2, 6), KEPT, "500.00",
    ),
    "paid in full on the due date": (
        [(DUE_ON, "500.00", "main")], DUE_ON, KEPT, "500.00",
    ),
    "paid in full on the day of the promise": (
        [(PROMISED_ON, "500.00", "main")], PROMISED_ON, KEPT, "500.00",
    ),
    "paid in two parts": (
        [(date(2026, 2, 3), "200.00", "main"), (date(2026, 2, 8), "300.00", "main")],
        date(2026, 2, 11), KEPT, "500.00",
    ),
    "overpaid": (
        [(date(2026, 2, 3), "750.25", "main")], date(2026, 2, 11), KEPT, "750.25",
    ),
    "partial after due": (
        [(date(2026, 2, 5), "200.00", "main")], date(2026, 2, 11), PARTIAL, "200.00",
    ),
    "partial one cent short": (
        [(date(2026, 2, 5), "499.99", "main")], date(2026, 2, 11), PARTIAL, "499.99",
    ),
    "partial before due is still pending": (
        [(date(2026, 2, 5), "200.00", "main")], date(2026, 2, 9), PENDING, "200.00",
    ),
    "nothing after due": ([], date(2026, 2, 11), BROKEN, "0.00"),
    "nothing, due date not yet passed": ([], date(2026, 2, 5), PENDING, "0.00"),
    "nothing, as_of is the due date": ([], DUE_ON, PENDING, "0.00"),
    "repayment before promised_on does not count": (
        [(date(2026, 1, 31), "500.00", "main")], date(2026, 2, 11), BROKEN, "0.00",
    ),
    "repayment after due_on does not count": (
        [(date(2026, 2, 11), "500.00", "main")], date(2026, 2, 12), BROKEN, "0.00",
    ),
    "repayment after as_of does not count yet": (
        [(date(2026, 2, 8), "500.00", "main")], date(2026, 2, 6), PENDING, "0.00",
    ),
    "repayment on the borrower's other loan counts": (
        [(date(2026, 2, 5), "500.00", "second")], date(2026, 2, 11), KEPT, "500.00",
    ),
    "repayments split across the borrower's loans": (
        [(date(2026, 2, 5), "250.00", "main"), (date(2026, 2, 6), "250.00", "second")],
        date(2026, 2, 11), KEPT, "500.00",
    ),
    "someone else's repayment does not count": (
        [(date(2026, 2, 5), "500.00", "stranger")], date(2026, 2, 11), BROKEN, "0.00",
    ),
    "cents add up exactly": (
        [(date(2026, 2, 2), "166.67", "main"), (date(2026, 2, 3), "166.66", "main"),
         (date(2026, 2, 4), "166.67", "main")],
        date(2026, 2, 11), KEPT, "500.00",
    ),
}
# fmt: on


@pytest.fixture
def loans(db):
    borrower = f.make_borrower()
    return {
        "main": f.make_loan(borrower=borrower, schedule=SCHEDULE),
        "second": f.make_loan(borrower=borrower, schedule=SCHEDULE),
        "stranger": f.make_loan(schedule=SCHEDULE),
    }


def _promise(loans, **overrides) -> PromiseToPay:
    case = f.make_case(borrower=loans["main"].borrower)
    fields = {"amount": "500.00", "promised_on": PROMISED_ON, "due_on": DUE_ON}
    fields.update(overrides)
    return f.make_promise(case=case, **fields)


@pytest.mark.parametrize(
    ("repayments", "as_of", "status", "paid"), list(OUTCOMES.values()), ids=list(OUTCOMES)
)
def test_promise_outcome(loans, repayments, as_of, status, paid):
    promise = _promise(loans)
    for paid_on, amount, which in repayments:
        f.make_repayment(loan=loans[which], paid_on=paid_on, amount=amount)

    result = ledger_refresh(as_of=as_of)

    promise.refresh_from_db()
    assert promise.status == status
    assert promise.paid_amount == Decimal(paid)
    assert result.promises_settled == (0 if status == PENDING else 1)


def test_scoped_refresh_settles_promise_from_other_loan(loans):
    """A refresh limited to one loan still settles its borrower's promises."""
    promise = _promise(loans)
    f.make_repayment(loan=loans["second"], paid_on=date(2026, 2, 5), amount="500.00")

    result = ledger_refresh(as_of=date(2026, 2, 5), loan_ids=[loans["second"].id])

    promise.refresh_from_db()
    assert (promise.status, promise.paid_amount) == (KEPT, Decimal("500.00"))
    assert result.promises_settled == 1


def test_scoped_refresh_leaves_other_borrowers_promises(loans):
    promise = _promise(loans)

    ledger_refresh(as_of=date(2026, 2, 11), loan_ids=[loans["stranger"].id])

    promise.refresh_from_db()
    assert promise.status == PENDING


@pytest.mark.parametrize(
    "status",
    [PromiseToPay.Status.CANCELLED, KEPT, PARTIAL, BROKEN],
)
def test_settled_and_cancelled_promises_never_change(loans, status):
    promise = _promise(loans, status=status)
    f.make_repayment(loan=loans["main"], paid_on=date(2026, 2, 5), amount="500.00")

    for as_of in (date(2026, 2, 5), date(2026, 2, 11), date(2026, 3, 1)):
        result = ledger_refresh(as_of=as_of)
        assert result.promises_settled == 0

    promise.refresh_from_db()
    assert (promise.status, promise.paid_amount) == (status, Decimal("0.00"))


def test_broken_promise_stays_broken_after_late_payment(loans):
    promise = _promise(loans)
    assert ledger_refresh(as_of=date(2026, 2, 11)).promises_settled == 1
    f.make_repayment(loan=loans["main"], paid_on=date(2026, 2, 9), amount="500.00")  # back-dated

    assert ledger_refresh(as_of=date(2026, 2, 12)).promises_settled == 0

    promise.refresh_from_db()
    assert (promise.status, promise.paid_amount) == (BROKEN, Decimal("0.00"))


def test_promise_made_after_as_of_is_left_alone(loans):
    promise = _promise(loans, promised_on=date(2026, 3, 1), due_on=date(2026, 3, 5))
    f.make_repayment(loan=loans["main"], paid_on=date(2026, 2, 5), amount="500.00")

    ledger_refresh(as_of=date(2026, 2, 20))

    promise.refresh_from_db()
    assert (promise.status, promise.paid_amount) == (PENDING, Decimal("0.00"))


def test_promises_on_several_cases_settle_independently(loans):
    kept = _promise(loans, amount="100.00")
    other_case = f.make_case(borrower=loans["stranger"].borrower)
    broken = f.make_promise(
        case=other_case, amount="100.00", promised_on=PROMISED_ON, due_on=DUE_ON
    )
    f.make_repayment(loan=loans["main"], paid_on=date(2026, 2, 5), amount="100.00")

    result = ledger_refresh(as_of=date(2026, 2, 11))

    kept.refresh_from_db()
    broken.refresh_from_db()
    assert (kept.status, broken.status) == (KEPT, BROKEN)
    assert result.promises_settled == 2
