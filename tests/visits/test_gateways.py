"""Each gateway on its own, against Django's locmem mail and a real local HTTP server."""

import uuid

import pytest
from django.core import mail

from visits.gateways import (
    GATEWAYS,
    GatewayError,
    Outgoing,
    gateway_name,
    send_console,
    send_email,
    send_letter,
    send_sms_http,
)

from .notice_helpers import SmsServer

KEY = str(uuid.uuid4())


def message(channel="sms", recipient="13812345678", **overrides) -> Outgoing:
    fields = {
        "channel": channel,
        "recipient": recipient,
        "subject": "",
        "body": "【春城商业银行】王先生，您好。",
        "idempotency_key": KEY,
        "callback_url": "http://fv.example/notices/receipts/sms/",
    }
    fields.update(overrides)
    return Outgoing(**fields)


@pytest.fixture
def server(settings):
    server = SmsServer().start()
    settings.FIELDVISIT_SMS_HTTP_URL = server.url
    settings.FIELDVISIT_SMS_HTTP_TOKEN = ""
    yield server
    server.stop()


def test_registry_is_explicit_and_complete():
    assert set(GATEWAYS) == {"console", "email", "sms_http", "letter"}


@pytest.mark.parametrize(
    ("channel", "sms_gateway", "expected"),
    [
        ("sms", "console", "console"),
        ("sms", "sms_http", "sms_http"),
        ("email", "sms_http", "email"),
        ("letter", "console", "letter"),
    ],
)
def test_gateway_per_channel(settings, channel, sms_gateway, expected):
    settings.FIELDVISIT_SMS_GATEWAY = sms_gateway
    assert gateway_name(channel) == expected


def test_console_logs_the_text_with_the_number_masked(caplog):
    caplog.set_level("INFO", logger="visits.gateways")
    handed = send_console(message())
    assert handed.delivered
    assert "王先生" in caplog.text
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text


def test_email_accepted_by_the_backend_counts_as_delivered(settings):
    handed = send_email(message("email", "wang@example.cn", subject="Visit"))
    assert handed.delivered
    (sent,) = mail.outbox
    assert (sent.to, sent.subject, sent.from_email) == (
        ["wang@example.cn"],
        "Visit",
        settings.DEFAULT_FROM_EMAIL,
    )


def test_email_backend_refusal_is_a_gateway_error(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard port: nothing listens
    with pytest.raises(GatewayError) as caught:
        send_email(message("email", "wang@example.cn", subject="Visit"))
    assert caught.value.code == "email_error"
    assert caught.value.message.startswith("E-mail not accepted")


def test_letter_transmits_nothing():
    handed = send_letter(message("letter", "云南省昆明市五华区人民中路1号"))
    assert not handed.delivered
    assert len(mail.outbox) == 0


class TestSmsHttp:
    def test_success_with_a_provider_id(self, server):
        handed = send_sms_http(message())
        assert (handed.delivered, handed.provider_ref) == (False, "prov-1")
        (request,) = server.requests
        assert request.path == "/sms"
        assert request.headers["Idempotency-Key"] == KEY
        assert "Authorization" not in request.headers
        assert request.body == {
            "to": "13812345678",
            "text": "【春城商业银行】王先生，您好。",
            "idempotency_key": KEY,
            "callback_url": "http://fv.example/notices/receipts/sms/",
        }

    def test_bearer_token_when_configured(self, server, settings):
        settings.FIELDVISIT_SMS_HTTP_TOKEN = "s3cret"
        send_sms_http(message(callback_url=""))
        (request,) = server.requests
        assert request.headers["Authorization"] == "Bearer s3cret"
        assert "callback_url" not in request.body

    @pytest.mark.parametrize(
        ("answer", "ref"),
        [(b"", ""), (b"accepted", ""), (b"[1, 2]", ""), (b'{"id": 42}', "42"), (b"{}", "")],
    )
    def test_any_2xx_is_sent_whatever_the_answer(self, server, answer, ref):
        server.default = (202, answer)
        assert send_sms_http(message()).provider_ref == ref

    @pytest.mark.parametrize("status", [400, 401, 404, 429, 500, 503])
    def test_error_status_is_a_failure_with_the_status(self, server, status):
        server.default = (status, b'{"error": "no such number"}')
        with pytest.raises(GatewayError) as caught:
            send_sms_http(message())
        assert caught.value.code == f"http_{status}"
        assert f"HTTP {status}" in caught.value.message
        assert "no such number" in caught.value.message

    def test_redirect_is_not_followed(self, server):
        server.default = (302, b"")
        with pytest.raises(GatewayError) as caught:
            send_sms_http(message())
        assert caught.value.code == "http_302"
        assert len(server.requests) == 1

    def test_no_answer_within_the_timeout(self, server, settings):
        settings.FIELDVISIT_SMS_HTTP_TIMEOUT = 0.2
        server.hold = True  # answers only once released, after the client gave up
        with pytest.raises(GatewayError) as caught:
            send_sms_http(message())
        server.release.set()
        assert caught.value.code == "network"
        assert "unreachable" in caught.value.message

    def test_connection_refused(self, server, settings):
        server.stop()
        with pytest.raises(GatewayError) as caught:
            send_sms_http(message())
        assert caught.value.code == "network"

    def test_url_must_be_http(self, settings):
        settings.FIELDVISIT_SMS_HTTP_URL = "file:///etc/passwd"
        with pytest.raises(GatewayError) as caught:
            send_sms_http(message())
        assert caught.value.code == "not_configured"

    def test_the_same_key_on_every_attempt(self, server):
        server.answers = [(500, b"")]
        with pytest.raises(GatewayError):
            send_sms_http(message())
        send_sms_http(message())
        assert server.keys == [KEY, KEY]
