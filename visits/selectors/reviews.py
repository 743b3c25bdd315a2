"""The supervisor's review queue and what a visit page shows about the visit's execution."""

from django.db.models import Prefetch, QuerySet

from compliance.models import ComplianceCheck, Finding
from visits.models import ReportReview, Visit, VisitPresence, VisitReport, VisitStatus

from .scope import visit_list_for_user


def _post_checks() -> Prefetch:
    failing = Finding.objects.filter(outcome="fail").order_by("position")
    return Prefetch(
        "compliance_checks",
        queryset=ComplianceCheck.objects.filter(stage="post")
        .order_by("-checked_at", "-id")
        .prefetch_related(Prefetch("findings", queryset=failing, to_attr="failing")),
        to_attr="post_checks",
    )


def reviews_for_user(*, user) -> QuerySet[Visit]:
    """Submitted reports in scope awaiting review, oldest submission first; never the
    reviewer's own visits."""
    return (
        visit_list_for_user(user=user)
        .filter(status=VisitStatus.REPORTED)
        .exclude(memberships__collector=user)
        .select_related("borrower", "case", "report")
        .prefetch_related("memberships__collector", _post_checks())
        .order_by("report__submitted_at", "id")
    )


def visit_execution(*, visit: Visit) -> dict:
    """Check-in/out, the report and its reviews, for the visit page."""
    presences = {p.kind: p for p in VisitPresence.objects.filter(visit=visit)}
    report = (
        VisitReport.objects.filter(visit=visit)
        .select_related("promise", "plan", "complaint")
        .prefetch_related("present")
        .first()
    )
    return {
        "check_in": presences.get(VisitPresence.Kind.CHECK_IN),
        "check_out": presences.get(VisitPresence.Kind.CHECK_OUT),
        "report": report,
        "reviews": list(ReportReview.objects.filter(visit=visit).select_related("reviewer")),
    }
