"""The nightly ledger task through a real Celery worker process and a real broker.

Run with:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldvisit \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/pytest tests/collections_app/test_worker.py
"""

from datetime import date

from collections_app.models import Bucket, Case
from collections_app.tasks import ledger_refresh_task
from tests import factories as f
from tests.worker import NEEDS_WORKER, celery_worker

pytestmark = NEEDS_WORKER


def test_ledger_refresh_task_in_a_real_worker(transactional_db, tmp_path):
    loan = f.make_loan(schedule=f.monthly(date(2026, 1, 15), 3, "1000.00"))
    f.make_repayment(loan=loan, paid_on=date(2026, 1, 20), amount="400.00")
    as_of = date(2026, 3, 1)

    with celery_worker(tmp_path) as worker:
        async_result = ledger_refresh_task.apply_async(args=[as_of.isoformat()], queue=worker.queue)
        result = worker.result(async_result)

    # Really done by the worker, not eagerly in this process.
    assert f"ledger_refresh_task[{async_result.id}] succeeded" in worker.log()
    assert result == {"loans": 1, "bucket_changes": 1, "cases_opened": 1, "promises_settled": 0}
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket, loan.derived_as_of) == (45, Bucket.M2, as_of)
    case = Case.objects.get(borrower=loan.borrower)
    assert (case.status, case.dpd, case.bucket) == (Case.Status.OPEN, 45, Bucket.M2)
