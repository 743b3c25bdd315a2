"""The notice outbox: rows written inside the booking transaction, sent after commit."""

import logging
from datetime import datetime

from django.db import transaction

from visits.models import Notice, NoticeKind, NoticeStatus, Visit

logger = logging.getLogger(__name__)


def notice_channels(*, visit: Visit) -> list[str]:
    """Every channel we can reach the borrower on; a letter when there is none."""
    borrower = visit.borrower
    channels = []
    if borrower.mobile:
        channels.append(Notice.Channel.SMS)
    if borrower.email:
        channels.append(Notice.Channel.EMAIL)
    return channels or [Notice.Channel.LETTER]


def notice_enqueue(*, visit: Visit, kind: str, now: datetime) -> list[Notice]:
    """Write one outbox row per channel and send each once the transaction commits."""
    notices = [
        Notice.objects.create(
            visit=visit,
            kind=kind,
            channel=channel,
            language=visit.borrower.language or "zh-hans",
            states_purpose=kind != NoticeKind.CANCELLED,
            next_attempt_at=now,
        )
        for channel in notice_channels(visit=visit)
    ]
    for notice in notices:
        transaction.on_commit(_sender(notice.pk))
    return notices


def notice_withdraw_pending(*, visit: Visit) -> int:
    """Notices of a dropped visit that have not gone out yet are never sent."""
    return Notice.objects.filter(visit=visit, status=NoticeStatus.PENDING).update(
        status=NoticeStatus.WITHDRAWN, next_attempt_at=None
    )


def notice_went_out(*, visit: Visit) -> bool:
    """Has the borrower been told about this visit (so a change must be told too)?"""
    return (
        Notice.objects.filter(visit=visit)
        .exclude(kind=NoticeKind.CANCELLED)
        .filter(status__in=[NoticeStatus.SENT, NoticeStatus.DELIVERED])
        .exists()
    )


# Publishing runs in the booking's request after commit: with the broker down, give up after
# a fraction of a second rather than Celery's default, and leave the row to the sweeper.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def _sender(notice_id: int):
    def send() -> None:
        from visits.tasks import notice_send_task

        try:
            # ignore_result: nobody waits for it (the row says how it went); asking for the
            # result would subscribe to the result backend, which retries for 20 s and then
            # fails for good when Redis is down.
            notice_send_task.apply_async(
                (notice_id,), ignore_result=True, retry_policy=PUBLISH_RETRY
            )
        except Exception as exc:
            # The booking has committed and the row is in the outbox: the sweeper sends it
            # within a minute, so a broker outage must not turn the booking into an error.
            # One line per notice: an outage would otherwise fill the log with tracebacks.
            logger.warning(
                "Could not queue notice %s (%s: %s); the sweeper will send it.",
                notice_id,
                type(exc).__name__,
                exc,
            )

    return send
