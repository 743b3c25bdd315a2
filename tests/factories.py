"""Plain factory functions (djangoproject.com style): make_x(**overrides) -> saved object."""

import itertools
from datetime import UTC, date, datetime, timedelta  # noqa: F401  (re-exported for tests)
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from collections_app.models import (
    Address,
    Borrower,
    BucketChange,
    Case,
    CaseAssignment,
    ContactPerson,
    Installment,
    Loan,
    PromiseToPay,
    Repayment,
    RepaymentPlan,
    RepaymentPlanInstallment,
    SensitiveDate,
    StaffProfile,
    Team,
)
from compliance.models import Credential
from visits.models import Visit, VisitMember

_seq = itertools.count(1)
VISIT_PURPOSE = "Discuss the overdue instalments and a repayment plan"


def _n() -> int:
    return next(_seq)


def make_user(*, role: str | None = None, team: Team | None = None, **overrides):
    n = _n()
    fields = {"username": f"user{n}", "first_name": f"User{n}"}
    fields.update(overrides)
    user = get_user_model().objects.create_user(password="pw-test-1234", **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.create(user=user, employee_number=f"E{n:05d}", team=team)
    return user


def make_team(**overrides) -> Team:
    fields = {"name": f"Team {_n()}"}
    fields.update(overrides)
    return Team.objects.create(**fields)


def make_borrower(**overrides) -> Borrower:
    n = _n()
    fields = {
        "customer_number": f"C{n:08d}",
        "name": "张三",
        "national_id": "530102199001011234",
        "mobile": "13812345678",
    }
    fields.update(overrides)
    borrower = Borrower.objects.create(**fields)
    return borrower


def make_address(*, borrower: Borrower, **overrides) -> Address:
    fields = {
        "district": "五华区",
        "street": "人民中路1号",
        "lat": Decimal("25.043000"),
        "lng": Decimal("102.704000"),
        "is_primary": True,
    }
    fields.update(overrides)
    return Address.objects.create(borrower=borrower, **fields)


def make_contact(*, borrower: Borrower, **overrides) -> ContactPerson:
    fields = {
        "role": "guarantor",
        "relationship": "spouse",
        "name": "李四",
        "mobile": "13900001111",
    }
    fields.update(overrides)
    return ContactPerson.objects.create(borrower=borrower, **fields)


def make_loan(
    *,
    borrower: Borrower | None = None,
    schedule: list[tuple[date, str]] = (),
    **overrides,
) -> Loan:
    """A loan with an installment per (due date, amount) in `schedule`."""
    n = _n()
    fields = {
        "account_number": f"6222{n:012d}",
        "product": "consumer_loan",
        "principal": Decimal("10000.00"),
        "annual_rate": Decimal("6.000"),
        "disbursed_on": date(2025, 1, 1),
        "maturity_on": date(2027, 1, 1),
    }
    fields.update(overrides)
    loan = Loan.objects.create(borrower=borrower or make_borrower(), **fields)
    Installment.objects.bulk_create(
        Installment(
            loan=loan,
            number=i,
            due_on=due,
            principal_due=Decimal(amount),
            interest_due=Decimal("0.00"),
            amount_due=Decimal(amount),
        )
        for i, (due, amount) in enumerate(schedule, start=1)
    )
    return loan


def monthly(first: date, count: int, amount: str) -> list[tuple[date, str]]:
    """`count` installments of `amount`, due on the same day of consecutive months."""
    out = []
    for k in range(count):
        month = first.month - 1 + k
        out.append((first.replace(year=first.year + month // 12, month=month % 12 + 1), amount))
    return out


def make_repayment(*, loan: Loan, paid_on: date, amount: str, **overrides) -> Repayment:
    fields = {"channel": "bank_transfer", "reference": f"R{_n():010d}"}
    fields.update(overrides)
    return Repayment.objects.create(loan=loan, paid_on=paid_on, amount=Decimal(amount), **fields)


def make_case(*, borrower: Borrower | None = None, **overrides) -> Case:
    fields = {"opened_on": date(2026, 1, 1)}
    fields.update(overrides)
    return Case.objects.create(borrower=borrower or make_borrower(), **fields)


def make_promise(*, case: Case, amount: str, promised_on: date, due_on: date, **overrides):
    return PromiseToPay.objects.create(
        case=case, amount=Decimal(amount), promised_on=promised_on, due_on=due_on, **overrides
    )


def days(n: int) -> timedelta:
    return timedelta(days=n)


def make_installment(*, loan: Loan, number: int, **overrides) -> Installment:
    """One installment; amount_due defaults to principal + interest + fee."""
    fields = {
        "due_on": date(2026, 1, 15),
        "principal_due": Decimal("1000.00"),
        "interest_due": Decimal("0.00"),
        "fee_due": Decimal("0.00"),
    }
    fields.update(overrides)
    fields.setdefault(
        "amount_due", fields["principal_due"] + fields["interest_due"] + fields["fee_due"]
    )
    return Installment.objects.create(loan=loan, number=number, **fields)


def make_sensitive_date(*, borrower: Borrower, **overrides) -> SensitiveDate:
    fields = {"starts_on": date(2026, 3, 1), "ends_on": date(2026, 3, 7), "reason": "bereavement"}
    fields.update(overrides)
    return SensitiveDate.objects.create(borrower=borrower, **fields)


def make_assignment(*, case: Case, collector, **overrides) -> CaseAssignment:
    fields = {"started_at": datetime(2026, 1, 1, 9, 0, tzinfo=UTC)}
    fields.update(overrides)
    return CaseAssignment.objects.create(case=case, collector=collector, **fields)


def make_plan(*, case: Case, installments: list[tuple[date, str]], **overrides) -> RepaymentPlan:
    """A repayment plan with one plan installment per (due date, amount)."""
    fields = {
        "agreed_on": date(2026, 2, 1),
        "total_amount": sum((Decimal(a) for _d, a in installments), Decimal("0.00")),
    }
    fields.update(overrides)
    plan = RepaymentPlan.objects.create(case=case, **fields)
    RepaymentPlanInstallment.objects.bulk_create(
        RepaymentPlanInstallment(plan=plan, number=i, due_on=due, amount=Decimal(amount))
        for i, (due, amount) in enumerate(installments, start=1)
    )
    return plan


def make_bucket_change(*, loan: Loan, **overrides) -> BucketChange:
    fields = {"changed_on": date(2026, 2, 15), "from_bucket": "M0", "to_bucket": "M1", "dpd": 1}
    fields.update(overrides)
    return BucketChange.objects.create(loan=loan, **fields)


def make_visit(*, case, start, hours=1, status="booked", members=(), **overrides) -> Visit:
    fields = {
        "location_type": "home",
        "purpose": VISIT_PURPOSE,
        "recorder": True,
        "created_by": members[0] if members else make_user(),
    }
    fields.update(overrides)
    visit = Visit.objects.create(
        case=case,
        borrower=case.borrower,
        status=status,
        planned_start=start,
        planned_end=start + timedelta(hours=hours),
        **fields,
    )
    VisitMember.objects.bulk_create(VisitMember(visit=visit, collector=m) for m in members)
    return visit


def make_credential(*, collector, kind, valid_until, valid_from=date(2026, 1, 1), **overrides):
    return Credential.objects.create(
        collector=collector, kind=kind, valid_from=valid_from, valid_until=valid_until, **overrides
    )


def credentialed(user, case=None):
    """Work ID, general authorization and training, all valid on the visit day."""
    make_credential(collector=user, kind="work_id", valid_until=date(2027, 6, 30))
    make_credential(collector=user, kind="authorization", valid_until=date(2027, 1, 31))
    make_credential(collector=user, kind="training", valid_until=date(2027, 3, 1))
    return user
