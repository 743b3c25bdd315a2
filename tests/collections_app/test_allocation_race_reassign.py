"""An allocation run and bulk reassignments at once on PostgreSQL: the collector's row lock
queues them, so the target never goes past capacity without the supervisor's say-so."""

from datetime import UTC, datetime

from collections_app.models import Case
from collections_app.services.allocation import allocate_cases, cases_reassign
from tests.races import at_once, row_lock_marks

from .allocation_helpers import collector, unassigned_case

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

pytestmark = row_lock_marks()


def test_allocation_and_bulk_reassignment_at_once_stay_within_capacity(team, supervisor, agent):
    target = collector(team, district="五华区", capacity=6, username="target")
    for _n in range(10):
        unassigned_case(team, district="五华区")
    moving = [unassigned_case(team, district="官渡区") for _n in range(3)]
    for case in moving:
        case.assigned_collector = agent
        case.save()

    def work(n: int):
        if n % 2:
            return allocate_cases(team=team, by=supervisor, now=NOW)
        try:
            return cases_reassign(
                team=team,
                case_ids=[c.public_id for c in moving],
                collector=target,
                reason="r",
                by=supervisor,
                now=NOW,
            )
        except Exception as refused:  # noqa: BLE001 (over capacity or already held)
            return refused

    at_once(4, work)

    assert Case.objects.open().filter(assigned_collector=target).count() <= 6
