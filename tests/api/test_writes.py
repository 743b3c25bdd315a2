"""Repayment batch upsert and case assignment through the API."""

from decimal import Decimal

import pytest
from django.urls import reverse

from collections_app.models import Borrower, CaseAssignment, Repayment
from tests import factories as f

from .conftest import token_client

pytestmark = pytest.mark.django_db

BATCH = reverse("ledger_api:repayment_batch")


def item(of, **overrides) -> dict:
    fields = {
        "reference": "CB-0001",
        "loan": of.account_number,
        "paid_on": "2026-02-01",
        "amount": "1000.00",
        "channel": "bank_transfer",
    }
    return {**fields, **overrides}


@pytest.fixture
def loan(case):
    return case.borrower.loans.get()


def post(client, body):
    return client.post(BATCH, body, content_type="application/json")


def test_batch_creates_refreshes_and_is_idempotent(ledger_token, loan):
    client = token_client(ledger_token[1])
    batch = [item(loan), item(loan, reference="CB-0002", amount="500.00", paid_on="2026-03-01")]
    response = post(client, batch)
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert loan.installments.get(number=1).paid_amount == Decimal("1000.00")
    assert post(client, batch).json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert Repayment.objects.filter(loan=loan).count() == 2


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"amount": "0"}, "[1].amount"),
        ({"amount": "abc"}, "[1].amount"),
        ({"paid_on": "2026-02-30"}, "[1].paid_on"),
        ({"channel": "cash_in_envelope"}, "[1].channel"),
        ({"loan": "no-such-account"}, "[1].loan"),
        ({"reference": "CB-0001"}, "[1].reference"),
        ({"colour": "red"}, "[1].colour"),
    ],
)
def test_any_bad_item_names_index_and_field_and_commits_nothing(admin_client_, loan, bad, field):
    response = post(admin_client_, [item(loan), item(loan, **{"reference": "CB-0002", **bad})])
    assert response.status_code == 400
    assert response.json()["field"] == field and response.json()["error"]
    assert not Repayment.objects.exists()


def test_a_recorded_reference_with_other_values_is_refused(admin_client_, loan):
    post(admin_client_, [item(loan)])
    response = post(admin_client_, [item(loan, reference="CB-9"), item(loan, amount="999.00")])
    assert response.status_code == 400 and response.json()["field"] == "[1].amount"
    assert list(Repayment.objects.values_list("reference", flat=True)) == ["CB-0001"]


@pytest.mark.parametrize("body", [{"reference": "x"}, "text", None, [1, 2]])
def test_batch_body_must_be_a_list_of_objects(admin_client_, loan, body):
    response = post(admin_client_, body)
    assert response.status_code == 400 and response.json()["field"]


def test_malformed_json_is_400(admin_client_, loan):
    response = admin_client_.post(BATCH, "[{", content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "request"


def test_loans_out_of_the_callers_scope_are_unknown(other_agent, loan):
    from .conftest import make_token

    # The role gate first: a collector's token may hold the scope, the role still lacks it.
    _token, key = make_token(owner=other_agent, scopes=["ledger:write"])
    assert post(token_client(key), [item(loan)]).status_code == 403


@pytest.mark.parametrize(
    "persona", ["agent_client", "compliance_client", "supervisor_client", "outsider_client"]
)
def test_batch_is_for_admins(request, loan, persona):
    assert post(request.getfixturevalue(persona), [item(loan)]).status_code == 403


def assign(client, case, **body):
    url = reverse("ledger_api:case_assign", args=[case.public_id])
    return client.post(url, body, content_type="application/json")


def test_supervisor_assigns_within_the_team(supervisor_client, supervisor, case, team):
    colleague = f.make_user(role="collector", team=team, username="colleague")
    response = assign(supervisor_client, case, collector="colleague", reason="leave")
    assert response.status_code == 200, response.json()
    assert response.json()["assigned_collector"] == "colleague"
    assert response.json()["team"] == team.name
    current = CaseAssignment.objects.get(case=case, ended_at__isnull=True)
    assert current.collector == colleague and current.assigned_by == supervisor


def test_supervisor_cannot_assign_to_another_teams_collector(supervisor_client, case, other_agent):
    response = assign(supervisor_client, case, collector="other_agent")
    assert response.status_code == 400 and response.json()["field"] == "collector"


def test_assign_out_of_scope_case_is_404(supervisor_client, other_case, agent):
    assert assign(supervisor_client, other_case, collector="agent").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "collector"),
        ({"collector": "agent", "team": "not-a-uuid"}, "team"),
        ({"collector": "agent", "team": "00000000-0000-0000-0000-000000000000"}, "team"),
        ({"collector": "agent", "whom": "x"}, "whom"),
    ],
)
def test_assign_bad_input_names_the_field(admin_client_, case, body, field):
    response = assign(admin_client_, case, **body)
    assert response.status_code == 400 and response.json()["field"] == field


@pytest.mark.parametrize("persona", ["agent_client", "compliance_client"])
def test_assign_needs_the_role(request, case, persona):
    assert assign(request.getfixturevalue(persona), case, collector="agent").status_code == 403


def test_assign_is_post_only(admin_client_, case):
    url = reverse("ledger_api:case_assign", args=[case.public_id])
    assert admin_client_.get(url).status_code == 405


BORROWER_BATCH = reverse("ledger_api:borrower_batch")


def borrower(**overrides) -> dict:
    fields = {
        "customer_number": "CB000001",
        "name": "李雷",
        "national_id": "530102199202023456",
        "mobile": "13700001111",
    }
    return {**fields, **overrides}


def test_borrower_batch_creates_updates_and_is_idempotent(ledger_token):
    client = token_client(ledger_token[1])
    send = lambda body: client.post(BORROWER_BATCH, body, content_type="application/json")  # noqa: E731
    assert send([borrower(), borrower(customer_number="CB000002")]).json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    moved = [borrower(mobile="13700002222"), borrower(customer_number="CB000002")]
    assert send(moved).json() == {"created": 0, "updated": 1, "unchanged": 1}
    assert send(moved).json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert Borrower.objects.get(customer_number="CB000001").mobile == "13700002222"


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "[1].timezone"),
        ({"email": "not-an-email"}, "[1].email"),
        ({"gender": "X"}, "[1].gender"),
        ({"customer_number": "CB000001"}, "[1].customer_number"),
        ({"name": ""}, "[1].name"),
    ],
)
def test_borrower_batch_errors_commit_nothing(admin_client_, bad, field):
    body = [borrower(), borrower(**{"customer_number": "CB000002", **bad})]
    response = admin_client_.post(BORROWER_BATCH, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == field
    assert not Borrower.objects.filter(customer_number__startswith="CB").exists()


@pytest.mark.parametrize("persona", ["supervisor_client", "compliance_client", "agent_client"])
def test_borrower_batch_is_for_admins(request, persona):
    client = request.getfixturevalue(persona)
    response = client.post(BORROWER_BATCH, [borrower()], content_type="application/json")
    assert response.status_code == 403
