"""Case changes: overdue reason, assignment (with history)."""

from datetime import datetime

from django.db import transaction

from collections_app.models import Case, CaseAssignment, Team


@transaction.atomic
def case_set_overdue_reason(*, case: Case, reason: str, note: str, by) -> Case:
    case.overdue_reason = reason
    case.overdue_reason_note = note
    case.full_clean()
    case.save(update_fields=["overdue_reason", "overdue_reason_note", "updated_at"])
    return case


@transaction.atomic
def case_assign(
    *, case: Case, collector, team: Team | None, by, now: datetime, reason: str = ""
) -> Case:
    """Move a case to a collector (and team), closing the current assignment record."""
    CaseAssignment.objects.filter(case=case, ended_at__isnull=True).update(ended_at=now)
    case.assigned_collector = collector
    case.team = team
    case.full_clean()
    case.save(update_fields=["assigned_collector", "team", "updated_at"])
    CaseAssignment.objects.create(
        case=case, collector=collector, team=team, assigned_by=by, started_at=now, reason=reason
    )
    return case
