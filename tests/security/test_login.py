"""Login protection: lockout after repeated failures (django-axes), visible to admins;
password strength; sessions that end after inactivity and at browser close."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import RENEW_SECONDS, SEEN_KEY
from tests import factories as f

PASSWORD = "pw-test-1234"  # tests/factories.make_user
LOGIN = "/accounts/login/"


def attempt(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


@pytest.fixture
def user(agent):
    return agent


class TestLockout:
    def test_five_failures_lock_the_username_from_that_address(self, user):
        client = Client()
        for _n in range(settings.AXES_FAILURE_LIMIT - 1):
            response = attempt(client, user.username, "wrong-password")
            assert response.status_code == 200
            assert "_auth_user_id" not in client.session
        response = attempt(client, user.username, "wrong-password")
        assert response.status_code == 429
        # Locked: even the right password is refused, with a clear message on the login page.
        response = attempt(client, user.username)
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
        body = response.content.decode()
        assert 'data-testid="login-locked"' in body
        assert "30 minutes" in body
        assert 'name="username"' in body  # still the login page, not a bare error

    def test_the_lock_is_per_username_and_address(self, user, other_agent):
        client = Client(REMOTE_ADDR="10.0.0.1")
        for _n in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, user.username, "wrong-password")
        assert attempt(client, user.username).status_code == 429
        # The same user from another address, another user from this one: not locked.
        assert attempt(Client(REMOTE_ADDR="10.0.0.2"), user.username).status_code == 302
        assert attempt(Client(REMOTE_ADDR="10.0.0.1"), other_agent.username).status_code == 302

    def test_a_success_before_the_limit_resets_the_count(self, user):
        client = Client()
        for _n in range(settings.AXES_FAILURE_LIMIT - 1):
            attempt(client, user.username, "wrong-password")
        assert attempt(client, user.username).status_code == 302
        client.logout()
        for _n in range(settings.AXES_FAILURE_LIMIT - 1):
            attempt(client, user.username, "wrong-password")
        assert attempt(client, user.username).status_code == 302

    def test_the_cool_off_ends_the_lock(self, user):
        client = Client()
        for _n in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, user.username, "wrong-password")
        assert attempt(client, user.username).status_code == 429
        # Move the failures back past the cool-off instead of waiting 30 minutes.
        past = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
        AccessAttempt.objects.update(attempt_time=past)
        assert attempt(client, user.username).status_code == 302

    def test_api_basic_auth_failures_count_too(self, user):
        client = Client()
        for _n in range(settings.AXES_FAILURE_LIMIT):
            client.get("/api/v1/visits/", headers={"authorization": _basic(user, "nope")})
        assert AccessAttempt.objects.get(username=user.username).failures_since_start >= 5
        response = client.get("/api/v1/visits/", headers={"authorization": _basic(user)})
        assert response.status_code == 401

    def test_admins_see_and_lift_lockouts_in_django_admin(self, user, admin_client_):
        client = Client()
        for _n in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, user.username, "wrong-password")
        listing = admin_client_.get(reverse("admin:axes_accessattempt_changelist"))
        assert listing.status_code == 200
        assert user.username in listing.content.decode()
        lock = AccessAttempt.objects.get(username=user.username)
        response = admin_client_.post(
            reverse("admin:axes_accessattempt_delete", args=[lock.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert attempt(client, user.username).status_code == 302

    def test_collectors_cannot_see_the_lockouts(self, agent_client):
        response = agent_client.get(reverse("admin:axes_accessattempt_changelist"))
        assert response.status_code == 302  # the admin's own login page


def _basic(user, password=PASSWORD) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user.username}:{password}".encode()).decode()


class TestPasswords:
    @pytest.mark.parametrize(
        "password",
        [
            "Short-pw-1",  # shorter than 12
            "password1234",  # common
            "839201746352",  # all digits
            "agent.collector",  # too like the username
        ],
    )
    def test_weak_passwords_are_refused(self, db, password):
        user = f.make_user(username="agent.collector", first_name="Agent")
        with pytest.raises(ValidationError):
            validate_password(password, user)

    def test_a_long_unusual_password_passes(self, db):
        user = f.make_user(username="agent.collector")
        validate_password("Dianchi-lake-walk-2026", user)

    def test_changing_ones_password_applies_the_validators(self, agent, agent_client):
        url = reverse("password_change")
        weak = {"old_password": PASSWORD, "new_password1": "abc123", "new_password2": "abc123"}
        response = agent_client.post(url, weak)
        assert response.status_code == 400
        assert "at least 12 characters" in response.content.decode()
        strong = "Dianchi-lake-walk-2026"
        response = agent_client.post(
            url, {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong}
        )
        assert response.status_code == 302
        agent.refresh_from_db()
        assert agent.check_password(strong)
        assert agent_client.get(reverse("home")).status_code == 200  # still logged in

    def test_password_change_needs_login(self, client):
        assert client.get(reverse("password_change")).status_code == 302


class TestSessions:
    def test_the_session_cookie_ends_with_the_browser(self, user):
        client = Client()
        response = attempt(client, user.username)
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        assert not cookie["max-age"] and not cookie["expires"]
        assert cookie["httponly"]

    def test_an_idle_session_ends_after_the_idle_minutes(self, user):
        client = Client()
        attempt(client, user.username)
        assert client.get(reverse("home")).status_code == 200
        session = Session.objects.get(session_key=client.session.session_key)
        # 30 minutes from the last renewal, not from the login.
        left = session.expire_date - timezone.now()
        assert timedelta(minutes=29) < left <= timedelta(minutes=30)
        # Idle past the limit: the server has dropped the session.
        Session.objects.filter(pk=session.pk).update(expire_date=timezone.now())
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_activity_renews_the_session(self, user):
        client = Client()
        attempt(client, user.username)
        client.get(reverse("home"))
        key = client.session.session_key
        soon = timezone.now() + timedelta(minutes=1)
        Session.objects.filter(pk=key).update(expire_date=soon)
        # The last renewal was over a minute ago: the next request renews the session.
        session = client.session
        session[SEEN_KEY] = int(time.time()) - RENEW_SECONDS - 1
        session.save()
        Session.objects.filter(pk=key).update(expire_date=soon)
        assert client.get(reverse("home")).status_code == 200
        renewed = Session.objects.get(pk=key).expire_date
        assert renewed - timezone.now() > timedelta(minutes=29)

    def test_requests_within_a_minute_do_not_write_the_session(self, user):
        client = Client()
        attempt(client, user.username)
        client.get(reverse("home"))
        key = client.session.session_key
        before = Session.objects.get(pk=key).expire_date
        client.get(reverse("home"))
        assert Session.objects.get(pk=key).expire_date == before
