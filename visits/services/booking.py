"""Booking (DESIGN.md §5 step 2, STYLE.md §4): lock, evaluate, record, persist, outbox.

The borrower row is locked first, so two bookings for the same borrower run one after the
other and the second sees the first when the frequency cap is counted. The check is recorded
whatever it decides; a blocked plan books nothing, and the refused attempt is that check
(case set, no visit), shown with the case's visits.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collections_app.models import Address, Borrower
from compliance.facts import VisitPlan
from compliance.models import ComplianceCheck, Override
from compliance.rules import Decision, Verdict
from compliance.services.audit import audit_record
from compliance.services.checks import compliance_check_plan, compliance_record
from compliance.services.packs import NoPackInForce
from visits.models import OPEN_STATUSES, NoticeKind, Visit, VisitMember, VisitStatus

from .notices import notice_enqueue, notice_went_out, notice_withdraw_pending
from .status import visit_transition


@dataclass(frozen=True)
class VisitPlace:
    """Where: one of the borrower's addresses, or an agreed place with its coordinates."""

    address: Address | None = None
    description: str = ""
    lat: Decimal | None = None
    lng: Decimal | None = None


@dataclass(frozen=True)
class BookingResult:
    check: ComplianceCheck
    verdict: Verdict
    visit: Visit | None  # None when blocked

    @property
    def booked(self) -> bool:
        return self.visit is not None


def visit_book(
    *,
    plan: VisitPlan,
    place: VisitPlace,
    by,
    now: datetime,
    justification: str = "",
) -> BookingResult:
    """Book `plan`: `booked` when allowed, `pending_approval` with an override request when
    the check asks for review (a justification is then required), nothing when blocked."""
    with transaction.atomic():
        return _book(plan=plan, place=place, by=by, now=now, justification=justification)


def visit_reschedule(
    *,
    visit: Visit,
    plan: VisitPlan,
    place: VisitPlace,
    by,
    now: datetime,
    justification: str = "",
    reason: str = "",
) -> BookingResult:
    """Move an open visit: the new plan is checked as a booking (the old visit left out of
    the history); if it is not blocked the old visit becomes `rescheduled`, the new one
    points back to it, and the borrower is told the new time."""
    with transaction.atomic():
        result = _book(
            plan=plan, place=place, by=by, now=now, justification=justification, replaces=visit
        )
        if result.booked:
            visit.cancel_reason = reason
            _drop(
                visit=visit,
                to=VisitStatus.RESCHEDULED,
                by=by,
                now=now,
                data={"new_visit": str(result.visit.public_id)},
            )
        return result


def _book(*, plan, place, by, now, justification, replaces: Visit | None = None):
    # Packs without an advance-notice rule (US) would otherwise accept a visit in the past.
    if plan.start <= now:
        raise ValidationError({"start": _("The visit must start in the future.")})
    if plan.case.status != plan.case.Status.OPEN:
        raise ValidationError(_("Visits can only be booked on an open case."), code="closed")
    Borrower.objects.select_for_update().get(pk=plan.case.borrower_id)
    if replaces is not None:
        replaces = Visit.objects.select_for_update().get(pk=replaces.pk)
        if not replaces.is_open:
            raise ValidationError(
                _("Only a booked visit or one awaiting approval can be rescheduled."),
                code="not_open",
            )
        plan = _replacing(plan, replaces)
    try:
        outcome = compliance_check_plan(plan=plan, now=now)
    except NoPackInForce as error:
        raise ValidationError(str(error), code="no_pack") from None
    decision = outcome.verdict.decision
    borrower = plan.case.borrower
    if decision is Decision.BLOCK:
        check = compliance_record(outcome=outcome, borrower=borrower, case=plan.case, by=by)
        audit_record(
            actor=by,
            action="visit.booking_refused",
            obj=check,
            data={"case": str(plan.case.public_id), "rules": _failing(outcome.verdict)},
            at=now,
        )
        return BookingResult(check, outcome.verdict, None)
    if decision is Decision.REVIEW and not justification.strip():
        raise ValidationError(
            {"justification": _("This visit needs a supervisor's approval: say why it is needed.")}
        )
    status = VisitStatus.BOOKED if decision is Decision.ALLOW else VisitStatus.PENDING_APPROVAL
    visit = _visit_create(plan=plan, place=place, status=status, by=by, now=now, replaces=replaces)
    check = compliance_record(
        outcome=outcome, borrower=borrower, case=plan.case, visit=visit, by=by
    )
    audit_record(
        actor=by,
        action=f"visit.{status}",
        obj=visit,
        data={
            "from": None,
            "to": status,
            "check": str(check.public_id),
            "decision": decision.value,
            "rules": _failing(outcome.verdict),
        },
        at=now,
    )
    case_next_visit_refresh(case=plan.case, now=now)
    if status == VisitStatus.PENDING_APPROVAL:
        override = Override(
            visit=visit, check_run=check, requested_by=by, justification=justification.strip()
        )
        override.full_clean()
        override.save()
        audit_record(
            actor=by,
            action="override.requested",
            obj=override,
            data={"visit": str(visit.public_id)},
            at=now,
        )
    else:
        # Pending visits are announced once approved: a borrower is not told of a visit
        # that may never happen.
        kind = NoticeKind.ADVANCE if replaces is None else NoticeKind.RESCHEDULED
        notice_enqueue(visit=visit, kind=kind, now=now)
    return BookingResult(check, outcome.verdict, visit)


