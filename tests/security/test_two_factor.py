"""TOTP two-factor authentication: required for supervisors, compliance and admins, optional
for collectors; until the code is confirmed no page (Django admin included) and no API call
through the session works; tokens are unaffected; the demo devices and `totp_code`."""

import base64
import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import SESSION_KEY, State
from collections_app.demo.two_factor import DEMO_TOTP_KEY_BASE32, DEMO_TOTP_KEY_HEX
from tests.api.conftest import make_token

PASSWORD = "pw-test-1234"  # tests/factories.make_user
VERIFY = "/accounts/two-factor/"
ENROL = "/accounts/two-factor/setup/"
API = "/api/v1/visits/"


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.FIELDVISIT_2FA_ENABLED = True
    settings.FIELDVISIT_2FA_REQUIRED_ROLES = ["supervisor", "compliance", "admin"]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # wrong-code delays have their own test


def code(device: TOTPDevice, offset: int = 0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def log_in(user, client=None) -> Client:
    client = client or Client()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 302, response.content
    return client


class TestRequiredRoles:
    def test_login_then_wrong_code_then_right_code(self, supervisor):
        device = device_for(supervisor)
        client = log_in(supervisor)
        assert client.session[SESSION_KEY] == State.PENDING
        response = client.get("/")
        assert response.status_code == 302
        assert response.url == f"{VERIFY}?next=%2F"
        page = client.get(response.url)
        assert page.status_code == 200
        assert 'autocomplete="one-time-code"' in page.content.decode()
        wrong = client.post(VERIFY, {"code": "000000" if code(device) != "000000" else "111111"})
        assert wrong.status_code == 400
        assert "That code is not right" in wrong.content.decode()
        assert client.get("/").status_code == 302
        right = client.post(VERIFY, {"code": code(device), "next": "/"})
        assert right.status_code == 302
        assert right.url == "/"
        assert client.get("/").status_code == 200
        assert client.session[SESSION_KEY] == State.VERIFIED

    def test_verifying_gives_a_new_session_key(self, supervisor):
        device = device_for(supervisor)
        client = log_in(supervisor)
        pending_key = client.session.session_key
        client.post(VERIFY, {"code": code(device)})
        assert client.session.session_key != pending_key

    def test_a_code_is_used_once(self, supervisor):
        device = device_for(supervisor)
        first = log_in(supervisor)
        token = code(device)
        assert first.post(VERIFY, {"code": token}).status_code == 302
        second = log_in(supervisor)
        assert second.post(VERIFY, {"code": token}).status_code == 400

    def test_wrong_codes_slow_down(self, settings, supervisor):
        settings.OTP_TOTP_THROTTLE_FACTOR = 30
        device = device_for(supervisor)
        client = log_in(supervisor)
        client.post(VERIFY, {"code": "abcdef"})  # not digits: a form error, not an attempt
        client.post(VERIFY, {"code": "000000" if code(device) != "000000" else "111111"})
        response = client.post(VERIFY, {"code": code(device)})
        assert response.status_code == 400
        assert "Too many wrong codes" in response.content.decode()

    @pytest.mark.parametrize(
        "path",
        ["/", "/notices/", "/compliance/flags/", "/admin/", "/accounts/security/", "/dashboard/"],
    )
    def test_every_page_waits_for_the_code(self, compliance_officer, path):
        device_for(compliance_officer)
        client = log_in(compliance_officer)
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(VERIFY)

    def test_posts_wait_for_the_code_too(self, supervisor, case):
        device_for(supervisor)
        client = log_in(supervisor)
        response = client.post(reverse("password_change"), {"old_password": PASSWORD})
        assert response.status_code == 302
        assert response.url == VERIFY  # no `next` for a POST: it would be replayed as a GET

    def test_django_admin_needs_the_code(self, admin_user):
        device = device_for(admin_user)
        client = log_in(admin_user)
        assert client.get("/admin/").url.startswith(VERIFY)
        client.post(VERIFY, {"code": code(device)})
        assert client.get("/admin/").status_code == 200

    def test_open_pages_while_pending(self, supervisor):
        device_for(supervisor)
        client = log_in(supervisor)
        assert client.post("/i18n/setlang/", {"language": "zh-hans"}).status_code == 302
        assert client.post("/accounts/logout/").status_code == 302
        assert SESSION_KEY not in client.session

    def test_the_next_url_must_be_ours(self, supervisor):
        device = device_for(supervisor)
        client = log_in(supervisor)
        response = client.post(VERIFY, {"code": code(device), "next": "https://evil.example/"})
        assert response.url == "home" or response.url == "/"


class TestEnrolment:
    def test_first_login_without_a_device_enrols(self, supervisor):
        client = log_in(supervisor)
        response = client.get("/")
        response = client.get(response.url)
        assert response.status_code == 302
        assert response.url.startswith(ENROL)
        page = client.get(response.url)
        body = page.content.decode()
        assert page.status_code == 200
        assert "<svg" in body and 'class="segno"' in body
        device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
        secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', body).group(1)
        secret = secret.replace(" ", "")
        assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
        # Reloading keeps the same secret (the phone may have scanned it already).
        client.get(ENROL)
        assert TOTPDevice.objects.filter(user=supervisor).count() == 1
        wrong = client.post(ENROL, {"code": "abc"})
        assert wrong.status_code == 400
        done = client.post(ENROL, {"code": code(device), "next": "/"})
        assert done.status_code == 302 and done.url == "/"
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/").status_code == 200

    def test_a_pending_session_cannot_add_a_device(self, supervisor):
        """A stolen password must not be enough to enrol the thief's phone."""
        device_for(supervisor)
        client = log_in(supervisor)
        response = client.get(ENROL)
        assert response.status_code == 302 and response.url.startswith(VERIFY)
        assert client.post(ENROL, {"code": "123456"}).status_code == 302
        assert TOTPDevice.objects.filter(user=supervisor).count() == 1

    def test_collectors_log_in_without_a_code(self, agent):
        client = log_in(agent)
        assert client.session[SESSION_KEY] == State.NOT_NEEDED
        assert client.get("/").status_code == 200

    def test_collectors_may_enrol_from_the_account_page(self, agent):
        client = log_in(agent)
        page = client.get(reverse("account_security"))
        assert 'data-testid="two-factor-enrol-link"' in page.content.decode()
        client.get(ENROL)
        device = TOTPDevice.objects.get(user=agent)
        response = client.post(ENROL, {"code": code(device)})
        assert response.status_code == 302
        assert response.url == reverse("account_security")
        # From now on this collector's logins ask for the code too.
        again = log_in(agent, Client())
        assert again.get("/").url.startswith(VERIFY)
        assert again.post(VERIFY, {"code": code(device, offset=1)}).status_code == 302
        assert again.get("/").status_code == 200

    def test_enrol_needs_login(self, client):
        assert client.get(ENROL).url.startswith("/accounts/login/")


class TestApi:
    def test_a_pending_session_is_refused_by_the_api(self, supervisor):
        device = device_for(supervisor)
        client = log_in(supervisor)
        response = client.get(API)
        assert response.status_code == 401
        assert "not verified" in response.json()["detail"]
        client.post(VERIFY, {"code": code(device)})
        assert client.get(API).status_code == 200

    def test_a_password_alone_is_refused_for_2fa_accounts(self, supervisor, agent):
        device_for(supervisor)
        response = Client().get(API, headers={"authorization": _basic(supervisor)})
        assert response.status_code == 401
        assert "API token" in response.json()["detail"]
        # A collector without a device still may (the README's curl examples).
        assert Client().get(API, headers={"authorization": _basic(agent)}).status_code == 200

    def test_tokens_are_unaffected(self, supervisor):
        device_for(supervisor)
        _token, key = make_token(owner=supervisor, scopes=["read"])
        response = Client().get(API, headers={"authorization": f"Token {key}"})
        assert response.status_code == 200


class TestDemo:
    def test_demo_key_is_the_documented_one(self):
        assert base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode() == DEMO_TOTP_KEY_BASE32

    def test_totp_code_prints_a_working_code_for_demo_devices(self, supervisor):
        device = TOTPDevice.objects.create(
            user=supervisor, name="demo", key=DEMO_TOTP_KEY_HEX, confirmed=True
        )
        out = StringIO()
        call_command("totp_code", "supervisor", stdout=out)
        printed = out.getvalue().strip()
        assert printed == code(device)
        client = log_in(supervisor)
        page = client.get(VERIFY)
        assert "totp_code supervisor" in page.content.decode()
        assert client.post(VERIFY, {"code": printed}).status_code == 302

    def test_totp_code_refuses_real_devices(self, supervisor, agent):
        device_for(supervisor)
        with pytest.raises(CommandError, match="not a demo device"):
            call_command("totp_code", "supervisor", stdout=StringIO())
        with pytest.raises(CommandError, match="no authenticator"):
            call_command("totp_code", agent.username, stdout=StringIO())
        with pytest.raises(CommandError, match="No user"):
            call_command("totp_code", "nobody", stdout=StringIO())

    def test_the_seed_gives_staff_logins_the_demo_device(self, db):
        from collections_app.demo import seed_demo

        seed_demo(borrowers=3, seed=7, today=date(2026, 11, 30), history=False)
        with_device = set(
            TOTPDevice.objects.filter(key=DEMO_TOTP_KEY_HEX, confirmed=True).values_list(
                "user__username", flat=True
            )
        )
        assert {"supervisor", "compliance", "admin"} <= with_device
        assert "collector" not in with_device


def _basic(user) -> str:
    return "Basic " + base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
