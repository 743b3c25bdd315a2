"""Ledger API reads: scope per persona, masking, filters, pagination, errors naming the field."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

CASES = reverse("ledger_api:cases")
BORROWERS = reverse("ledger_api:borrowers")
LOANS = reverse("ledger_api:loans")
INSTALLMENTS = reverse("ledger_api:installments")
REPAYMENTS = reverse("ledger_api:repayments")


def ids(response) -> set[str]:
    return {row["public_id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "sees_own", "sees_other"),
    [
        ("agent_client", True, False),
        ("supervisor_client", True, False),
        ("other_supervisor_client", False, True),
        ("compliance_client", True, True),
        ("admin_client_", True, True),
    ],
)
def test_cases_in_scope_per_persona(request, case, other_case, persona, sees_own, sees_other):
    response = request.getfixturevalue(persona).get(CASES)
    assert response.status_code == 200
    assert ids(response) == {
        str(c.public_id) for c, seen in ((case, sees_own), (other_case, sees_other)) if seen
    }


def test_outsider_has_no_role_so_403(outsider_client, case):
    assert outsider_client.get(CASES).status_code == 403
    assert outsider_client.get(BORROWERS).status_code == 403


def test_anonymous_is_refused(client, case):
    assert client.get(CASES).status_code in (401, 403)


def test_out_of_scope_detail_is_404(agent_client, case, other_case):
    url = reverse("ledger_api:case_detail", args=[other_case.public_id])
    assert agent_client.get(url).status_code == 404
    borrower_url = reverse("ledger_api:borrower_detail", args=[other_case.borrower.public_id])
    assert agent_client.get(borrower_url).status_code == 404
    own = reverse("ledger_api:case_detail", args=[case.public_id])
    assert agent_client.get(own).json()["assigned_collector"] == "agent"


def test_borrower_personal_data_is_masked(compliance_client, case):
    borrower = case.borrower
    body = compliance_client.get(
        reverse("ledger_api:borrower_detail", args=[borrower.public_id])
    ).json()
    assert body["name"] == "王**"
    assert body["national_id"] == "530***********1234"
    assert body["mobile"] == "138****5678"
    assert borrower.national_id not in str(body) and borrower.mobile not in str(body)
    assert compliance_client.get(CASES).json()["results"][0]["borrower_name"] == "王**"


def test_loan_account_number_is_masked(agent_client, case):
    loan = case.borrower.loans.get()
    rows = agent_client.get(LOANS).json()["results"]
    assert [row["account_number"] for row in rows] == [
        loan.account_number[:6] + "*" * (len(loan.account_number) - 10) + loan.account_number[-4:]
    ]
    assert loan.account_number not in str(rows)


def test_installments_and_repayments_by_loan(agent_client, case, other_case):
    loan = case.borrower.loans.get()
    f.make_repayment(loan=loan, paid_on=f.date(2026, 2, 1), amount="100.00", reference="R-1")
    other_loan = f.make_loan(borrower=other_case.borrower)
    f.make_repayment(loan=other_loan, paid_on=f.date(2026, 2, 1), amount="5.00", reference="R-2")
    rows = agent_client.get(INSTALLMENTS, {"loan": str(loan.public_id)}).json()["results"]
    assert [r["number"] for r in rows] == [1, 2, 3, 4, 5, 6]
    refs = [r["reference"] for r in agent_client.get(REPAYMENTS).json()["results"]]
    assert refs == ["R-1"]


def test_filters_and_pages(admin_client_, case, other_case):
    open_cases = admin_client_.get(CASES, {"collector": "other_agent"}).json()["results"]
    assert [c["public_id"] for c in open_cases] == [str(other_case.public_id)]
    first = admin_client_.get(CASES, {"limit": 1}).json()
    assert len(first["results"]) == 1 and first["next"]
    second = admin_client_.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["results"] != first["results"]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (CASES, {"status": "nonsense"}, "status"),
        (CASES, {"cursor": "not-a-cursor"}, "cursor"),
        (CASES, {"limit": "-3"}, "limit"),
        (LOANS, {"borrower": "not-a-uuid"}, "borrower"),
        (REPAYMENTS, {"paid_from": "2026-13-40"}, "paid_from"),
    ],
)
def test_bad_filter_names_the_field(admin_client_, case, url, params, field):
    response = admin_client_.get(url, params)
    assert response.status_code == 400
    assert response.json()["field"] == field and response.json()["error"]


def test_read_endpoints_refuse_post(admin_client_, case):
    assert admin_client_.post(CASES, {}, content_type="application/json").status_code == 405
