"""Celery interfaces for visits. Tasks take ids, never personal data."""

from celery import shared_task


@shared_task(name="visits.tasks.notice_send_task")
def notice_send_task(notice_id: int) -> str:
    """Send one outbox row (idempotent: a row already sent is left alone)."""
    from django.utils import timezone

    from visits.services.sending import notice_send

    return notice_send(notice_id=notice_id, now=timezone.now())
