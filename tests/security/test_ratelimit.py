"""Rate limits on the public borrower link page and the SMS delivery-receipt webhook: a fixed
window per client address (and per link), counted in the shared cache, answered with 429."""

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from collections_app.ratelimit import Limit, client_ip, hit

RECEIPTS = "/notices/receipts/sms/"


@pytest.fixture(autouse=True)
def fresh_counters(settings):
    settings.FIELDVISIT_RATE_WINDOW_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


class TestBorrowerPage:
    def test_one_link_opened_too_often(self, settings, db):
        settings.FIELDVISIT_RATE_BORROWER_PER_IP = 100
        settings.FIELDVISIT_RATE_BORROWER_PER_LINK = 3
        client = Client()
        for _n in range(3):
            assert client.get("/n/some-link/").status_code == 404  # not a real link
        response = client.get("/n/some-link/")
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 60
        body = response.content.decode()
        assert 'data-testid="rate-limited"' in body
        assert settings.FIELDVISIT_BANK_HOTLINE in body
        # Another link is counted on its own.
        assert client.get("/n/another-link/").status_code == 404

    def test_one_address_opening_many_links(self, settings, db):
        settings.FIELDVISIT_RATE_BORROWER_PER_IP = 5
        settings.FIELDVISIT_RATE_BORROWER_PER_LINK = 100
        client = Client(REMOTE_ADDR="203.0.113.7")
        for n in range(5):
            assert client.get(f"/n/guess-{n}/").status_code == 404
        assert client.get("/n/guess-99/").status_code == 429
        assert Client(REMOTE_ADDR="203.0.113.8").get("/n/guess-99/").status_code == 404

    def test_posts_count_too(self, settings, db):
        settings.FIELDVISIT_RATE_BORROWER_PER_LINK = 2
        client = Client()
        client.post("/n/x/", {"kind": "confirm"})
        client.post("/n/x/", {"kind": "confirm"})
        assert client.post("/n/x/", {"kind": "confirm"}).status_code == 429

    def test_the_page_speaks_the_visitors_language(self, settings, db):
        settings.FIELDVISIT_RATE_BORROWER_PER_LINK = 1
        client = Client(headers={"accept-language": "zh-CN"})
        client.get("/n/x/")
        response = client.get("/n/x/")
        assert response.status_code == 429
        assert response["Content-Language"] == "zh-hans"

    def test_zero_turns_the_limit_off(self, settings, db):
        settings.FIELDVISIT_RATE_BORROWER_PER_IP = 0
        settings.FIELDVISIT_RATE_BORROWER_PER_LINK = 0
        client = Client()
        assert all(client.get("/n/x/").status_code == 404 for _n in range(30))


class TestReceiptWebhook:
    def test_too_many_receipts_from_one_address(self, settings, db):
        settings.FIELDVISIT_RATE_SMS_RECEIPT_PER_IP = 3
        client = Client()
        for _n in range(3):
            # Unsigned: refused by the signature check, but counted first.
            assert client.post(RECEIPTS, b"{}", content_type="application/json").status_code == 403
        response = client.post(RECEIPTS, b"{}", content_type="application/json")
        assert response.status_code == 429
        assert response.json()["error"]
        assert "Retry-After" in response
        other = Client(REMOTE_ADDR="198.51.100.2")
        assert other.post(RECEIPTS, b"{}", content_type="application/json").status_code == 403


def test_an_unreachable_cache_does_not_fail_the_page(settings, db, caplog):
    settings.FIELDVISIT_RATE_BORROWER_PER_LINK = 1
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    client = Client()
    with override_settings(CACHES=unreachable):
        assert client.get("/n/x/").status_code == 404
        assert client.get("/n/x/").status_code == 404  # not limited, and not a 500
    assert "Rate limit not applied" in caplog.text


class TestLimiter:
    def test_fixed_window(self, settings):
        settings.FIELDVISIT_RATE_WINDOW_SECONDS = 60
        limits = [Limit("t", "k", 2)]
        start = 6000.0  # the start of a window
        assert hit(limits, now=start) is None
        assert hit(limits, now=start + 10) is None
        assert hit(limits, now=start + 20) == 40  # seconds left in the window
        assert hit(limits, now=start + 60) is None  # a new window

    def test_every_limit_is_counted(self):
        a, b = Limit("t", "a", 1), Limit("t", "b", 5)
        assert hit([a, b], now=0) is None
        assert hit([a, b], now=1) is not None
        assert cache.get("fv:rl:t:" + _digest("b") + ":0") == 2

    def test_client_ip_ignores_forwarded_for_unless_behind_a_proxy(self, settings):
        request = RequestFactory().get(
            "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9"
        )
        settings.FIELDVISIT_TRUSTED_PROXY_COUNT = 0
        assert client_ip(request) == "10.0.0.5"
        settings.FIELDVISIT_TRUSTED_PROXY_COUNT = 1
        assert client_ip(request) == "198.51.100.9"  # what our proxy saw, not the spoofable left
        settings.FIELDVISIT_TRUSTED_PROXY_COUNT = 3
        assert client_ip(request) == "10.0.0.5"  # fewer hops than proxies: not trusted


def _digest(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()[:32]
