"""Loan and installment batch upserts: the import kinds' own validation and upsert, by
natural key, through the API (docs/import.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from collections_app.models import Case, Installment, Loan
from tests import factories as f

from .conftest import make_token, token_client

pytestmark = pytest.mark.django_db

LOANS = reverse("ledger_api:loan_batch")
INSTALLMENTS = reverse("ledger_api:installment_batch")


def loan(**overrides) -> dict:
    fields = {
        "account_number": "6222900000000101",
        "customer_number": "C1",
        "product": "consumer_loan",
        "principal": "12000.00",
        "annual_rate": "6.5",
        "disbursed_on": "2026-01-10",
        "maturity_on": "2027-01-10",
    }
    return {**fields, **overrides}


def installment(**overrides) -> dict:
    fields = {
        "account_number": "6222900000000101",
        "number": 1,
        "due_on": "2026-02-10",
        "principal_due": "1000.00",
        "interest_due": "65.00",
    }
    return {**fields, **overrides}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def borrower(db):
    return f.make_borrower(customer_number="C1")


def test_loan_batch_creates_updates_and_is_idempotent(ledger_token, borrower):
    f.make_borrower(customer_number="C2")
    client = token_client(ledger_token[1])
    batch = [loan(), loan(account_number="6222900000000102", customer_number="C2", status="")]
    response = post(client, LOANS, batch)
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    first = Loan.objects.get(account_number="6222900000000101")
    assert (first.borrower, first.principal, first.currency) == (
        borrower,
        Decimal("12000.00"),
        "CNY",
    )
    assert Loan.objects.get(account_number="6222900000000102").status == "active"
    before = list(Loan.objects.order_by("pk").values())
    assert post(client, LOANS, batch).json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert list(Loan.objects.order_by("pk").values()) == before  # not even updated_at
    # JSON numbers are cells too; a changed principal updates that loan only.
    changed = [loan(principal=15000, annual_rate=7.25, currency="cny"), batch[1]]
    assert post(client, LOANS, changed).json() == {"created": 0, "updated": 1, "unchanged": 1}
    first.refresh_from_db()
    assert (first.principal, first.annual_rate, first.currency) == (
        Decimal("15000.00"),
        Decimal("7.250"),
        "CNY",
    )


def test_installment_batch_refreshes_the_loans_ledger(ledger_token, borrower):
    client = token_client(ledger_token[1])
    assert post(client, LOANS, [loan()]).status_code == 200
    due = timezone.localdate() - timedelta(days=40)
    batch = [
        installment(due_on=due.isoformat()),
        installment(number=2, due_on=(due + timedelta(days=30)).isoformat(), fee_due=None),
    ]
    response = post(client, INSTALLMENTS, batch)
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    first = Installment.objects.get(loan__account_number="6222900000000101", number=1)
    assert (first.amount_due, first.fee_due) == (Decimal("1065.00"), Decimal("0.00"))
    account = Loan.objects.get(account_number="6222900000000101")
    assert (account.dpd, account.overdue_amount) == (40, Decimal("2130.00"))
    assert Case.objects.get(borrower=borrower, status="open").dpd == 40
    assert post(client, INSTALLMENTS, batch).json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
    }
    smaller = [batch[0], {**batch[1], "interest_due": "0.00", "amount_due": "1000.00"}]
    assert post(client, INSTALLMENTS, smaller).json()["updated"] == 1
    account.refresh_from_db()
    assert account.overdue_amount == Decimal("2065.00")


@pytest.mark.parametrize(
    ("bad", "field", "error"),
    [
        ({"principal": "12,000"}, "[1].principal", "not an amount"),
        ({"principal": {"value": 1}}, "[1].principal", "Not a single value."),
        ({"annual_rate": -1}, "[1].annual_rate", "not a rate"),
        ({"disbursed_on": "2026-02-30"}, "[1].disbursed_on", "not a date"),
        ({"maturity_on": "2025-01-01"}, "[1].maturity_on", "must be after disbursed_on"),
        ({"product": "payday"}, "[1].product", "not one of"),
        ({"currency": "RMB1"}, "[1].currency", "longer than 3"),
        ({"customer_number": "C404"}, "[1].customer_number", "No borrower with this"),
        ({"account_number": "6222900000000101"}, "[1].account_number", "Repeats item 0."),
        ({"colour": "red"}, "[1].colour", "Unknown field."),
        ({"account_number": "62229\x00"}, "[1].account_number", "not text"),
    ],
)
def test_a_bad_loan_names_index_and_field_and_commits_nothing(
    admin_client_, borrower, bad, field, error
):
    body = [loan(), loan(**{"account_number": "6222900000000102", **bad})]
    response = post(admin_client_, LOANS, body)
    assert response.status_code == 400
    assert response.json()["field"] == field and error in response.json()["error"]
    assert not Loan.objects.exists()


def test_a_missing_required_field_is_named(admin_client_, borrower):
    item = loan()
    del item["principal"]
    response = post(admin_client_, LOANS, [item])
    assert response.json() == {"field": "[0].principal", "error": "This field is required."}


@pytest.mark.parametrize(
    ("bad", "field", "error"),
    [
        ({"number": 0}, "[1].number", "not a whole number"),
        ({"number": "2", "amount_due": "1.00"}, "[1].amount_due", "must equal"),
        ({"number": 1}, "[1].number", "Repeats item 0."),
        ({"number": 2, "account_number": "nope"}, "[1].account_number", "No loan with this"),
        (
            {"number": 2, "principal_due": "999999999999.99", "interest_due": "1.00"},
            "[1].amount_due",
            "over 999999999999.99",
        ),
    ],
)
def test_a_bad_installment_names_index_and_field(admin_client_, borrower, bad, field, error):
    post(admin_client_, LOANS, [loan()])
    response = post(admin_client_, INSTALLMENTS, [installment(), installment(**bad)])
    assert response.status_code == 400
    assert response.json()["field"] == field and error in response.json()["error"]
    assert not Installment.objects.exists()


@pytest.mark.parametrize("url", [LOANS, INSTALLMENTS])
@pytest.mark.parametrize(
    ("body", "field"), [({"a": 1}, "request"), ("text", "request"), ([1], "[0]"), (None, "request")]
)
def test_the_body_must_be_a_list_of_objects(admin_client_, url, body, field):
    response = post(admin_client_, url, body)
    assert response.status_code == 400 and response.json()["field"] == field


@pytest.mark.parametrize("url", [LOANS, INSTALLMENTS])
def test_an_empty_batch_and_a_too_long_one(admin_client_, url):
    assert post(admin_client_, url, []).json() == {"created": 0, "updated": 0, "unchanged": 0}
    response = post(admin_client_, url, [{}] * 1001)
    assert response.status_code == 400 and response.json()["field"] == "request"


@pytest.mark.parametrize("url", [LOANS, INSTALLMENTS])
def test_token_scopes(url, read_token, ledger_token):
    assert post(token_client(read_token[1]), url, []).status_code == 403
    assert post(token_client(ledger_token[1]), url, []).status_code == 200
    reads = reverse("ledger_api:loans")
    assert token_client(ledger_token[1]).get(reads).status_code == 403  # no read scope


@pytest.mark.parametrize("url", [LOANS, INSTALLMENTS])
def test_a_collectors_token_lacks_the_role(url, agent):
    _token, key = make_token(owner=agent, scopes=["ledger:write"])
    assert post(token_client(key), url, []).status_code == 403


@pytest.mark.parametrize("url", [LOANS, INSTALLMENTS])
@pytest.mark.parametrize(
    "persona", ["agent_client", "supervisor_client", "compliance_client", "outsider_client"]
)
def test_batches_are_for_admins(request, url, persona):
    assert post(request.getfixturevalue(persona), url, []).status_code == 403


@pytest.mark.parametrize("url", [LOANS, INSTALLMENTS])
def test_anonymous_and_wrong_method(admin_client_, url):
    assert post(Client(), url, []).status_code in (401, 403)
    assert admin_client_.get(url).status_code == 405
