"""In-app notifications, with an e-mail copy to recipients who have an address."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils.translation import gettext as _

from collections_app.models import Notification

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    recipient: object  # a User
    text: str
    link: str = ""


def notifications_send(
    *, messages: list[Message], now: datetime, subject: str = ""
) -> list[Notification]:
    """One row per message (one bulk insert); e-mails go out after the commit."""
    rows = Notification.objects.bulk_create(
        Notification(recipient=m.recipient, message=m.text[:500], link=m.link, created_at=now)
        for m in messages
    )
    emails = [(m.recipient.email, m.text) for m in messages if m.recipient.email]
    if emails:
        subject = subject or _("Fieldvisit notification")
        transaction.on_commit(lambda: _send_emails(subject, emails))
    return rows


def _send_emails(subject: str, emails: list[tuple[str, str]]) -> None:
    """One connection for the lot; a mail failure never undoes the in-app notification."""
    mails = [
        EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        for address, text in emails
    ]
    try:
        get_connection().send_messages(mails)
    except OSError:
        logger.exception("notification e-mail failed for %d recipients", len(mails))


def notifications_mark_read(*, user, now: datetime, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications read (all, or those in `ids`); returns how many."""
    unread = Notification.objects.for_user(user).unread()
    if ids is not None:
        unread = unread.filter(id__in=ids)
    return unread.update(read_at=now)
