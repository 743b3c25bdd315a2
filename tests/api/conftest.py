import pytest
from django.test import Client

from collections_app.models import ApiToken


def make_token(*, owner, scopes, **fields) -> tuple[ApiToken, str]:
    token = ApiToken(name="core banking", owner=owner, scopes=list(scopes), **fields)
    key = token.issue_key()
    token.save()
    return token, key


def token_client(key: str) -> Client:
    return Client(headers={"Authorization": f"Token {key}"})


@pytest.fixture
def read_token(admin_user):
    return make_token(owner=admin_user, scopes=["read"])


@pytest.fixture
def ledger_token(admin_user):
    return make_token(owner=admin_user, scopes=["ledger:write"])
