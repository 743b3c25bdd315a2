"""Read side of visits, scoped like the ledger (DESIGN.md §1): out of scope is 404.

Collectors see visits they are a member of and visits on the cases assigned to them;
supervisors the visits on their teams' cases; compliance and admin everything.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from collections_app.roles import Role, role_of
from collections_app.selectors import case_list_for_user
from compliance.models import ComplianceCheck, Finding, Override
from visits.models import Notice, Visit

from .responses import responses_for_visit


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


def visits_for_case(*, case) -> list[Visit]:
    """The case's visits for its dossier, latest first, with who goes."""
    return list(
        Visit.objects.filter(case=case)
        .prefetch_related("memberships__collector")
        .order_by("-planned_start", "-id")[:20]
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


def pending_overrides_for_user(*, user) -> QuerySet[Override]:
    """What a supervisor has to decide: pending requests in scope, not their own."""
    return (
        override_list_for_user(user=user)
        .filter(status=Override.Status.PENDING)
        .exclude(requested_by=user)
        .prefetch_related(
            Prefetch(
                "check_run__findings",
                queryset=Finding.objects.filter(outcome="fail").order_by("position"),
                to_attr="failing",
            )
        )
    )


def refused_attempts_for_case(*, case, limit: int = 5) -> list[ComplianceCheck]:
    """Bookings the rules refused for this case, newest first, with their failing rules."""
    return list(
        ComplianceCheck.objects.filter(case=case, visit__isnull=True, stage="pre", decision="block")
        .select_related("checked_by")
        .prefetch_related(
            Prefetch(
                "findings",
                queryset=Finding.objects.filter(outcome="fail").order_by("position"),
                to_attr="failing",
            )
        )[:limit]
    )


def visit_page(*, visit: Visit, user) -> dict:
    """Everything the visit page shows: members, checks with findings, overrides, notices."""
    checks = list(
        visit.compliance_checks.select_related("checked_by").prefetch_related(
            Prefetch("findings", queryset=Finding.objects.order_by("position"))
        )
    )
    overrides = list(visit.overrides.select_related("requested_by", "decided_by"))
    pending = next((o for o in overrides if o.status == Override.Status.PENDING), None)
    return {
        "visit": visit,
        "members": list(visit.memberships.select_related("collector", "collector__staff_profile")),
        "checks": checks,
        "latest_check": checks[0] if checks else None,
        "overrides": overrides,
        "pending_override": pending,
        "can_decide": pending is not None
        and pending.requested_by_id != user.pk
        and user.has_perm("compliance.change_override"),
        "can_change": visit.is_open and user.has_perm("visits.change_visit"),
        "notices": list(visit.notices.all()),
        "rescheduled_to": Visit.objects.filter(rescheduled_from=visit).first(),
        "responses": responses_for_visit(visit=visit),
    }
