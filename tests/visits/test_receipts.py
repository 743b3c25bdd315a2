"""Delivery receipts: POST /notices/receipts/sms/, signed with HMAC-SHA256 of the raw body."""

import json
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from compliance.models import AuditEvent
from visits.models import Notice, NoticeStatus

from .conftest import NOW, SH
from .notice_helpers import book, sign

SECRET = "webhook-secret-for-tests"
URL = "/notices/receipts/sms/"


@pytest.fixture(autouse=True)
def secret(settings):
    settings.FIELDVISIT_SMS_WEBHOOK_SECRET = SECRET


@pytest.fixture
def gateway():
    # No session, no CSRF token: exactly what the SMS provider sends.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def sent(good_plan, home, agent):
    """A booked visit's SMS notice, handed to the provider (sms_http) and awaiting its receipt."""
    (notice,) = book(good_plan, home, agent, NOW)
    Notice.objects.filter(pk=notice.pk).update(
        status=NoticeStatus.SENT,
        gateway="sms_http",
        provider_ref="prov-77",
        sent_at=NOW,
        attempts=1,
        next_attempt_at=None,
    )
    notice.refresh_from_db()
    return notice


def post(client, payload, *, secret=SECRET, signature=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {}
    if signature is not False:
        headers["HTTP_X_SIGNATURE"] = sign(body, secret) if signature is None else signature
    return client.post(URL, data=body, content_type="application/json", **headers)


def receipt_events(notice) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_id=str(notice.public_id), action__startswith="notice."
        ).values_list("action", flat=True)
    )


def test_route_name():
    assert reverse("visits:sms_receipt") == URL


class TestDelivered:
    def test_by_idempotency_key(self, gateway, sent):
        at = "2026-12-01T09:00:07+08:00"
        response = post(
            gateway,
            {
                "idempotency_key": str(sent.idempotency_key),
                "status": "delivered",
                "delivered_at": at,
            },
        )
        assert response.status_code == 200
        assert response.json() == {"notice": str(sent.public_id), "status": "delivered"}
        sent.refresh_from_db()
        assert sent.status == NoticeStatus.DELIVERED
        assert sent.delivered_at == datetime(2026, 12, 1, 9, 0, 7, tzinfo=SH)
        assert receipt_events(sent) == ["notice.delivered"]
        event = AuditEvent.objects.get(action="notice.delivered")
        assert event.actor_id is None and event.data["via"] == "receipt"

    def test_by_provider_id_without_a_time_uses_now(self, gateway, sent):
        response = post(gateway, {"id": "prov-77", "status": "delivered"})
        assert response.status_code == 200
        sent.refresh_from_db()
        assert sent.status == NoticeStatus.DELIVERED
        assert sent.delivered_at is not None

    def test_repeated_receipt_is_idempotent(self, gateway, sent):
        payload = {
            "idempotency_key": str(sent.idempotency_key),
            "status": "delivered",
            "delivered_at": "2026-12-01T09:00:07+08:00",
        }
        assert post(gateway, payload).status_code == 200
        again = post(gateway, dict(payload, delivered_at="2026-12-01T10:00:00+08:00"))
        assert again.status_code == 200
        assert again.json()["status"] == "delivered"
        sent.refresh_from_db()
        assert sent.delivered_at == datetime(2026, 12, 1, 9, 0, 7, tzinfo=SH)
        assert receipt_events(sent) == ["notice.delivered"]

    def test_a_late_failure_does_not_undo_a_delivery(self, gateway, sent):
        post(gateway, {"id": "prov-77", "status": "delivered"})
        response = post(gateway, {"id": "prov-77", "status": "failed"})
        assert response.json()["status"] == "delivered"

    def test_delivered_after_a_failed_attempt_stops_the_retries(self, gateway, sent):
        # e.g. the provider accepted, but its answer timed out on our side.
        Notice.objects.filter(pk=sent.pk).update(
            status=NoticeStatus.FAILED, next_attempt_at=NOW, last_error="timed out"
        )
        post(gateway, {"idempotency_key": str(sent.idempotency_key), "status": "delivered"})
        sent.refresh_from_db()
        assert (sent.status, sent.next_attempt_at, sent.last_error) == ("delivered", None, "")


