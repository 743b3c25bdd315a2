"""Celery interfaces for compliance: each task calls one service and returns what it did.
Tasks take ids (or nothing), never personal data."""

from celery import shared_task


@shared_task(name="compliance.tasks.complaint_remind_task")
def complaint_remind_task() -> dict:
    """Daily (beat): remind handlers of complaints due within two days or overdue."""
    from django.utils import timezone

    from compliance.services.complaints import complaint_reminders

    sent = complaint_reminders(now=timezone.now())
    return {"emails": len(sent), "complaints": len({i for r in sent for i in r.complaint_ids})}


@shared_task(name="compliance.tasks.evidence_pack_build_task")
def evidence_pack_build_task(job_id: int) -> str:
    """Build one evidence pack (idempotent: a job already started is left alone)."""
    from django.utils import timezone

    from compliance.services.evidence_packs import evidence_pack_build

    return evidence_pack_build(job_id=job_id, now=timezone.now()).status


@shared_task(name="compliance.tasks.retention_purge_task")
def retention_purge_task() -> dict:
    """Nightly (beat): anonymise borrowers whose cases closed longer ago than the retention
    period; returns the counts."""
    from django.conf import settings
    from django.utils import timezone

    from compliance.services.retention import retention_purge

    result = retention_purge(
        now=timezone.now(), years=settings.FIELDVISIT_RETENTION_YEARS, dry_run=False
    )
    return result.totals()
