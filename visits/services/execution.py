"""At the door (DESIGN.md §5 step 4): start the visit (check-in) and check out.

Both record the server's time and, when the browser gave one, its position with accuracy and
the straight-line distance to the visit's address. A denied or failed position is recorded as
missing (PRESENCE_VERIFIED then fails at the post-visit check), never an error.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from compliance.display import finding_rows
from compliance.rules import Outcome, Severity
from compliance.services.audit import audit_record
from compliance.services.checks import compliance_check_report
from visits.models import Visit, VisitMember, VisitPresence, VisitStatus
from visits.route import haversine_km

from .booking import case_next_visit_refresh
from .status import visit_transition


@dataclass(frozen=True)
class Position:
    """What the browser reported: a position, or why there is none."""

    lat: Decimal | None = None
    lng: Decimal | None = None
    accuracy_m: int | None = None
    problem: str = ""  # VisitPresence.Problem value when there is no position

    @classmethod
    def missing(cls, problem: str = VisitPresence.Problem.UNAVAILABLE) -> "Position":
        return cls(problem=problem or VisitPresence.Problem.UNAVAILABLE)


class StartRefused(Exception):
    """The rules forbid starting now (a blocking NOTICE_DELIVERED); the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def visit_start(*, visit: Visit, by, now: datetime, position: Position) -> VisitPresence:
    """Check in: the notice is re-checked first; where the pack makes NOTICE_DELIVERED
    blocking and it fails, the visit does not start (StartRefused, audited)."""
    with transaction.atomic():
        visit = _locked_for_member(visit, by)
        if visit.status != VisitStatus.BOOKED:
            raise ValidationError(_("Only a booked visit can be started."), code="not_booked")
        refusal = _notice_refusal(visit, now)
        if refusal is None:
            presence = _record(visit, VisitPresence.Kind.CHECK_IN, by, now, position)
            visit_transition(
                visit=visit,
                to=VisitStatus.IN_PROGRESS,
                by=by,
                now=now,
                data=_presence_data(presence),
            )
            _contact_made(visit, now)
            return presence
        audit_record(
            actor=by,
            action="visit.start_refused",
            obj=visit,
            data={"rule": "NOTICE_DELIVERED"},
            at=now,
        )
    raise StartRefused(refusal)


def visit_check_out(*, visit: Visit, by, now: datetime, position: Position) -> VisitPresence:
    with transaction.atomic():
        visit = _locked_for_member(visit, by)
        if visit.status != VisitStatus.IN_PROGRESS:
            raise ValidationError(
                _("Only a visit under way can be checked out."), code="not_started"
            )
        if visit.presences.filter(kind=VisitPresence.Kind.CHECK_OUT).exists():
            raise ValidationError(_("This visit is already checked out."), code="checked_out")
        presence = _record(visit, VisitPresence.Kind.CHECK_OUT, by, now, position)
        audit_record(
            actor=by, action="visit.checked_out", obj=visit, data=_presence_data(presence), at=now
        )
        return presence


def _locked_for_member(visit: Visit, by) -> Visit:
    visit = Visit.objects.select_for_update().select_related("borrower").get(pk=visit.pk)
    if not VisitMember.objects.filter(visit=visit, collector=by).exists():
        raise ValidationError(
            _("Only the collectors going on this visit can check in or out."), code="not_member"
        )
    return visit


def _contact_made(visit: Visit, now: datetime) -> None:
    """The worklist's "last contact" is now, and this visit is no longer the next one."""
    case = visit.case
    case.last_contact_at = now
    case.save(update_fields=["last_contact_at", "updated_at"])
    case_next_visit_refresh(case=case, now=now)


def _notice_refusal(visit: Visit, now: datetime) -> str | None:
    outcome = compliance_check_report(visit=visit, now=now, starting=True)
    notice = next(f for f in outcome.verdict.findings if f.rule == "NOTICE_DELIVERED")
    if notice.outcome is Outcome.FAIL and notice.severity is Severity.BLOCK:
        return finding_rows([notice])[0].message
    return None


def _record(visit: Visit, kind: str, by, now: datetime, position: Position) -> VisitPresence:
    has_position = position.lat is not None and position.lng is not None
    distance = None
    if has_position and visit.lat is not None and visit.lng is not None:
        km = haversine_km(
            (float(position.lat), float(position.lng)), (float(visit.lat), float(visit.lng))
        )
        distance = round(km * 1000)
    presence = VisitPresence(
        visit=visit,
        kind=kind,
        at=now,
        by=by,
        lat=position.lat if has_position else None,
        lng=position.lng if has_position else None,
        accuracy_m=position.accuracy_m if has_position else None,
        distance_m=distance,
        problem="" if has_position else (position.problem or VisitPresence.Problem.UNAVAILABLE),
    )
    presence.full_clean()
    presence.save()
    return presence


def _presence_data(presence: VisitPresence) -> dict:
    # Where the collector stood is personal data of the collector: the distance is enough.
    return {
        "kind": presence.kind,
        "distance_m": presence.distance_m,
        "accuracy_m": presence.accuracy_m,
        "problem": presence.problem,
    }
