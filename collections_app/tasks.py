"""Celery interfaces for the ledger. Tasks take ids and dates, never personal data."""

from dataclasses import asdict
from datetime import date

from celery import shared_task
from django.utils import timezone


@shared_task(name="collections_app.tasks.ledger_refresh_task")
def ledger_refresh_task(as_of: str | None = None) -> dict:
    """Nightly: re-derive every loan's DPD and bucket, cases and promise outcomes."""
    from collections_app.services.ledger import ledger_refresh

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    result = ledger_refresh(as_of=day)
    return asdict(result)


@shared_task(name="collections_app.tasks.import_job_task")
def import_job_task(job_id: int) -> str:
    """Run one upload-page import (docs/import.md)."""
    from collections_app.importing.jobs import import_job_run

    return import_job_run(job_id=job_id).status


@shared_task(name="collections_app.tasks.jobs_requeue_task")
def jobs_requeue_task() -> int:
    """Every few minutes: queue again the import and evidence-pack jobs whose first queueing
    was lost (the broker was down when they were created). Running a job claims it, so a job
    queued twice still runs once."""
    from collections_app.queueing import stale_jobs_requeue

    return stale_jobs_requeue(now=timezone.now())
