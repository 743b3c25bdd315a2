"""The same credential added at once (a double submit, one file uploaded twice), on
PostgreSQL: the collector row lock lets one writer add it and the others see it."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connections

from compliance.models import AuditEvent, Credential
from compliance.services.audit import audit_verify
from compliance.services.credentials import CSV_COLUMNS, credential_add, credential_import
from tests.races import row_lock_marks
from tests.visits.conftest import NOW

THREADS = 4

pytestmark = row_lock_marks()


def at_once(work) -> list:
    """Run `work()` in THREADS threads released together; each result or its exception."""
    barrier = threading.Barrier(THREADS)

    def run(_n: int):
        try:
            barrier.wait()
            return work()
        except ValidationError as refused:
            return refused
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def test_identical_adds_and_uploads_at_once_add_once(agent, other_agent, compliance_officer):
    results = at_once(
        lambda: credential_add(
            collector=agent,
            kind="work_id",
            number="WID-1",
            valid_from=date(2026, 1, 1),
            valid_until=date(2027, 1, 1),
            by=compliance_officer,
            now=NOW,
        )
    )
    assert sum(isinstance(r, Credential) for r in results) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == THREADS - 1

    # One test for both: the role groups come back only after the module (restore_roles).
    lines = [
        ",".join(CSV_COLUMNS),
        *(
            f"{user.staff_profile.employee_number},training,,TR-{n},2026-01-01,2027-01-01,"
            for n, user in enumerate((agent, other_agent, agent))
        ),
    ]
    content = "\n".join(lines).encode()
    results = at_once(lambda: credential_import(content=content, by=compliance_officer, now=NOW))
    assert sorted((r.added, r.skipped) for r in results) == [(0, 3)] * (THREADS - 1) + [(3, 0)]
    assert Credential.objects.count() == 4
    assert AuditEvent.objects.filter(action="credential.created").count() == 4
    assert audit_verify().ok
