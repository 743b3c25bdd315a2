"""Race-freedom of booking on PostgreSQL (DESIGN.md §5 step 2).

Several threads, each with its own database connection, book the same borrower for the same
day at once. CN allows one visit per local day, so exactly one booking may win; the others
must come back blocked by VISIT_FREQUENCY, not fail. The borrower row lock is what makes this
hold: without it every thread counts zero visits and all of them book.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connections

from compliance.models import ComplianceCheck
from tests.races import row_lock_marks
from tests.visits.conftest import NOW, moved
from visits.models import Visit
from visits.services.booking import visit_book

THREADS = 6

pytestmark = row_lock_marks()


def test_concurrent_bookings_of_one_borrower_yield_exactly_one_visit(good_plan, home, agent):
    barrier = threading.Barrier(THREADS)

    def book(n: int):
        try:
            barrier.wait()
            # Different hours of the same day: only the daily cap can stop them.
            return visit_book(plan=moved(good_plan, n), place=home, by=agent, now=NOW)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(book, range(THREADS)))

    booked = [r for r in results if r.booked]
    refused = [r for r in results if not r.booked]
    assert len(booked) == 1
    assert len(refused) == THREADS - 1
    for result in refused:
        assert {x.rule for x in result.verdict.findings if x.failed} == {"VISIT_FREQUENCY"}
    assert Visit.objects.count() == 1
    assert ComplianceCheck.objects.filter(decision="block").count() == THREADS - 1
