"""The notice outbox: rows written inside the booking transaction, sent after commit."""

from datetime import datetime

from django.db import transaction

from collections_app.queueing import enqueue
from visits.models import Notice, NoticeKind, NoticeStatus, Visit


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


def _sender(notice_id: int):
    def send() -> None:
        from visits.tasks import notice_send_task

        # A broker outage must not turn the committed booking into an error: the sweeper
        # sends the row within a minute.
        enqueue(
            notice_send_task, notice_id, what=f"notice {notice_id}", then="the sweeper will send it"
        )

    return send
