"""Celery interfaces for visits. Tasks take ids, never personal data.

Retries are not Celery's: a failed send is stored with its next attempt time
(visits.services.sending) and the sweeper, run every minute by beat, sends what is due.
"""

from celery import shared_task


@shared_task(name="visits.tasks.notice_send_task")
def notice_send_task(notice_id: int) -> str:
    """Send one outbox row (idempotent: a row already sent is left alone)."""
    from django.utils import timezone

    from visits.services.sending import notice_send

    return notice_send(notice_id=notice_id, now=timezone.now())


@shared_task(name="visits.tasks.notice_sweep_task")
def notice_sweep_task() -> dict:
    """Send every notice still pending or due for a retry; returns counts per status."""
    from django.utils import timezone

    from visits.services.sending import notice_sweep

    result = notice_sweep(now=timezone.now())
    return {"tried": result.tried, **result.statuses}
