"""What the borrower answers on a notice's link page (DESIGN.md §5 step 3).

Each answer is one BorrowerResponse row and one AuditEvent. A dispute or a hardship report
also sets the borrower's flag, so the rules see it at the next check (DISPUTE_OPEN blocks
further visits until someone resolves the dispute); a dispute also cancels the visits already
booked. The audit data holds no free text and no
personal data: the message stays in the response row only.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collections_app.models import Borrower
from compliance.services.audit import audit_record
from visits.models import OPEN_STATUSES, BorrowerResponse, Notice, ResponseKind, Visit

from .booking import visit_cancel

MESSAGE_MAX_LENGTH = 1000
MAX_PROPOSED_TIMES = 3
# A link can be answered again, but not without end: past this, the hotline.
MAX_RESPONSES_PER_NOTICE = 20
# The answers that set a borrower flag the rules read.
FLAG_FOR_KIND = {ResponseKind.DISPUTE: "disputed", ResponseKind.HARDSHIP: "hardship"}


def borrower_respond(
    *,
    notice: Notice,
    kind: str,
    message: str,
    proposed_times: list[datetime],
    now: datetime,
) -> BorrowerResponse:
    """Record the borrower's answer to `notice`; raises ValidationError naming the field.

    Only a visit still ahead (booked, or awaiting approval) can be answered: a cancelled,
    moved or finished visit has nothing left to acknowledge or move.
    """
    message = (message or "").strip()
    times = _clean(kind=kind, message=message, proposed_times=proposed_times, now=now)
    with transaction.atomic():
        # Same lock order as booking (borrower, then visit): a booking running now either
        # sees the new flag or finishes first; a cancel running now is seen below.
        borrower = Borrower.objects.select_for_update().get(pk=notice.visit.borrower_id)
        visit = Visit.objects.select_for_update().get(pk=notice.visit_id)
        if not visit.is_open:
            raise ValidationError(
                _("This visit is no longer planned, so it cannot be answered here."),
                code="visit_closed",
            )
        if notice.responses.count() >= MAX_RESPONSES_PER_NOTICE:
            raise ValidationError(
                _("This link has received many answers already. Please call us instead."),
                code="too_many_answers",
            )
        zone = ZoneInfo(borrower.timezone)
        response = BorrowerResponse(
            notice=notice,
            visit=visit,
            kind=kind,
            message=message,
            proposed_times=[t.astimezone(zone).isoformat() for t in times],
            received_at=now,
        )
        response.full_clean()
        response.save()
        flag = FLAG_FOR_KIND.get(kind)
        if flag and not getattr(borrower, flag):
            setattr(borrower, flag, True)
            borrower.save(update_fields=[flag, "updated_at"])
            audit_record(
                actor=None,
                action="borrower.flag_set",
                obj=borrower,
                data={
                    "flag": flag,
                    "from": False,
                    "to": True,
                    "source": "borrower_response",
                    "response": str(response.public_id),
                },
                at=now,
            )
        if kind == ResponseKind.DISPUTE:
            _stop_visits(borrower=borrower, now=now)
        audit_record(
            actor=None,
            action="borrower_response.received",
            obj=response,
            data={
                "kind": kind,
                "visit": str(visit.public_id),
                "notice": str(notice.public_id),
                "proposed_times": len(times),
                "has_message": bool(message),
            },
            at=now,
        )
    return response


def _stop_visits(*, borrower: Borrower, now: datetime) -> None:
    """A disputed debt is not collected in person until the dispute is resolved: every
    visit still ahead is cancelled (and the borrower told), not only the one answered."""
    for visit in Visit.objects.filter(borrower=borrower, status__in=OPEN_STATUSES):
        visit_cancel(
            visit=visit,
            by=None,
            now=now,
            reason=_("The borrower disputes the debt (answer on the notice link)."),
        )


def _clean(*, kind: str, message: str, proposed_times, now: datetime) -> list[datetime]:
    """The proposed times, sorted and without repeats; every problem named by its field."""
    errors: dict[str, list[str]] = {}
    if kind not in ResponseKind.values:
        errors["kind"] = [_("Choose one of the answers.")]
    if len(message) > MESSAGE_MAX_LENGTH:
        errors["message"] = [
            _("Keep the message within %(n)d characters.") % {"n": MESSAGE_MAX_LENGTH}
        ]
    if any(timezone.is_naive(t) for t in proposed_times or []):
        raise ValueError("Proposed times must be timezone-aware.")
    times = sorted(set(proposed_times or []))
    problems = []
    if kind == ResponseKind.PROPOSE_TIMES and not times:
        problems.append(_("Give at least one time that suits you."))
    elif kind != ResponseKind.PROPOSE_TIMES and times:
        problems.append(_("Times go with the answer “Propose other times”."))
    if len(times) > MAX_PROPOSED_TIMES:
        problems.append(_("Give at most %(n)d times.") % {"n": MAX_PROPOSED_TIMES})
    if any(t <= now for t in times):
        problems.append(_("Every proposed time must be in the future."))
    if problems:
        errors["proposed_times"] = problems
    if errors:
        raise ValidationError(errors)
    return times
