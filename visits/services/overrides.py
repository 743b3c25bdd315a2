"""Override decisions: a supervisor of the case's team, not the requester, approves or
rejects a visit waiting for approval. Approval re-runs the check first."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collections_app.models import Borrower
from compliance.models import ComplianceCheck, Override
from compliance.rules import Decision
from compliance.services.audit import audit_record
from compliance.services.checks import compliance_check_visit, compliance_record
from visits.models import NoticeKind, Visit, VisitStatus

from .booking import visit_cancel
from .notices import notice_enqueue
from .status import visit_transition


class ComplianceBlocked(Exception):
    """The rules now block what was asked; the check that says so is recorded."""

    def __init__(self, check: ComplianceCheck):
        super().__init__(check.decision)
        self.check = check


def override_approve(*, override: Override, by, now: datetime, comment: str = "") -> Override:
    """Approve: the visit becomes `booked` and the borrower is sent the advance notice.

    Raises ComplianceBlocked (after recording the re-check) when the visit would now be
    blocked, e.g. because the notice can no longer arrive in time.
    """
    with transaction.atomic():
        override, visit = _lock(override, by)
        outcome = compliance_check_visit(visit=visit, now=now)
        check = compliance_record(
            outcome=outcome, borrower=visit.borrower, case=visit.case, visit=visit, by=by
        )
        blocked = outcome.verdict.decision is Decision.BLOCK
        if blocked:
            audit_record(
                actor=by,
                action="override.approval_refused",
                obj=override,
                data={"check": str(check.public_id)},
                at=now,
            )
        else:
            _decide(
                override, Override.Status.APPROVED, by=by, now=now, comment=comment, recheck=check
            )
            visit_transition(
                visit=visit,
                to=VisitStatus.BOOKED,
                by=by,
                now=now,
                data={"override": str(override.public_id)},
            )
            notice_enqueue(visit=visit, kind=NoticeKind.ADVANCE, now=now)
    if blocked:
        raise ComplianceBlocked(check)
    return override


def override_reject(*, override: Override, by, now: datetime, comment: str) -> Override:
    """Reject with a comment: the visit is cancelled with the comment as the reason."""
    if not comment.strip():
        raise ValidationError({"comment": _("Say why the request is rejected.")})
    with transaction.atomic():
        override, visit = _lock(override, by)
        _decide(override, Override.Status.REJECTED, by=by, now=now, comment=comment.strip())
        visit_cancel(
            visit=visit,
            by=by,
            now=now,
            reason=_("Override rejected: %(comment)s") % {"comment": comment.strip()},
        )
    return override


def _lock(override: Override, by) -> tuple[Override, Visit]:
    visit = Visit.objects.select_related("case", "borrower").get(pk=override.visit_id)
    Borrower.objects.select_for_update().get(pk=visit.borrower_id)
    override = Override.objects.select_for_update().get(pk=override.pk)
    if override.status != Override.Status.PENDING:
        raise ValidationError(_("This request has already been decided."), code="decided")
    if override.requested_by_id == by.pk:
        raise ValidationError(_("You cannot decide your own override request."), code="own_request")
    return override, Visit.objects.select_for_update().get(pk=visit.pk)


def _decide(override, status, *, by, now, comment, recheck=None) -> None:
    override.status = status
    override.decided_by = by
    override.decided_at = now
    override.comment = comment
    override.recheck = recheck
    override.full_clean()
    override.save()
    audit_record(
        actor=by,
        action=f"override.{status}",
        obj=override,
        data={"visit": str(override.visit.public_id), "comment": comment},
        at=now,
    )
