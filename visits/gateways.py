"""How a notice leaves the building: one small function per gateway, chosen per channel.

A gateway takes an `Outgoing` message and either returns a `Handed` (accepted; `delivered`
says whether that already counts as delivery) or raises `GatewayError` with a readable
message for the outbox and a short code for the audit log (no personal data in the code).

- console: logs the message; counts as delivered at once, so the demo needs nothing external.
- email: Django's e-mail backend. Accepted by the backend counts as delivered: SMTP gives no
  receipt, and a bounce arrives (if ever) at the sender mailbox, not here.
- sms_http: POSTs JSON to FIELDVISIT_SMS_HTTP_URL with the notice's idempotency key (body and
  `Idempotency-Key` header), so a send repeated after a crash is not delivered twice. A 2xx
  answer means sent; the delivery receipt arrives later at visits:sms_receipt.
- letter: nothing is transmitted; the text is kept and a clerk prints and posts the letter
  page (visits:notice_letter), so it counts as sent.
"""

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail

from collections_app.mask import mask_mobile
from visits.models import NoticeChannel

logger = logging.getLogger(__name__)
# The part of an error answer kept in last_error (the outbox shows it to staff).
ERROR_SNIPPET = 200
MAX_ANSWER = 64 * 1024


@dataclass(frozen=True)
class Outgoing:
    channel: str
    recipient: str
    subject: str
    body: str
    idempotency_key: str
    callback_url: str = ""


@dataclass(frozen=True)
class Handed:
    delivered: bool  # True: counts as delivered now; False: sent, delivery unknown yet
    provider_ref: str = ""


class GatewayError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def send_console(message: Outgoing) -> Handed:
    logger.info(
        "Notice via console to %s (%s):\n%s%s",
        mask_mobile(message.recipient) if message.channel == NoticeChannel.SMS else "…",
        message.channel,
        f"{message.subject}\n" if message.subject else "",
        message.body,
    )
    return Handed(delivered=True)


def send_email(message: Outgoing) -> Handed:
    try:
        accepted = send_mail(
            message.subject,
            message.body,
            None,  # DEFAULT_FROM_EMAIL
            [message.recipient],
            fail_silently=False,
        )
    except Exception as exc:  # SMTP, DNS, socket: every backend raises its own kind
        raise GatewayError("email_error", f"E-mail not accepted: {exc}") from exc
    if not accepted:
        raise GatewayError("email_refused", "E-mail backend accepted no message.")
    return Handed(delivered=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET without the message: treat it as failure."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def send_sms_http(message: Outgoing) -> Handed:
    url = settings.FIELDVISIT_SMS_HTTP_URL
    if not url.startswith(("http://", "https://")):
        raise GatewayError("not_configured", "FIELDVISIT_SMS_HTTP_URL is not an http(s) URL.")
    payload = {
        "to": message.recipient,
        "text": message.body,
        "idempotency_key": message.idempotency_key,
    }
    if message.callback_url:
        payload["callback_url"] = message.callback_url
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Idempotency-Key": message.idempotency_key,
    }
    if settings.FIELDVISIT_SMS_HTTP_TOKEN:
        headers["Authorization"] = f"Bearer {settings.FIELDVISIT_SMS_HTTP_TOKEN}"
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=settings.FIELDVISIT_SMS_HTTP_TIMEOUT) as answer:
            raw = answer.read(MAX_ANSWER)
    except urllib.error.HTTPError as exc:
        snippet = exc.read(ERROR_SNIPPET).decode("utf-8", "replace").strip()
        raise GatewayError(
            f"http_{exc.code}",
            f"SMS gateway answered HTTP {exc.code} {exc.reason}"
            + (f": {snippet}" if snippet else ""),
        ) from exc
    except (urllib.error.URLError, OSError) as exc:  # refused, DNS, timeout, reset
        reason = getattr(exc, "reason", exc)
        raise GatewayError("network", f"SMS gateway unreachable: {reason}") from exc
    return Handed(delivered=False, provider_ref=_provider_ref(raw))


def _provider_ref(raw: bytes) -> str:
    """The gateway's id for the message from a JSON answer {"id": …}; empty if none."""
    try:
        answer = json.loads(raw or b"null")
    except ValueError:
        return ""
    ref = answer.get("id") if isinstance(answer, dict) else None
    return str(ref)[:100] if ref not in (None, "") else ""


def send_letter(message: Outgoing) -> Handed:
    return Handed(delivered=False)


Gateway = Callable[[Outgoing], Handed]
GATEWAYS: dict[str, Gateway] = {
    "console": send_console,
    "email": send_email,
    "sms_http": send_sms_http,
    "letter": send_letter,
}


def gateway_name(channel: str) -> str:
    """Which gateway carries a channel: SMS by setting, e-mail and letters by their own."""
    if channel == NoticeChannel.SMS:
        return settings.FIELDVISIT_SMS_GATEWAY
    return {NoticeChannel.EMAIL: "email", NoticeChannel.LETTER: "letter"}[channel]