def visit_cancel(*, visit: Visit, by, now: datetime, reason: str) -> Visit:
    """Cancel an open visit with a reason; a borrower who was told is told again."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the visit is cancelled.")})
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        visit.cancel_reason = reason.strip()
        _drop(visit=visit, to=VisitStatus.CANCELLED, by=by, now=now, data={"reason": reason})
        return visit


def _drop(*, visit: Visit, to: str, by, now: datetime, data: dict) -> None:
    """Cancel or reschedule: status, open override withdrawn, borrower told if they knew."""
    told = notice_went_out(visit=visit)
    visit_transition(visit=visit, to=to, by=by, now=now, data=data)
    notice_withdraw_pending(visit=visit)
    for override in Override.objects.filter(visit=visit, status=Override.Status.PENDING):
        override.status = Override.Status.WITHDRAWN
        override.decided_at = now
        override.save(update_fields=["status", "decided_at", "updated_at"])
        audit_record(actor=by, action="override.withdrawn", obj=override, at=now)
    if told and to == VisitStatus.CANCELLED:
        notice_enqueue(visit=visit, kind=NoticeKind.CANCELLED, now=now)
    case_next_visit_refresh(case=visit.case, now=now)


def case_next_visit_refresh(*, case, now: datetime) -> None:
    """Keep the worklist's "next visit" column: the earliest open visit still ahead
    (booked or awaiting approval; a visit under way or done is no longer next)."""
    case.next_visit_at = (
        Visit.objects.filter(case=case, status__in=OPEN_STATUSES, planned_end__gt=now)
        .order_by("planned_start")
        .values_list("planned_start", flat=True)
        .first()
    )
    case.save(update_fields=["next_visit_at", "updated_at"])


def _visit_create(*, plan, place, status, by, now, replaces) -> Visit:
    visit = Visit(
        case=plan.case,
        borrower=plan.case.borrower,
        status=status,
        status_changed_at=now,
        planned_start=plan.start,
        planned_end=plan.end,
        location_type=plan.location_type,
        address=place.address,
        place_description=place.description,
        lat=place.lat if place.address is None else place.address.lat,
        lng=place.lng if place.address is None else place.address.lng,
        target=plan.target,
        locate_only=plan.locate_only,
        purpose=plan.purpose,
        recorder=plan.recorder,
        created_by=by,
        rescheduled_from=replaces,
    )
    visit.full_clean()
    visit.save()
    VisitMember.objects.bulk_create(
        VisitMember(visit=visit, collector_id=pk) for pk in dict.fromkeys(plan.collector_ids)
    )
    return visit


def _replacing(plan: VisitPlan, visit: Visit) -> VisitPlan:
    return replace(plan, visit_id=None, replaces_visit_id=visit.pk)


def _failing(verdict: Verdict) -> list[str]:
    return [finding.rule for finding in verdict.findings if finding.failed]
