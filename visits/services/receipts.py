"""Delivery receipts from the SMS gateway: signed, parsed, applied once.

The gateway POSTs JSON {"idempotency_key" | "id", "status": "delivered" | "failed",
"delivered_at"?} with `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` made with
FIELDVISIT_SMS_WEBHOOK_SECRET. Without a configured secret no receipt is accepted.
"""

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_datetime

from compliance.services.audit import audit_record
from visits.models import Notice, NoticeStatus

SIGNATURE_PREFIX = "sha256="
STATUSES = ("delivered", "failed")


class ReceiptInvalid(Exception):
    """Malformed or unknown: says which field, for the 400 answer."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Receipt:
    idempotency_key: uuid.UUID | None
    provider_ref: str
    status: str
    delivered_at: datetime | None


def receipt_signature_valid(*, body: bytes, header: str | None) -> bool:
    secret = settings.FIELDVISIT_SMS_WEBHOOK_SECRET
    if not secret or not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len(SIGNATURE_PREFIX) :].strip().lower())


def receipt_parse(*, body: bytes) -> Receipt:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ReceiptInvalid("body", "The body is not JSON.") from None
    if not isinstance(data, dict):
        raise ReceiptInvalid("body", "The body must be a JSON object.")
    key, ref = data.get("idempotency_key"), data.get("id")
    if key in (None, "") and ref in (None, ""):
        raise ReceiptInvalid("idempotency_key", "Give idempotency_key or id.")
    parsed_key = None
    if key not in (None, ""):
        try:
            parsed_key = uuid.UUID(str(key))
        except ValueError:
            raise ReceiptInvalid("idempotency_key", "idempotency_key is not a UUID.") from None
    status = data.get("status")
    if status not in STATUSES:
        raise ReceiptInvalid("status", "status must be delivered or failed.")
    return Receipt(
        idempotency_key=parsed_key,
        provider_ref="" if ref in (None, "") else str(ref),
        status=status,
        delivered_at=_when(data.get("delivered_at")),
    )


def _when(value) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        when = parse_datetime(str(value))
    except ValueError:
        when = None
    if when is None:
        raise ReceiptInvalid("delivered_at", "delivered_at is not an ISO 8601 date and time.")
    if when.tzinfo is None:
        raise ReceiptInvalid("delivered_at", "delivered_at needs a UTC offset.")
    return when


@transaction.atomic
def notice_receipt_apply(*, receipt: Receipt, now: datetime) -> Notice:
    """Record what the gateway says happened. Repeated receipts change nothing."""
    notices = Notice.objects.select_for_update()
    if receipt.idempotency_key is not None:
        notice, field = notices.filter(idempotency_key=receipt.idempotency_key).first(), "key"
    else:
        notice = notices.filter(gateway="sms_http", provider_ref=receipt.provider_ref).first()
        field = "id"
    if notice is None:
        name = "idempotency_key" if field == "key" else "id"
        raise ReceiptInvalid(name, f"No notice has this {name}.")
    if notice.status == NoticeStatus.DELIVERED:
        return notice  # already known; a late "failed" does not undo a delivery
    if receipt.status == "delivered":
        notice.status = NoticeStatus.DELIVERED
        notice.delivered_at = receipt.delivered_at or now
        notice.next_attempt_at = None
        notice.last_error = ""
        action = "notice.delivered"
    elif notice.status == NoticeStatus.WITHDRAWN or (
        notice.status == NoticeStatus.FAILED and notice.next_attempt_at is None
    ):
        return notice  # never sent, or already given up
    else:
        # The gateway could not deliver. Resending under the same key would only be
        # recognised as a repeat, so a person decides what happens next.
        notice.status = NoticeStatus.FAILED
        notice.next_attempt_at = None
        notice.last_error = "The SMS gateway reported the message undelivered."
        action = "notice.undelivered"
    notice.save()
    audit_record(
        actor=None,
        action=action,
        obj=notice,
        data={"channel": notice.channel, "gateway": notice.gateway, "via": "receipt"},
        at=now,
    )
    return notice
