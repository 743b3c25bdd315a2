"""Read side: every query a view makes goes through a scope-aware selector here.

Scope (DESIGN.md §1): collectors see the cases assigned to them, supervisors the cases of
the teams they lead, compliance and admin everything. Anything outside scope is 404.
"""

from django.contrib.auth import get_user_model
from django.db.models import Case as SqlCase
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.shortcuts import get_object_or_404

from .models import (
    Address,
    Borrower,
    BucketChange,
    Case,
    CaseAssignment,
    Installment,
    Loan,
    PromiseToPay,
    Repayment,
    Team,
)
from .roles import Role, role_of

User = get_user_model()


def case_list_for_user(*, user) -> QuerySet[Case]:
    role = role_of(user)
    cases = Case.objects.all()
    if role in (Role.ADMIN, Role.COMPLIANCE):
        return cases
    if role is Role.SUPERVISOR:
        return cases.filter(team__supervisor=user)
    if role is Role.COLLECTOR:
        return cases.assigned_to(user)
    return cases.none()


def teams_for_user(*, user) -> QuerySet[Team]:
    role = role_of(user)
    if role in (Role.ADMIN, Role.COMPLIANCE):
        return Team.objects.all()
    if role is Role.SUPERVISOR:
        return Team.objects.filter(supervisor=user)
    return Team.objects.none()


def collectors_for_user(*, user) -> QuerySet:
    """Collectors whose cases the user may filter by (supervisors: their teams' members)."""
    return (
        User.objects.filter(
            groups__name=Role.COLLECTOR, staff_profile__team__in=teams_for_user(user=user)
        )
        .select_related("staff_profile")
        .order_by("staff_profile__employee_number")
        .distinct()
    )


def worklist_for_user(*, user) -> QuerySet[Case]:
    """Open cases in scope, with everything a worklist row shows, in one query."""
    primary = Address.objects.filter(borrower=OuterRef("borrower_id")).order_by("-is_primary", "id")
    latest_promise = PromiseToPay.objects.filter(case=OuterRef("pk")).order_by("-due_on", "-id")
    return (
        case_list_for_user(user=user)
        .open()
        .select_related("borrower", "assigned_collector", "team")
        .annotate(
            district=Subquery(primary.values("district")[:1]),
            promise_status=Subquery(latest_promise.values("status")[:1]),
            promise_due_on=Subquery(latest_promise.values("due_on")[:1]),
        )
    )


def case_get_for_user(*, user, public_id) -> Case:
    return get_object_or_404(
        case_list_for_user(user=user).select_related("borrower", "assigned_collector", "team"),
        public_id=public_id,
    )


def borrower_get_for_user(*, user, public_id) -> Borrower:
    """A borrower is in scope when one of their cases is."""
    in_scope = case_list_for_user(user=user).values("borrower_id")
    return get_object_or_404(Borrower.objects.filter(id__in=in_scope), public_id=public_id)


def case_latest_for_borrower(*, user, borrower: Borrower) -> Case:
    cases = case_list_for_user(user=user).filter(borrower=borrower)
    # The open case first ("closed" < "open", so ordering by the status text would not do).
    open_first = SqlCase(When(status=Case.Status.OPEN, then=Value(0)), default=Value(1))
    return get_object_or_404(cases.order_by(open_first, "-opened_on", "-id")[:1])


def case_dossier(*, case: Case) -> dict:
    """Everything the dossier shows except the paginated repayment history."""
    borrower = case.borrower
    installments = Installment.objects.order_by("due_on", "number")
    loans = list(
        Loan.objects.filter(borrower=borrower)
        .prefetch_related(
            Prefetch("installments", queryset=installments),
            Prefetch(
                "bucket_changes", queryset=BucketChange.objects.order_by("-changed_on", "-id")
            ),
        )
        .order_by("disbursed_on", "id")
    )
    return {
        "borrower": borrower,
        "loans": loans,
        "addresses": list(borrower.addresses.all()),
        "contacts": list(borrower.contacts.all()),
        "sensitive_dates": list(borrower.sensitive_dates.all()),
        "promises": list(case.promises.select_related("recorded_by")),
        "plans": list(case.plans.prefetch_related("installments")),
        "assignments": list(
            CaseAssignment.objects.filter(case=case).select_related("collector", "team")
        ),
    }


def repayments_for_case(*, case: Case) -> QuerySet[Repayment]:
    return (
        Repayment.objects.filter(loan__borrower_id=case.borrower_id)
        .select_related("loan")
        .order_by("-paid_on", "-id")
    )


def briefing_for_case(*, case: Case) -> dict:
    """Only what a visit needs (PIPL minimisation): no schedule, no repayment history."""
    borrower = case.borrower
    return {
        "borrower": borrower,
        "addresses": list(borrower.addresses.all()),
        "contacts": list(borrower.contacts.all()),
        "sensitive_dates": list(borrower.sensitive_dates.all()),
        "loans": list(Loan.objects.filter(borrower=borrower).order_by("disbursed_on", "id")),
        "promise": case.promises.first(),
    }
