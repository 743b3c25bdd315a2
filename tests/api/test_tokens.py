"""API tokens: scopes, revocation, last use, hashing, and the admin that shows the key once."""

import hashlib

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from collections_app.models import ApiToken

from .conftest import make_token, token_client

pytestmark = pytest.mark.django_db

CASES = reverse("ledger_api:cases")
BATCH = reverse("ledger_api:repayment_batch")


def test_read_token_reads_as_its_owner(case, other_case, agent):
    _token, key = make_token(owner=agent, scopes=["read"])
    rows = token_client(key).get(CASES).json()["results"]
    assert [r["public_id"] for r in rows] == [str(case.public_id)]


def test_read_token_cannot_write(case, read_token):
    client = token_client(read_token[1])
    assert client.post(BATCH, [], content_type="application/json").status_code == 403
    assign = reverse("ledger_api:case_assign", args=[case.public_id])
    response = client.post(assign, {"collector": "agent"}, content_type="application/json")
    assert response.status_code == 403
    visits = reverse("visits_api:visits")
    assert client.post(visits, {}, content_type="application/json").status_code == 403


def test_ledger_token_batches_but_does_not_read(case, ledger_token):
    client = token_client(ledger_token[1])
    assert client.post(BATCH, [], content_type="application/json").status_code == 200
    assert client.get(CASES).status_code == 403


def test_revoked_token_is_401(case, read_token):
    token, key = read_token
    token.revoked_at = token.created_at
    token.save()
    response = token_client(key).get(CASES)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "header", ["Token nonsense", "Token abcdefgh.wrong-secret", "Token a b", "Token"]
)
def test_bad_keys_are_401(read_token, header):
    from django.test import Client

    assert Client(headers={"Authorization": header}).get(CASES).status_code == 401


def test_wrong_secret_with_a_real_prefix_is_401(read_token):
    token, key = read_token
    assert token_client(f"{token.prefix}.not-the-secret").get(CASES).status_code == 401


def test_last_used_at_is_recorded(case, read_token):
    token, key = read_token
    assert token.last_used_at is None
    token_client(key).get(CASES)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_the_hash_is_stored(read_token):
    token, key = read_token
    assert token.key_sha256 == hashlib.sha256(key.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert key not in str(stored) and key.split(".", 1)[1] not in str(stored)


def test_admin_shows_the_key_once(admin_client_, admin_user, agent):
    response = admin_client_.post(
        reverse("admin:collections_app_apitoken_add"),
        {"name": "core banking", "owner": agent.pk, "scopes": ["read", "ledger:write"]},
    )
    assert response.status_code == 302
    token = ApiToken.objects.get()
    assert token.created_by == admin_user and token.scopes == ["read", "ledger:write"]
    [message] = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    key = message.rsplit(" ", 1)[1]
    assert token.matches(key)
    assert token_client(key).get(CASES).status_code == 200
    change = reverse("admin:collections_app_apitoken_change", args=[token.pk])
    assert key in admin_client_.get(change).content.decode()  # the message, once
    assert key not in admin_client_.get(change).content.decode()


def test_admin_revoke_action(admin_client_, read_token):
    token, key = read_token
    admin_client_.post(
        reverse("admin:collections_app_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_client(key).get(CASES).status_code == 401
