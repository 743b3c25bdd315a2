"""Evidence of a visit: the list, who may add to it, one file in scope, reuse elsewhere."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from visits.models import Evidence, Visit, VisitStatus

from .scope import visit_list_for_user

ADD_PERMISSION = "visits.add_evidence"
# Collectors attach evidence while at the visit and until they submit the report, and again
# when a supervisor returns it. A submitted report awaits review as filed; an approved one,
# and a visit that never started, take none.
EVIDENCE_STATUSES = frozenset({VisitStatus.IN_PROGRESS, VisitStatus.RETURNED})


def evidence_for_visit(*, visit: Visit) -> list[Evidence]:
    """The visit's evidence in the order it arrived, with who uploaded it."""
    return list(visit.evidence.select_related("uploaded_by").order_by("received_at", "id"))


def evidence_get_for_user(*, user, public_id) -> Evidence:
    """One evidence file on a visit in the user's scope; anything else is 404."""
    return get_object_or_404(
        Evidence.objects.filter(visit__in=visit_list_for_user(user=user)).select_related("visit"),
        public_id=public_id,
    )


def evidence_attacher(*, visit: Visit, user) -> bool:
    """Whether `user` goes on the visit or supervises the team whose case it is."""
    team = visit.case.team
    if team is not None and user.pk is not None and team.supervisor_id == user.pk:
        return True
    return visit.memberships.filter(collector_id=user.pk).exists()


def evidence_may_add(*, visit: Visit, user) -> bool:
    """What the visit page needs to offer the upload form (the service checks the same)."""
    return (
        visit.status in EVIDENCE_STATUSES
        and user.has_perm(ADD_PERMISSION)
        and evidence_attacher(visit=visit, user=user)
    )


def evidence_reused_on_other_visits(*, visit: Visit) -> set[str]:
    """SHA-256 values of this visit's evidence that are also attached to another visit."""
    mine: QuerySet = Evidence.objects.filter(visit=visit).values("sha256")
    return set(
        Evidence.objects.filter(sha256__in=mine)
        .exclude(visit=visit)
        .values_list("sha256", flat=True)
        .distinct()
    )
