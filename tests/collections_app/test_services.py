"""Write-side services of the core ledger: assignment, overdue reason, repayments, PII reveal."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from collections_app.models import Bucket, BucketChange, Case, CaseAssignment, Repayment
from collections_app.services.cases import case_assign, case_set_overdue_reason
from collections_app.services.ledger import ledger_refresh
from collections_app.services.pii import pii_reveal
from collections_app.services.repayments import repayment_record
from compliance.models import PiiAccess
from tests import factories as f

T1 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 2, 20, 14, 30, tzinfo=UTC)
MAR1 = date(2026, 3, 1)

# ---- case_assign ----


def test_case_assign_opens_a_current_assignment(case, supervisor, other_agent, other_team):
    case_assign(
        case=case,
        collector=other_agent,
        team=other_team,
        by=supervisor,
        now=T1,
        reason="load balancing",
    )

    case.refresh_from_db()
    assert (case.assigned_collector, case.team) == (other_agent, other_team)
    assignment = CaseAssignment.objects.get(case=case)
    assert assignment.collector == other_agent
    assert assignment.team == other_team
    assert assignment.assigned_by == supervisor
    assert (assignment.started_at, assignment.ended_at) == (T1, None)
    assert assignment.reason == "load balancing"


def test_case_reassign_closes_previous_and_keeps_history(
    case, supervisor, agent, team, other_agent, other_team
):
    case_assign(case=case, collector=agent, team=team, by=supervisor, now=T1)
    case_assign(case=case, collector=other_agent, team=other_team, by=supervisor, now=T2)

    history = list(
        CaseAssignment.objects.filter(case=case)
        .order_by("started_at")
        .values_list("collector", "team", "started_at", "ended_at")
    )
    assert history == [
        (agent.id, team.id, T1, T2),
        (other_agent.id, other_team.id, T2, None),
    ]
    case.refresh_from_db()
    assert case.assigned_collector == other_agent


def test_case_assign_leaves_other_cases_alone(case, other_case, supervisor, agent, other_agent):
    case_assign(case=other_case, collector=other_agent, team=None, by=supervisor, now=T1)
    case_assign(case=case, collector=agent, team=None, by=supervisor, now=T2)

    current = CaseAssignment.objects.get(case=other_case)
    assert current.ended_at is None


def test_case_assign_to_nobody_team_only(case, supervisor, team):
    case_assign(case=case, collector=None, team=team, by=supervisor, now=T1)

    case.refresh_from_db()
    assert case.assigned_collector is None
    assert CaseAssignment.objects.get(case=case).collector is None


# ---- case_set_overdue_reason ----


@pytest.mark.parametrize("reason", Case.OverdueReason.values)
def test_case_set_overdue_reason(case, agent, reason):
    case_set_overdue_reason(case=case, reason=reason, note="失业三个月", by=agent)

    case.refresh_from_db()
    assert (case.overdue_reason, case.overdue_reason_note) == (reason, "失业三个月")


@pytest.mark.parametrize("reason", ["bad_luck", "", "UNEMPLOYMENT"])
def test_case_set_overdue_reason_rejects_unknown_values(case, agent, reason):
    with pytest.raises(ValidationError) as excinfo:
        case_set_overdue_reason(case=case, reason=reason, note="x", by=agent)

    assert "overdue_reason" in excinfo.value.message_dict
    case.refresh_from_db()
    assert (case.overdue_reason, case.overdue_reason_note) == (Case.OverdueReason.UNKNOWN, "")


# ---- repayment_record ----


@pytest.fixture
def overdue_loan(case):
    """The case's loan (6 x 1000.00 from 2026-01-15), derived as of 1 March: DPD 45, M2."""
    ledger_refresh(as_of=MAR1)
    loan = case.borrower.loans.get()
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket) == (45, Bucket.M2)
    return loan


def test_repayment_record_updates_the_loan_at_once(case, overdue_loan):
    repayment = repayment_record(
        loan=overdue_loan,
        amount=Decimal("2000.00"),
        paid_on=MAR1,
        channel="wechat_pay",
        reference="WX-0001",
        as_of=MAR1,
    )

    assert Repayment.objects.get() == repayment
    assert (repayment.amount, repayment.paid_on, repayment.channel) == (
        Decimal("2000.00"),
        MAR1,
        "wechat_pay",
    )
    overdue_loan.refresh_from_db()
    assert (overdue_loan.dpd, overdue_loan.bucket) == (0, Bucket.M0)
    assert overdue_loan.overdue_amount == Decimal("0.00")
    assert overdue_loan.outstanding_amount == Decimal("4000.00")
    change = BucketChange.objects.filter(loan=overdue_loan).latest("id")
    assert (change.from_bucket, change.to_bucket, change.changed_on) == ("M2", "M0", MAR1)
    case.refresh_from_db()
    assert (case.dpd, case.bucket, case.overdue_amount) == (0, Bucket.M0, Decimal("0.00"))


