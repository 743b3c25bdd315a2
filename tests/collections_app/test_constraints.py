"""Named database constraints reject bad data; model validators reject bad JSON.

Each row writes one bad row straight to the database (no full_clean), inside its own
transaction.atomic() so the test transaction survives the IntegrityError.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from collections_app.models import (
    Address,
    Case,
    Installment,
    Loan,
    PromiseToPay,
    Repayment,
)
from tests import factories as f


def _loan(**overrides) -> Loan:
    return f.make_loan(**overrides)


def _installment(**overrides) -> Installment:
    return f.make_installment(loan=f.make_loan(), number=1, **overrides)


def _repayment(**overrides) -> Repayment:
    fields = {"amount": "100.00"}
    fields.update(overrides)
    return f.make_repayment(loan=f.make_loan(), paid_on=date(2026, 1, 1), **fields)


def _promise(**overrides) -> PromiseToPay:
    fields = {"amount": "100.00", "promised_on": date(2026, 2, 1), "due_on": date(2026, 2, 10)}
    fields.update(overrides)
    return f.make_promise(case=f.make_case(), **fields)


def _case(**overrides) -> Case:
    return f.make_case(**overrides)


def _address(**overrides) -> Address:
    return f.make_address(borrower=f.make_borrower(), **overrides)


def _sensitive_date(**overrides):
    return f.make_sensitive_date(borrower=f.make_borrower(), **overrides)


def _two_open_cases():
    borrower = f.make_borrower()
    f.make_case(borrower=borrower)
    f.make_case(borrower=borrower)


def _two_primary_addresses():
    borrower = f.make_borrower()
    f.make_address(borrower=borrower, is_primary=True)
    f.make_address(borrower=borrower, is_primary=True, kind="work")


def _duplicate_installment_number():
    loan = f.make_loan()
    f.make_installment(loan=loan, number=1)
    f.make_installment(loan=loan, number=1, due_on=date(2026, 2, 15))


def _duplicate_repayment_reference():
    loan = f.make_loan()
    f.make_repayment(loan=loan, paid_on=date(2026, 1, 1), amount="10.00", reference="REF-1")
    f.make_repayment(loan=loan, paid_on=date(2026, 1, 2), amount="20.00", reference="REF-1")


def _two_current_assignments():
    case = f.make_case()
    f.make_assignment(case=case, collector=f.make_user(role="collector"))
    f.make_assignment(
        case=case,
        collector=f.make_user(role="collector"),
        started_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
    )


def _assignment_ends_before_start():
    f.make_assignment(
        case=f.make_case(),
        collector=f.make_user(role="collector"),
        started_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
        ended_at=datetime(2026, 1, 31, 9, 0, tzinfo=UTC),
    )


# (constraint name, a callable that writes the bad data)
# fmt: off
VIOLATIONS = [
    # money
    ("loan_principal_non_negative", lambda: _loan(principal=Decimal("-0.01"))),
    ("loan_rate_non_negative", lambda: _loan(annual_rate=Decimal("-1.000"))),
    ("repayment_amount_positive", lambda: _repayment(amount="0.00")),
    ("repayment_amount_positive", lambda: _repayment(amount="-5.00")),
    ("promisetopay_amount_positive", lambda: _promise(amount="0.00")),
    ("promisetopay_amount_positive", lambda: _promise(amount="-100.00")),
    ("promisetopay_paid_non_negative", lambda: _promise(paid_amount=Decimal("-1.00"))),
    ("installment_paid_within_due", lambda: _installment(paid_amount=Decimal("1000.01"))),
    ("installment_paid_within_due", lambda: _installment(paid_amount=Decimal("-0.01"))),
    ("installment_principal_non_negative", lambda: _installment(
        principal_due=Decimal("-1.00"), interest_due=Decimal("2.00")
    )),
    ("installment_amount_is_sum", lambda: _installment(amount_due=Decimal("999.99"))),
    ("installment_amount_is_sum", lambda: _installment(
        principal_due=Decimal("833.10"), interest_due=Decimal("41.20"), amount_due=Decimal("874.31")
    )),
    ("case_overdue_non_negative", lambda: _case(overdue_amount=Decimal("-1.00"))),
    ("loan_overdue_within_outstanding", lambda: _loan(
        overdue_amount=Decimal("2.00"), outstanding_amount=Decimal("1.00")
    )),
    # one open case per borrower
    ("case_one_open_per_borrower", _two_open_cases),
    # status / choice values
    # Any status but open/closed also breaks case_closed_on_iff_closed; either may be named.
    (
        "case_status_valid|case_closed_on_iff_closed",
        lambda: _case(status="pending", closed_on=date(2026, 2, 1)),
    ),
    ("case_bucket_valid", lambda: _case(bucket="M9")),
    ("case_overdue_reason_valid", lambda: _case(overdue_reason="bad_luck")),
    ("case_priority_valid", lambda: _case(priority=9)),
    ("loan_status_valid", lambda: _loan(status="defaulted")),
    ("loan_bucket_valid", lambda: _loan(bucket="M8")),
    ("loan_product_valid", lambda: _loan(product="payday")),
    ("repayment_channel_valid", lambda: _repayment(channel="cash_in_envelope")),
    ("borrower_jurisdiction_valid", lambda: f.make_borrower(jurisdiction="FR")),
    ("promisetopay_status_valid", lambda: _promise(status="forgotten")),
    # dates
    ("loan_maturity_after_disbursal", lambda: _loan(
        disbursed_on=date(2026, 1, 1), maturity_on=date(2025, 12, 31)
    )),
    ("loan_maturity_after_disbursal", lambda: _loan(
        disbursed_on=date(2026, 1, 1), maturity_on=date(2026, 1, 1)
    )),
    ("sensitivedate_end_after_start", lambda: _sensitive_date(
        starts_on=date(2026, 3, 7), ends_on=date(2026, 3, 1)
    )),
    ("case_closed_after_opened", lambda: _case(
        opened_on=date(2026, 2, 1), status=Case.Status.CLOSED, closed_on=date(2026, 1, 31)
    )),
    ("case_closed_on_iff_closed", lambda: _case(closed_on=date(2026, 2, 1))),
    ("case_closed_on_iff_closed", lambda: _case(status=Case.Status.CLOSED)),
    ("promisetopay_due_after_promise", lambda: _promise(due_on=date(2026, 1, 31))),
    ("caseassignment_end_after_start", _assignment_ends_before_start),
    # addresses
    ("address_one_primary", _two_primary_addresses),
    ("address_lat_range", lambda: _address(lat=Decimal("90.000001"))),
    ("address_lat_range", lambda: _address(lat=Decimal("-91.000000"))),
    ("address_lng_range", lambda: _address(lng=Decimal("180.500000"))),
    ("address_lat_lng_together", lambda: _address(lng=None)),
    # uniqueness
    ("installment_unique_number", _duplicate_installment_number),
    ("reference", _duplicate_repayment_reference),  # unique=True field, not a named constraint
    ("caseassignment_one_current", _two_current_assignments),
    # flags
    ("borrower_represented_has_contact", lambda: f.make_borrower(represented=True)),
]
# fmt: on


def _ids(rows):
    seen: dict[str, int] = {}
    out = []
    for name, _make in rows:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


@pytest.mark.parametrize(("name", "make"), VIOLATIONS, ids=_ids(VIOLATIONS))
def test_constraint_rejects_bad_data(db, name, make):
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        make()

    # PostgreSQL names every constraint; SQLite names CHECKs but lists columns for UNIQUE.
    message = str(excinfo.value)
    if connection.vendor == "postgresql" or "CHECK" in message:
        assert any(alternative in message for alternative in name.split("|")), message


ALLOWED = {
    "one open and one closed case": lambda: (
        _case(borrower=(b := f.make_borrower())),
        _case(borrower=b, status=Case.Status.CLOSED, closed_on=date(2026, 2, 1)),
    ),
    "two closed cases": lambda: (
        _case(borrower=(b := f.make_borrower()), status="closed", closed_on=date(2026, 2, 1)),
        _case(borrower=b, status="closed", closed_on=date(2026, 3, 1)),
    ),
    "closed on the day it opened": lambda: _case(
        opened_on=date(2026, 2, 1), status="closed", closed_on=date(2026, 2, 1)
    ),
    "represented with a contact": lambda: f.make_borrower(
        represented=True, representative_contact="律师 13900002222"
    ),
    "primary and secondary addresses": lambda: (
        f.make_address(borrower=(b := f.make_borrower())),
        f.make_address(borrower=b, is_primary=False, kind="work"),
        f.make_address(borrower=b, is_primary=False, kind="other"),
    ),
    "address without coordinates": lambda: _address(lat=None, lng=None),
    "latitude at the poles": lambda: _address(lat=Decimal("-90"), lng=Decimal("180")),
    "installment fully paid": lambda: _installment(paid_amount=Decimal("1000.00")),
    "installment with cents that are inexact as floats": lambda: _installment(
        principal_due=Decimal("833.10"), interest_due=Decimal("41.20"), fee_due=Decimal("0.01")
    ),
    "promise due on the day it is made": lambda: _promise(due_on=date(2026, 2, 1)),
    "one-day sensitive date": lambda: _sensitive_date(
        starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 1)
    ),
    "ended assignment plus a current one": lambda: (
        f.make_assignment(
            case=(c := f.make_case()),
            collector=f.make_user(),
            ended_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
        ),
        f.make_assignment(
            case=c, collector=f.make_user(), started_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
        ),
    ),
    "same installment number on two loans": lambda: (
        f.make_installment(loan=f.make_loan(), number=1),
        f.make_installment(loan=f.make_loan(), number=1),
    ),
}


@pytest.mark.parametrize("make", list(ALLOWED.values()), ids=list(ALLOWED))
def test_constraint_allows_good_data(db, make):
    make()  # no IntegrityError


def test_good_installment_passes_full_clean(db):
    """The model-side check (validate_constraints) agrees with the database."""
    installment = Installment(
        loan=f.make_loan(),
        number=1,
        due_on=date(2026, 1, 15),
        principal_due=Decimal("833.10"),
        interest_due=Decimal("41.20"),
        fee_due=Decimal("0.00"),
        amount_due=Decimal("874.30"),
    )
    installment.full_clean()
    installment.amount_due = Decimal("874.31")
    with pytest.raises(ValidationError):
        installment.full_clean()


# ---- Borrower field validators (full_clean, no database constraint) ----

WINDOW = {"weekdays": [5, 6], "start": "00:00", "end": "23:59"}

BAD_BORROWER_VALUES = {
    "window weekday 7": ("no_visit_windows", [{**WINDOW, "weekdays": [6, 7]}]),
    "window weekday -1": ("no_visit_windows", [{**WINDOW, "weekdays": [-1]}]),
    "window no weekdays": ("no_visit_windows", [{**WINDOW, "weekdays": []}]),
    "window weekdays not a list": ("no_visit_windows", [{**WINDOW, "weekdays": 5}]),
    "window hour 25": ("no_visit_windows", [{**WINDOW, "start": "25:00"}]),
    "window hour 24": ("no_visit_windows", [{**WINDOW, "end": "24:00"}]),
    "window minute 60": ("no_visit_windows", [{**WINDOW, "start": "12:60"}]),
    "window time not HH:MM": ("no_visit_windows", [{**WINDOW, "start": "noon"}]),
    "window time one-digit hour": ("no_visit_windows", [{**WINDOW, "start": "9:00"}]),
    "window time a number": ("no_visit_windows", [{**WINDOW, "start": 900}]),
    "window start equals end": (
        "no_visit_windows",
        [{**WINDOW, "start": "12:00", "end": "12:00"}],
    ),
    "window start after end": (
        "no_visit_windows",
        [{**WINDOW, "start": "18:00", "end": "09:00"}],
    ),
    "window 10:00 to 9:00": ("no_visit_windows", [{**WINDOW, "start": "10:00", "end": "9:00"}]),
    "window missing end": ("no_visit_windows", [{"weekdays": [1], "start": "09:00"}]),
    "window extra key": ("no_visit_windows", [{**WINDOW, "note": "x"}]),
    "window not a dict": ("no_visit_windows", ["weekends"]),
    "windows not a list": ("no_visit_windows", WINDOW),
    "one bad window among good": ("no_visit_windows", [WINDOW, {**WINDOW, "weekdays": [9]}]),
    "unknown location": ("no_visit_locations", ["home", "karaoke"]),
    "locations not a list": ("no_visit_locations", "home"),
    "unknown consent": ("consents", ["night_visit"]),
    "consents not a list": ("consents", {"workplace_visit": True}),
    "unknown timezone": ("timezone", "Mars/Olympus_Mons"),
    "timezone offset": ("timezone", "UTC+8"),
    "unknown gender": ("gender", "X"),
    "unknown jurisdiction": ("jurisdiction", "FR"),
}


@pytest.mark.parametrize(
    ("field", "value"), list(BAD_BORROWER_VALUES.values()), ids=list(BAD_BORROWER_VALUES)
)
def test_borrower_full_clean_rejects(db, field, value):
    borrower = f.make_borrower()
    setattr(borrower, field, value)

    with pytest.raises(ValidationError) as excinfo:
        borrower.full_clean()

    assert field in excinfo.value.message_dict


GOOD_BORROWER_VALUES = {
    "weekend window": ("no_visit_windows", [WINDOW]),
    "two windows": (
        "no_visit_windows",
        [WINDOW, {"weekdays": [0, 1, 2, 3, 4], "start": "12:00", "end": "13:30"}],
    ),
    "no windows": ("no_visit_windows", []),
    "locations": ("no_visit_locations", ["workplace", "hospital"]),
    "consents": ("consents", ["workplace_visit"]),
    "timezone": ("timezone", "Europe/London"),
}


@pytest.mark.parametrize(
    ("field", "value"), list(GOOD_BORROWER_VALUES.values()), ids=list(GOOD_BORROWER_VALUES)
)
def test_borrower_full_clean_accepts(db, field, value):
    borrower = f.make_borrower()
    setattr(borrower, field, value)
    borrower.full_clean()
    borrower.save()
