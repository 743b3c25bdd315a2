"""The nightly ledger task and the upload page's import through a real Celery worker
process and a real broker.

Run with:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldvisit \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/pytest tests/collections_app/test_worker.py
"""

import time
from datetime import date
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from collections_app.models import Borrower, Bucket, Case, ImportJob
from collections_app.tasks import ledger_refresh_task
from compliance.models import AuditEvent
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


def test_the_upload_pages_import_runs_in_a_real_worker(transactional_db, tmp_path, settings):
    """The page's job: upload → on-commit `.delay()` → the worker imports → the status JSON
    the page polls says done, and the rows are committed."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    admin = f.make_user(username="boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    sample = Path(settings.BASE_DIR) / "docs" / "samples" / "core" / "borrowers.csv"

    with celery_worker(tmp_path, default_queue=True, DJANGO_MEDIA_ROOT=str(media)) as worker:
        upload = SimpleUploadedFile("borrowers.csv", sample.read_bytes(), content_type="text/csv")
        response = client.post(
            reverse("collections_app:import_upload"),
            {"kind": "borrowers", "encoding": "utf-8", "file": upload},
        )
        assert response.status_code == 302
        job = ImportJob.objects.get()
        status_url = reverse("collections_app:import_job_status", args=[job.public_id])
        deadline = time.monotonic() + 60  # a guard against a hang, not a speed check
        while (data := client.get(status_url).json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, f"job still {data['status']}\n{worker.log()}"
            time.sleep(0.2)

    assert (data["status"], data["progress"], data["error_count"]) == ("done", 100, 0), data
    assert "3 inserted" in data["summary"]
    assert "import_job_task" in worker.log() and "succeeded" in worker.log()
    job.refresh_from_db()
    assert (job.rows, job.inserted, job.finished_at is not None) == (3, 3, True)
    assert Borrower.objects.filter(customer_number__startswith="C9000000").count() == 3
    event = AuditEvent.objects.get(action="core_import.committed")
    assert (event.actor_id, event.object_id) == (admin.pk, str(job.public_id))
