"""Schemathesis against our OpenAPI document (issue 7 item 5): no input gets a 5xx.

The schema is generated in-process and every request goes through the WSGI application in
this process, so it runs on the test database (a throwaway one) with the test's rows. The
number of examples is bounded per operation so the test stays small enough for every run.
"""

import base64
import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests import factories as f

from .conftest import make_token

EXAMPLES = 25


def _openapi() -> dict:
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(_openapi())
BATCHES = [
    "/api/v1/repayments/batch/",
    "/api/v1/borrowers/batch/",
    "/api/v1/loans/batch/",
    "/api/v1/installments/batch/",
]
batch_schema = schema.include(path=BATCHES)
# People's writes (booking, cancelling, assigning, the compliance dry run) are not open to
# tokens; an admin signed in with a password sends them.
people_writes = schema.include(method="POST").exclude(path=BATCHES)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def app(case, other_case):
    """The WSGI app, keeping the test's database connection (and its transaction) open across
    requests, as Django's own test client does."""
    loan = case.borrower.loans.get()
    f.make_repayment(loan=loan, paid_on=f.date(2026, 2, 1), amount="100.00")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _call(case, app, authorization: str) -> None:
    case.call_and_validate(
        app=app, headers={"Authorization": authorization}, checks=[not_a_server_error]
    )


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_no_server_error_for_a_read_token(case, app, compliance_officer):
    _token, key = make_token(owner=compliance_officer, scopes=["read"])
    _call(case, app, f"Token {key}")


@pytest.mark.django_db
@batch_schema.parametrize()
@FUZZ
def test_no_server_error_in_the_batch_upsert(case, app, admin_user):
    _token, key = make_token(owner=admin_user, scopes=["ledger:write"])
    _call(case, app, f"Token {key}")


@pytest.mark.django_db
@people_writes.parametrize()
@FUZZ
def test_no_server_error_in_writes_by_an_admin(case, app, admin_user):
    password = base64.b64encode(f"{admin_user.username}:pw-test-1234".encode()).decode()
    _call(case, app, f"Basic {password}")