class TestFailed:
    def test_undelivered_is_failed_and_left_for_a_person(self, gateway, sent):
        response = post(gateway, {"id": "prov-77", "status": "failed"})
        assert response.status_code == 200
        sent.refresh_from_db()
        assert (sent.status, sent.next_attempt_at, sent.delivered_at) == ("failed", None, None)
        assert "undelivered" in sent.last_error
        assert receipt_events(sent) == ["notice.undelivered"]
        assert post(gateway, {"id": "prov-77", "status": "failed"}).status_code == 200
        assert receipt_events(sent) == ["notice.undelivered"]

    def test_withdrawn_notice_stays_withdrawn(self, gateway, sent):
        Notice.objects.filter(pk=sent.pk).update(status=NoticeStatus.WITHDRAWN)
        post(gateway, {"id": "prov-77", "status": "failed"})
        sent.refresh_from_db()
        assert sent.status == NoticeStatus.WITHDRAWN


class TestSignature:
    @pytest.mark.parametrize(
        "signature",
        [
            False,  # header missing
            "sha256=" + "0" * 64,
            "sha1=abc",
            "",
        ],
    )
    def test_missing_or_wrong_signature_is_403(self, gateway, sent, signature):
        response = post(gateway, {"id": "prov-77", "status": "delivered"}, signature=signature)
        assert response.status_code == 403
        assert response.json() == {"error": "Missing or invalid signature."}
        sent.refresh_from_db()
        assert sent.status == NoticeStatus.SENT

    def test_signed_with_another_secret_is_403(self, gateway, sent):
        response = post(gateway, {"id": "prov-77", "status": "delivered"}, secret="other")
        assert response.status_code == 403

    def test_signature_covers_the_exact_body(self, gateway, sent):
        body = json.dumps({"id": "prov-77", "status": "delivered"}).encode()
        tampered = body.replace(b"delivered", b"failed")
        response = post(gateway, None, raw=tampered, signature=sign(body, SECRET))
        assert response.status_code == 403

    def test_no_secret_configured_refuses_everything(self, gateway, sent, settings):
        settings.FIELDVISIT_SMS_WEBHOOK_SECRET = ""
        response = post(gateway, {"id": "prov-77", "status": "delivered"}, secret="")
        assert response.status_code == 403

    def test_uppercase_hex_is_accepted(self, gateway, sent):
        body = json.dumps({"id": "prov-77", "status": "delivered"}).encode()
        signature = "sha256=" + sign(body, SECRET).removeprefix("sha256=").upper()
        assert post(gateway, None, raw=body, signature=signature).status_code == 200


class TestMalformed:
    @pytest.mark.parametrize(
        ("raw", "field"),
        [
            (b"not json", "body"),
            (b"\xff\xfe", "body"),
            (b"[1, 2]", "body"),
            (b'{"status": "delivered"}', "idempotency_key"),
            (b'{"idempotency_key": "nope", "status": "delivered"}', "idempotency_key"),
            (b'{"id": "prov-77"}', "status"),
            (b'{"id": "prov-77", "status": "read"}', "status"),
            (b'{"id": "prov-77", "status": "delivered", "delivered_at": "soon"}', "delivered_at"),
            (
                b'{"id": "prov-77", "status": "delivered", "delivered_at": "2026-12-01T09:00:00"}',
                "delivered_at",
            ),
        ],
    )
    def test_400_names_the_field(self, gateway, sent, raw, field):
        response = post(gateway, None, raw=raw)
        assert response.status_code == 400
        assert response.json()["field"] == field
        assert response.json()["error"]
        sent.refresh_from_db()
        assert sent.status == NoticeStatus.SENT

    def test_unknown_notice_is_400(self, gateway, sent):
        response = post(
            gateway,
            {"idempotency_key": "00000000-0000-4000-8000-000000000000", "status": "delivered"},
        )
        assert response.status_code == 400
        assert response.json()["field"] == "idempotency_key"
        response = post(gateway, {"id": "prov-unknown", "status": "delivered"})
        assert response.status_code == 400
        assert response.json()["field"] == "id"

    def test_get_is_405(self, gateway):
        assert gateway.get(URL).status_code == 405
