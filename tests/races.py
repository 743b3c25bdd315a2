"""Shared pieces of the race tests: real threads, real connections, real row locks."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections


def row_lock_marks(reason: str = "row locks are what is tested") -> list:
    """Marks for a module of race tests: committed transactions on PostgreSQL (SQLite
    serialises whole-database writes, so there is no race to test), with the role groups put
    back afterwards (transactional tests empty every table)."""
    return [
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(
            connection.vendor != "postgresql",
            reason=f"{reason}; SQLite serialises whole-database writes",
        ),
        pytest.mark.usefixtures("restore_roles"),
    ]


def at_once(threads: int, work) -> list:
    """Run `work(n)` in `threads` threads released together; their results."""
    barrier = threading.Barrier(threads)

    def run(n: int):
        try:
            barrier.wait()
            return work(n)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, range(threads)))
