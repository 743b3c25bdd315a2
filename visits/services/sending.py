"""Sending outbox rows through a gateway, exactly once, with retries and an audit trail.

A send holds the visit's and the notice's row locks (in that order, as cancelling and
rescheduling do) while it talks to the gateway, and commits the outcome before the locks go:
a second sender waits, then finds the row sent and does nothing. Should the process die
after the gateway accepted but before the commit, the retry carries the same idempotency key
and the gateway recognises it (visits/gateways.py).

Failures are retried after 1, 2, 4, … minutes (FIELDVISIT_NOTICE_RETRY_SECONDS doubling, up
to FIELDVISIT_NOTICE_RETRY_MAX_SECONDS); after FIELDVISIT_NOTICE_MAX_ATTEMPTS the row stays
`failed` with no next attempt (given up) and waits for a person on the outbox page.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from compliance.services.audit import audit_record
from visits.gateways import GATEWAYS, GatewayError, Outgoing, gateway_name
from visits.models import Notice, NoticeKind, NoticeStatus, Visit, VisitStatus

from .notice_texts import NoRecipient, notice_render

SENDABLE = (NoticeStatus.PENDING, NoticeStatus.FAILED)
DROPPED = (VisitStatus.CANCELLED, VisitStatus.RESCHEDULED)


def notice_send(*, notice_id: int, now: datetime) -> str:
    """Send one row if it is due; return its status afterwards ("" for an unknown id)."""
    with transaction.atomic():
        visit_id = Notice.objects.filter(pk=notice_id).values_list("visit_id", flat=True).first()
        if visit_id is None:
            return ""
        visit = Visit.objects.select_for_update(of=("self",)).select_related("borrower")
        visit = visit.get(pk=visit_id)
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        notice.visit = visit
        if not notice_is_due(notice=notice, now=now):
            return notice.status
        return _send_locked(notice, now)


@dataclass
class SweepResult:
    tried: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def notice_sweep(*, now: datetime, limit: int | None = None) -> SweepResult:
    """Send every due row (pending, or failed and due for a retry), one transaction each.

    Rows are claimed with SKIP LOCKED on the notice and its visit, so sweepers on several
    machines share the work without taking the same row and without waiting on each other.
    """
    limit = settings.FIELDVISIT_NOTICE_SWEEP_BATCH if limit is None else limit
    result = SweepResult()
    tried: list[int] = []
    while len(tried) < limit:
        with transaction.atomic():
            notice = (
                Notice.objects.filter(status__in=SENDABLE, next_attempt_at__lte=now)
                .exclude(pk__in=tried)
                .select_related("visit", "visit__borrower")
                .select_for_update(skip_locked=True, of=("self", "visit"))
                .order_by("next_attempt_at", "id")
                .first()
            )
            if notice is None:
                break
            tried.append(notice.pk)
            status = _send_locked(notice, now)
        result.tried += 1
        result.statuses[status] = result.statuses.get(status, 0) + 1
    return result


def notice_is_due(*, notice: Notice, now: datetime) -> bool:
    return (
        notice.status in SENDABLE
        and notice.next_attempt_at is not None
        and notice.next_attempt_at <= now
    )


def retry_delay(attempts: int) -> timedelta | None:
    """Wait before the next attempt after `attempts` failed ones; None: give up."""
    if attempts >= settings.FIELDVISIT_NOTICE_MAX_ATTEMPTS:
        return None
    seconds = settings.FIELDVISIT_NOTICE_RETRY_SECONDS * 2 ** (attempts - 1)
    return timedelta(seconds=min(seconds, settings.FIELDVISIT_NOTICE_RETRY_MAX_SECONDS))


def _send_locked(notice: Notice, now: datetime) -> str:
    """The caller holds the locks and has checked the row is due."""
    if notice.visit.status in DROPPED and notice.kind != NoticeKind.CANCELLED:
        return _withdraw(notice, now)
    name = gateway_name(notice.channel)
    notice.gateway = name
    notice.attempts += 1
    try:
        text = notice_render(notice=notice)
        notice.recipient, notice.subject, notice.body = text.recipient, text.subject, text.body
        handed = GATEWAYS[name](
            Outgoing(
                channel=notice.channel,
                recipient=text.recipient,
                subject=text.subject,
                body=text.body,
                idempotency_key=str(notice.idempotency_key),
                callback_url=_callback_url() if name == "sms_http" else "",
            )
        )
    except NoRecipient:
        return _failed(notice, now, "no_recipient", _no_recipient_message(notice))
    except GatewayError as exc:
        return _failed(notice, now, exc.code, exc.message)
    notice.status = NoticeStatus.DELIVERED if handed.delivered else NoticeStatus.SENT
    notice.sent_at = now
    notice.delivered_at = now if handed.delivered else None
    notice.provider_ref = handed.provider_ref
    notice.next_attempt_at = None
    notice.last_error = ""
    notice.save()
    _audit(notice, f"notice.{notice.status}", now)
    return notice.status


def _failed(notice: Notice, now: datetime, code: str, message: str) -> str:
    delay = retry_delay(notice.attempts)
    notice.status = NoticeStatus.FAILED
    notice.last_error = message[:500]
    notice.next_attempt_at = now + delay if delay is not None else None
    notice.save()
    _audit(notice, "notice.failed" if delay is not None else "notice.gave_up", now, error=code)
    return notice.status


def _withdraw(notice: Notice, now: datetime) -> str:
    notice.status = NoticeStatus.WITHDRAWN
    notice.next_attempt_at = None
    notice.save(update_fields=["status", "next_attempt_at", "updated_at"])
    _audit(notice, "notice.withdrawn", now)
    return notice.status


def _no_recipient_message(notice: Notice) -> str:
    return {
        Notice.Channel.SMS: "No mobile number on file.",
        Notice.Channel.EMAIL: "No e-mail address on file.",
        Notice.Channel.LETTER: "No postal address on file.",
    }[notice.channel]


def _audit(notice: Notice, action: str, now: datetime, **extra) -> None:
    # Ids, codes and counts only: the recipient and the text stay on the notice row.
    audit_record(
        actor=None,
        action=action,
        obj=notice,
        data={
            "visit": str(notice.visit.public_id),
            "kind": notice.kind,
            "channel": notice.channel,
            "gateway": notice.gateway,
            "attempts": notice.attempts,
            **extra,
        },
        at=now,
    )


def _callback_url() -> str:
    return settings.FIELDVISIT_PUBLIC_URL.rstrip("/") + reverse("visits:sms_receipt")
