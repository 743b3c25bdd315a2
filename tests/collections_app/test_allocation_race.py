"""Allocation runs at once on PostgreSQL: the row locks queue them, so no collector is
filled past capacity and no case is assigned twice."""

from datetime import UTC, datetime

from collections_app.models import Case, CaseAssignment
from collections_app.services.allocation import allocate_cases
from tests.races import at_once, row_lock_marks

from .allocation_helpers import collector, held_cases, unassigned_case

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

pytestmark = row_lock_marks()


def test_concurrent_allocations_never_overfill(team, supervisor):
    small = collector(team, district="五华区", capacity=5, username="small")
    large = collector(team, district="盘龙区", capacity=7, username="large")
    held_cases(small, team, 2)
    for n in range(20):
        unassigned_case(team, district=("五华区", "盘龙区")[n % 2])

    plans = at_once(4, lambda n: allocate_cases(team=team, by=supervisor, now=NOW))

    assert sum(len(p.placements) for p in plans) == 3 + 7
    assert Case.objects.open().filter(assigned_collector=small).count() == 5
    assert Case.objects.open().filter(assigned_collector=large).count() == 7
    current = CaseAssignment.objects.filter(ended_at__isnull=True)
    assert current.count() == 10
    assert current.values("case").distinct().count() == 10
