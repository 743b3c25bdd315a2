"""Sending outbox rows through a gateway (skeleton; gateways and retries come next)."""

from datetime import datetime

from django.db import transaction

from visits.models import Notice, NoticeStatus


def notice_send(*, notice_id: int, now: datetime) -> str:
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        if notice.status not in (NoticeStatus.PENDING, NoticeStatus.FAILED):
            return notice.status
        notice.status = NoticeStatus.DELIVERED
        notice.gateway = "console"
        notice.sent_at = now
        notice.delivered_at = now
        notice.attempts += 1
        notice.next_attempt_at = None
        notice.save()
        return notice.status
