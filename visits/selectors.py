"""Read side of visits, scoped like the ledger (DESIGN.md §1): out of scope is 404.

Collectors see visits they are a member of and visits on the cases assigned to them;
supervisors the visits on their teams' cases; compliance and admin everything.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from collections_app.roles import Role, role_of
from collections_app.selectors import case_list_for_user
from compliance.models import Override
from visits.models import Notice, Visit


def visit_list_for_user(*, user) -> QuerySet[Visit]:
    role = role_of(user)
    visits = Visit.objects.all()
    if role in (Role.ADMIN, Role.COMPLIANCE):
        return visits
    if role is Role.SUPERVISOR:
        return visits.filter(case__team__supervisor=user)
    if role is Role.COLLECTOR:
        mine = Visit.objects.filter(memberships__collector=user).values("pk")
        return visits.filter(Q(pk__in=mine) | Q(case__in=case_list_for_user(user=user)))
    return visits.none()


def visit_get_for_user(*, user, public_id) -> Visit:
    return get_object_or_404(
        visit_list_for_user(user=user).select_related(
            "case", "borrower", "address", "created_by", "case__team"
        ),
        public_id=public_id,
    )


def notice_list_for_user(*, user) -> QuerySet[Notice]:
    return Notice.objects.filter(visit__in=visit_list_for_user(user=user)).select_related(
        "visit", "visit__borrower"
    )


def override_list_for_user(*, user) -> QuerySet[Override]:
    """Requests on visits in scope (a supervisor's: their teams'), oldest first."""
    return (
        Override.objects.filter(visit__in=visit_list_for_user(user=user))
        .select_related("visit", "visit__case", "visit__borrower", "requested_by", "check_run")
        .order_by("created_at", "id")
    )


def override_get_for_user(*, user, public_id) -> Override:
    return get_object_or_404(override_list_for_user(user=user), public_id=public_id)
