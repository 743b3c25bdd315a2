"""Read side of evidence packs: the jobs, and every record a pack about a case or a visit
contains, gathered in a bounded number of queries (the workbench sees the whole bank)."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from collections_app.models import Borrower, Case
from compliance.models import (
    AuditEvent,
    Complaint,
    ComplianceCheck,
    EvidencePackJob,
    Flag,
    Override,
)
from visits.models import (
    BorrowerResponse,
    Evidence,
    Notice,
    ReportReview,
    Visit,
    VisitMember,
    VisitPresence,
    VisitReport,
)

RECENT_JOBS = 50


@dataclass(frozen=True)
class PackRecords:
    """Everything about one case or one visit that goes into its evidence pack."""

    case: Case
    visit: Visit | None  # set for a visit pack
    borrower: Borrower
    visits: list[Visit]
    checks: list[ComplianceCheck]
    notices: list[Notice]
    responses: list[BorrowerResponse]
    presences: list[VisitPresence]
    reports: list[VisitReport]
    reviews: list[ReportReview]
    evidence: list[Evidence]
    flags: list[Flag]
    complaints: list[Complaint]
    overrides: list[Override]

    @property
    def subject(self) -> Case | Visit:
        return self.visit or self.case

    def audit_subjects(self) -> dict[str, set[str]]:
        """Audit object types and ids of the subject and every record related to it."""
        ids = {
            "visits.visit": {str(v.public_id) for v in self.visits},
            "visits.notice": {str(n.public_id) for n in self.notices},
            "visits.borrowerresponse": {str(r.public_id) for r in self.responses},
            "compliance.compliancecheck": {str(c.public_id) for c in self.checks},
            "compliance.flag": {str(f.public_id) for f in self.flags},
            "compliance.complaint": {str(c.public_id) for c in self.complaints},
            "compliance.override": {str(o.public_id) for o in self.overrides},
        }
        if self.visit is None:
            # A case pack covers the case and its borrower (flags set on them, the purge).
            ids["collections_app.case"] = {str(self.case.public_id)}
            ids["collections_app.borrower"] = {str(self.borrower.public_id)}
        return {kind: values for kind, values in ids.items() if values}


def evidence_pack_recent(*, limit: int = RECENT_JOBS) -> list[EvidencePackJob]:
    return list(
        EvidencePackJob.objects.select_related("requested_by", "case__borrower", "visit__borrower")[
            :limit
        ]
    )


def evidence_pack_get(*, public_id) -> EvidencePackJob:
    job = (
        EvidencePackJob.objects.select_related("requested_by", "case__borrower", "visit__borrower")
        .filter(public_id=public_id)
        .first()
    )
    if job is None:
        raise Http404
    return job


def pack_subject_get(*, case_id=None, visit_id=None) -> Case | Visit:
    """The case or visit a pack is requested for, by public id; 404 when there is none."""
    model, public_id = (Case, case_id) if case_id is not None else (Visit, visit_id)
    subject = model.objects.select_related("borrower").filter(public_id=public_id).first()
    if subject is None:
        raise Http404
    return subject


def pack_records(*, case: Case | None = None, visit: Visit | None = None) -> PackRecords:
    if visit is not None:
        visits = list(_visits().select_related("case__borrower").filter(pk=visit.pk))
        case = visits[0].case
        in_scope = Q(visit=visits[0])
    else:
        case = Case.objects.select_related("borrower").get(pk=case.pk)
        visits = list(_visits().filter(case=case))
        in_scope = Q(case=case) | Q(visit__case=case)
    return PackRecords(
        case=case,
        visit=visits[0] if visit is not None else None,
        borrower=case.borrower,
        visits=visits,
        checks=list(
            ComplianceCheck.objects.filter(in_scope)
            .select_related("pack", "checked_by", "visit")
            .prefetch_related("findings")
            .order_by("checked_at", "id")
        ),
        notices=list(
            _by_visit(Notice, visits).select_related("visit").order_by("created_at", "id")
        ),
        responses=list(
            _by_visit(BorrowerResponse, visits)
            .select_related("notice", "visit", "seen_by")
            .order_by("received_at", "id")
        ),
        presences=list(_by_visit(VisitPresence, visits).select_related("by", "visit")),
        reports=list(
            _by_visit(VisitReport, visits)
            .select_related("visit", "submitted_by", "promise", "plan", "complaint")
            .prefetch_related("present")
        ),
        reviews=list(_by_visit(ReportReview, visits).select_related("reviewer", "visit")),
        evidence=list(_by_visit(Evidence, visits).select_related("uploaded_by", "visit")),
        flags=list(
            Flag.objects.filter(in_scope)
            .select_related("visit", "assigned_to", "raised_by")
            .order_by("created_at", "id")
        ),
        complaints=list(
            Complaint.objects.filter(in_scope)
            .select_related("visit", "handler")
            .order_by("received_at", "id")
        ),
        overrides=list(
            _by_visit(Override, visits).select_related("visit", "requested_by", "decided_by")
        ),
    )


def pack_audit_events(*, records: PackRecords) -> QuerySet[AuditEvent]:
    """Every audit event about the subject and its related records, in chain order."""
    about = Q(pk__in=[])
    for object_type, object_ids in records.audit_subjects().items():
        about |= Q(object_type=object_type, object_id__in=sorted(object_ids))
    return AuditEvent.objects.filter(about).order_by("id")


def _visits() -> QuerySet[Visit]:
    members = VisitMember.objects.select_related("collector__staff_profile")
    return (
        Visit.objects.select_related("created_by", "address")
        .prefetch_related(Prefetch("memberships", queryset=members))
        .order_by("planned_start", "id")
    )


def _by_visit(model, visits: list[Visit]) -> QuerySet:
    return model.objects.filter(visit__in=[v.pk for v in visits])