def test_repayment_record_partial_payment_moves_bucket(overdue_loan):
    repayment_record(
        loan=overdue_loan,
        amount=Decimal("1000.00"),
        paid_on=MAR1,
        channel="counter",
        reference="C-1",
        as_of=MAR1,
    )

    overdue_loan.refresh_from_db()
    assert (overdue_loan.dpd, overdue_loan.bucket) == (14, Bucket.M1)
    assert overdue_loan.overdue_amount == Decimal("1000.00")


def test_repayment_record_keeps_a_promise(case, overdue_loan):
    promise = f.make_promise(
        case=case, amount="500.00", promised_on=date(2026, 2, 25), due_on=date(2026, 3, 5)
    )

    repayment_record(
        loan=overdue_loan,
        amount=Decimal("500.00"),
        paid_on=MAR1,
        channel="alipay",
        reference="A-1",
        as_of=MAR1,
    )

    promise.refresh_from_db()
    assert (promise.status, promise.paid_amount) == ("kept", Decimal("500.00"))


def test_repayment_record_leaves_other_loans_alone(case, overdue_loan):
    other = f.make_loan(schedule=f.monthly(date(2026, 1, 15), 2, "100.00"))

    repayment_record(
        loan=overdue_loan,
        amount=Decimal("100.00"),
        paid_on=MAR1,
        channel="counter",
        reference="C-2",
        as_of=date(2026, 3, 2),
    )

    other.refresh_from_db()
    assert (other.dpd, other.derived_as_of) == (0, None)  # created after the fixture's refresh
    overdue_loan.refresh_from_db()
    assert overdue_loan.derived_as_of == date(2026, 3, 2)


BAD_REPAYMENTS = {
    "zero amount": {"amount": Decimal("0.00")},
    "negative amount": {"amount": Decimal("-100.00")},
    "too many decimals": {"amount": Decimal("10.001")},
    "unknown channel": {"channel": "cash_in_envelope"},
    "empty reference": {"reference": ""},
    "duplicate reference": {"reference": "DUP-1"},
}


@pytest.mark.parametrize("overrides", list(BAD_REPAYMENTS.values()), ids=list(BAD_REPAYMENTS))
def test_repayment_record_rejects_bad_input(overdue_loan, overrides):
    f.make_repayment(
        loan=overdue_loan, paid_on=date(2026, 4, 1), amount="1.00", reference="DUP-1"
    )  # after as_of: does not change the derivation
    fields = {
        "amount": Decimal("1000.00"),
        "paid_on": MAR1,
        "channel": "counter",
        "reference": "NEW-1",
        "as_of": MAR1,
    }
    fields.update(overrides)

    with pytest.raises(ValidationError):
        repayment_record(loan=overdue_loan, **fields)

    assert Repayment.objects.filter(loan=overdue_loan).count() == 1
    overdue_loan.refresh_from_db()
    assert (overdue_loan.dpd, overdue_loan.bucket) == (45, Bucket.M2)


# ---- pii_reveal ----


@pytest.mark.parametrize("who", ["supervisor", "compliance_officer", "admin_user"])
@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "王小明"), ("national_id", "530102198805061234"), ("mobile", "13812345678")],
)
def test_pii_reveal_logs_access(request, case, who, field, value):
    user = request.getfixturevalue(who)

    revealed = pii_reveal(user=user, borrower=case.borrower, field=field, reason="  核实身份  ")

    assert revealed == value
    access = PiiAccess.objects.get()
    assert (access.user, access.borrower, access.field) == (user, case.borrower, field)
    assert access.reason == "核实身份"
    assert access.accessed_at is not None


def test_pii_reveal_each_reveal_is_logged(case, supervisor):
    for reason in ("call back", "visit prep"):
        pii_reveal(user=supervisor, borrower=case.borrower, field="mobile", reason=reason)

    assert list(PiiAccess.objects.order_by("id").values_list("reason", flat=True)) == [
        "call back",
        "visit prep",
    ]


@pytest.mark.parametrize("who", ["agent", "outsider"])
def test_pii_reveal_refused_without_permission(request, case, who):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        pii_reveal(user=user, borrower=case.borrower, field="mobile", reason="curious")

    assert not PiiAccess.objects.exists()


@pytest.mark.parametrize(
    ("field", "reason", "error_key"),
    [
        ("mobile", "", "reason"),
        ("mobile", "   ", "reason"),
        ("email", "need it", "field"),
        ("account_number", "need it", "field"),
        ("customer_number", "need it", "field"),
    ],
)
def test_pii_reveal_rejects_bad_requests(case, supervisor, field, reason, error_key):
    with pytest.raises(ValidationError) as excinfo:
        pii_reveal(user=supervisor, borrower=case.borrower, field=field, reason=reason)

    assert error_key in excinfo.value.message_dict
    assert not PiiAccess.objects.exists()
