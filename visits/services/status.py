"""The visit status machine (DESIGN.md §5): the only place a visit's status changes."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from compliance.services.audit import audit_record
from visits.models import Visit, VisitStatus

S = VisitStatus
# Allowed moves. Booking creates visits directly in `booked` or `pending_approval`; a draft is
# a plan kept for later. Check-in, reporting and review (issue 5) use the rest.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.BOOKED, S.PENDING_APPROVAL, S.CANCELLED}),
    S.PENDING_APPROVAL: frozenset({S.BOOKED, S.CANCELLED, S.RESCHEDULED}),
    S.BOOKED: frozenset({S.IN_PROGRESS, S.CANCELLED, S.RESCHEDULED}),
    S.IN_PROGRESS: frozenset({S.REPORTED}),
    S.REPORTED: frozenset({S.APPROVED, S.RETURNED}),
    S.RETURNED: frozenset({S.REPORTED}),
    S.APPROVED: frozenset(),
    S.CANCELLED: frozenset(),
    S.RESCHEDULED: frozenset(),
}


def visit_transition(
    *, visit: Visit, to: str, by, now: datetime, data: dict | None = None
) -> Visit:
    """Move `visit` to status `to` and audit it; the caller holds the transaction.

    Raises ValidationError for a move the machine does not allow (e.g. cancelling a visit
    already reported), so views can show it as a form error.
    """
    if to not in TRANSITIONS[visit.status]:
        raise ValidationError(
            _("A visit that is %(current)s cannot become %(target)s.")
            % {"current": visit.get_status_display(), "target": VisitStatus(to).label},
            code="invalid_transition",
        )
    previous = visit.status
    visit.status = to
    visit.status_changed_at = now
    visit.save(update_fields=["status", "status_changed_at", "cancel_reason", "updated_at"])
    audit_record(
        actor=by,
        action=f"visit.{to}",
        obj=visit,
        data={"from": previous, "to": to, **(data or {})},
        at=now,
    )
    return visit
