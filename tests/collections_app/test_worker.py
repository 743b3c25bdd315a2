"""The nightly ledger task through a real Celery worker process and a real broker.

Run with:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldvisit \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/pytest tests/collections_app/test_worker.py
"""

import os
import subprocess
import sys
import uuid
from datetime import date
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from collections_app.celery import app
from collections_app.models import Bucket, Case
from collections_app.tasks import ledger_refresh_task
from tests import factories as f

pytestmark = [
    pytest.mark.worker,
    pytest.mark.usefixtures("restore_roles"),  # transactional_db empties the role groups
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL,
        reason="needs a broker: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)",
    ),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="needs PostgreSQL: a worker process cannot see the SQLite test database "
        "(set DATABASE_URL=postgres://…)",
    ),
]


def _test_database_url() -> str:
    """The URL of the database this test session really uses (test_…), for the worker."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def test_ledger_refresh_task_in_a_real_worker(transactional_db, tmp_path):
    loan = f.make_loan(schedule=f.monthly(date(2026, 1, 15), 3, "1000.00"))
    f.make_repayment(loan=loan, paid_on=date(2026, 1, 20), amount="400.00")
    as_of = date(2026, 3, 1)

    queue = f"fv-test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collections_app.settings",
        "DATABASE_URL": _test_database_url(),
        "DJANGO_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND or settings.CELERY_BROKER_URL,
    }
    log_path = tmp_path / "worker.log"
    eager = app.conf.task_always_eager
    with log_path.open("w") as log:
        worker = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "collections_app",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            app.conf.task_always_eager = False
            async_result = ledger_refresh_task.apply_async(args=[as_of.isoformat()], queue=queue)
            try:
                result = async_result.get(timeout=60)
            except Exception as exc:
                raise AssertionError(
                    f"worker did not answer: {exc!r}\n{log_path.read_text()}"
                ) from exc
            async_result.forget()
        finally:
            app.conf.task_always_eager = eager
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            with app.connection_for_write() as conn:  # leave no bindings behind in the broker
                bound = app.amqp.queues[queue](conn.default_channel)
                bound.declare()  # so that kombu knows the binding it is to delete
                bound.delete()

    # Really done by the worker, not eagerly in this process.
    assert f"ledger_refresh_task[{async_result.id}] succeeded" in log_path.read_text()
    assert result == {"loans": 1, "bucket_changes": 1, "cases_opened": 1, "promises_settled": 0}
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket, loan.derived_as_of) == (45, Bucket.M2, as_of)
    case = Case.objects.get(borrower=loan.borrower)
    assert (case.status, case.dpd, case.bucket) == (Case.Status.OPEN, 45, Bucket.M2)
