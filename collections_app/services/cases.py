"""Case changes: overdue reason, assignment (with history)."""

from collections import defaultdict
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
    case.assigned_collector = collector
    case.team = team
    case.full_clean()
    cases_assign_many(assignments=[(case.pk, collector, reason)], team=team, by=by, now=now)
    case.updated_at = now
    return case


BATCH = 1000  # ids per IN (...) and rows per insert: well inside SQLite's variable limit


def cases_assign_many(
    *, assignments: list[tuple[int, object, str]], team: Team | None, by, now: datetime
) -> int:
    """Assign many cases at once: (case id, collector, reason) triples.

    Same effect per case: the current assignment record ends now, the case gets the
    collector and team, and a new record keeps who assigned it and why. Queries: a few per
    thousand cases and one update per collector, never one per case.
    """
    by_collector: dict[int | None, list[int]] = defaultdict(list)  # None: back to the pool
    for case_id, collector, _reason in assignments:
        by_collector[collector.pk if collector else None].append(case_id)
    ids = [case_id for case_id, _c, _r in assignments]
    for chunk in _chunks(ids):
        CaseAssignment.objects.filter(case_id__in=chunk, ended_at__isnull=True).update(ended_at=now)
    for collector_id, case_ids in by_collector.items():
        for chunk in _chunks(case_ids):
            Case.objects.filter(id__in=chunk).update(
                assigned_collector_id=collector_id, team=team, updated_at=now
            )
    CaseAssignment.objects.bulk_create(
        (
            CaseAssignment(
                case_id=case_id,
                collector=collector,
                team=team,
                assigned_by=by,
                started_at=now,
                reason=reason[:200],
            )
            for case_id, collector, reason in assignments
        ),
        batch_size=BATCH,
    )
    return len(assignments)


def _chunks(items: list) -> list[list]:
    return [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
