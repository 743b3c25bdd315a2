"""Two officers working the same flag at once, on PostgreSQL: the row lock lets one move it
and refuses the other, so the flag is moved and audited once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from compliance.models import AuditEvent, Flag
from compliance.services.flags import flag_investigate, flag_resolve
from tests import factories as f
from tests.races import row_lock_marks

THREADS = 4
AT = datetime(2026, 12, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

pytestmark = row_lock_marks()


@pytest.fixture
def flag(case, agent):
    visit = f.make_visit(case=case, start=AT, status="reported", members=(agent,))
    return Flag.objects.create(
        borrower=case.borrower,
        case=case,
        visit=visit,
        rule="PROHIBITED_CONDUCT",
        severity="block",
        summary="threat in the notes",
    )


def at_once(work) -> list:
    """Run `work(n)` in THREADS threads released together; each result or its exception."""
    barrier = threading.Barrier(THREADS)

    def run(n: int):
        try:
            barrier.wait()
            return work(n)
        except ValidationError as refused:
            return refused
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def actions(flag) -> list[str]:
    rows = AuditEvent.objects.filter(object_id=str(flag.public_id)).order_by("id")
    return list(rows.values_list("action", flat=True))


def test_one_officer_takes_the_flag_and_one_resolution_wins(flag):
    officers = [f.make_user(role="compliance", username=f"officer{n}") for n in range(THREADS)]
    results = at_once(lambda n: flag_investigate(flag=flag, by=officers[n], now=AT))

    taken = [r for r in results if isinstance(r, Flag)]
    assert len(taken) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == THREADS - 1
    flag.refresh_from_db()
    assert (flag.status, flag.assigned_to) == ("investigating", taken[0].assigned_to)
    assert actions(flag) == ["flag.investigating"]

    # One test for both: the role groups come back only after the module (restore_roles).
    officer = taken[0].assigned_to
    dispositions = ["confirmed_breach", "no_breach", "false_positive", "no_breach"]
    results = at_once(
        lambda n: flag_resolve(
            flag=flag,
            by=officer,
            now=AT,
            disposition=dispositions[n],
            root_cause="cause",
            corrective_action="action",
        )
    )
    won = [r for r in results if isinstance(r, Flag)]
    assert len(won) == 1
    flag.refresh_from_db()
    assert (flag.status, flag.disposition) == ("resolved", won[0].disposition)
    assert actions(flag) == ["flag.investigating", "flag.resolved"]
