"""Query budgets: the worklist and the dossier cost a fixed number of queries.

The counts must not grow with the data: 5 cases or 40, one loan or three with a long
history. A regression here is an N+1 in a selector or a template.

Budgets are for a session in use. The first request after logging in (in real use the
worklist the login redirects to) also caches the user's time zone in the session: one
staff-profile read and one session write (wrapped in a savepoint), see
`test_first_request_of_a_session_costs_the_time_zone_lookup_once`.
"""

from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collections_app.services.ledger import ledger_refresh
from tests import factories as f

# Every page: +1 for the unread-notifications badge in the navigation.
WORKLIST_BUDGET = 11
# 20 for the dossier itself, 5 for its credit profile (collections_app.credit_profile).
DOSSIER_BUDGET = 27
DISTRICTS = ("五华区", "盘龙区", "官渡区", "西山区")
BUCKETS = ("M1", "M2", "M3", "M4")


def add_cases(collector, team, count: int, start: int = 0) -> None:
    """`count` open cases for `collector`, varied enough to hit every column of a row."""
    for k in range(start, start + count):
        borrower = f.make_borrower(name=f"测试{k}", vulnerable=k % 3 == 0, hardship=k % 5 == 0)
        f.make_address(borrower=borrower, district=DISTRICTS[k % 4])
        f.make_address(borrower=borrower, district="呈贡区", kind="work", is_primary=False)
        f.make_contact(borrower=borrower)
        case = f.make_case(
            borrower=borrower,
            assigned_collector=collector,
            team=team,
            dpd=10 + 30 * (k % 4),
            bucket=BUCKETS[k % 4],
            overdue_amount=f"{100 * (k + 1)}.00",
        )
        if k % 2:
            f.make_promise(
                case=case, amount="100.00", promised_on=date(2026, 2, 1), due_on=date(2026, 2, 9)
            )


FIRST_REQUEST_EXTRA = 4  # staff profile, SAVEPOINT, UPDATE django_session, RELEASE


def warm_up(client) -> None:
    """What the login redirect does in real use: open the worklist once."""
    assert client.get("/").status_code == 200


def count_queries(client, url: str, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_worklist_for_a_collector_does_not_grow_with_cases(
    agent_client, agent, team, django_assert_max_num_queries
):
    assert settings.WORKLIST_PAGE_SIZE == 25
    add_cases(agent, team, 5)
    warm_up(agent_client)
    with django_assert_max_num_queries(WORKLIST_BUDGET):
        assert agent_client.get("/").status_code == 200
    small = count_queries(agent_client, "/")

    add_cases(agent, team, 35, start=5)
    with django_assert_max_num_queries(WORKLIST_BUDGET):
        response = agent_client.get("/")
    assert response.context["page"].paginator.count == 40
    assert len(response.context["page"].object_list) == 25
    large = count_queries(agent_client, "/")
    with django_assert_max_num_queries(WORKLIST_BUDGET):
        page2 = agent_client.get("/", {"page": 2})
    assert len(page2.context["page"].object_list) == 15
    second_page = count_queries(agent_client, "/", {"page": 2})

    print(f"worklist queries (collector): 5 cases={small}, 40 cases={large}, page 2={second_page}")
    assert small == large == second_page


def test_worklist_for_a_supervisor_with_filters(
    supervisor_client, agent, team, django_assert_max_num_queries
):
    colleague = f.make_user(role="collector", team=team)
    add_cases(agent, team, 20)
    add_cases(colleague, team, 20, start=20)
    params = {
        "bucket": ["M1", "M2", "M3"],
        "district": "五华区",
        "promise": "none",
        "flagged": "false",
        "collector": agent.pk,
        "sort": "-overdue",
    }
    warm_up(supervisor_client)
    with django_assert_max_num_queries(WORKLIST_BUDGET):
        response = supervisor_client.get("/", params)
    assert response.status_code == 200
    assert response.context["filter"].form.is_valid()
    assert len(response.context["page"].object_list) > 0
    filtered = count_queries(supervisor_client, "/", params)
    unfiltered = count_queries(supervisor_client, "/")
    paged = count_queries(supervisor_client, "/", {"page": 2})
    print(f"worklist queries (supervisor): filtered={filtered}, all={unfiltered}, p2={paged}")
    assert unfiltered <= WORKLIST_BUDGET
    assert unfiltered == paged


@pytest.fixture
def rich_case(agent, team, supervisor):
    """A case with a long history: 3 loans x 12 installments, 30 repayments, bucket
    changes, promises, a plan with installments, contacts, addresses, sensitive dates."""
    borrower = f.make_borrower(name="李大富", vulnerable=True, consents=["workplace_visit"])
    f.make_address(borrower=borrower)
    f.make_address(borrower=borrower, kind="work", district="盘龙区", is_primary=False)
    f.make_address(borrower=borrower, kind="other", district="官渡区", is_primary=False)
    f.make_contact(borrower=borrower)
    f.make_contact(borrower=borrower, role="emergency_contact", relationship="parent")
    f.make_contact(borrower=borrower, role="co_borrower", relationship="sibling")
    f.make_sensitive_date(borrower=borrower)
    f.make_sensitive_date(
        borrower=borrower, starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 3), reason="wedding"
    )
    loans = [
        f.make_loan(borrower=borrower, schedule=f.monthly(date(2025, 2, 10 + k), 12, "800.00"))
        for k in range(3)
    ]
    for n in range(30):
        f.make_repayment(
            loan=loans[n % 3], paid_on=date(2025, 2 + n // 3, 5 + n % 3), amount="400.00"
        )
    case = f.make_case(borrower=borrower, assigned_collector=agent, team=team)
    # Monthly refreshes leave a real bucket history behind.
    for month in range(2, 13):
        ledger_refresh(as_of=date(2025, month, 28))
    ledger_refresh(as_of=date(2026, 2, 28))
    for k in range(3):
        f.make_promise(
            case=case,
            amount="500.00",
            promised_on=date(2026, 1, 1 + k),
            due_on=date(2026, 1, 10 + k),
            recorded_by=agent,
        )
    f.make_plan(
        case=case,
        installments=[(date(2026, 3 + k, 1), "1000.00") for k in range(6)],
        recorded_by=supervisor,
    )
    f.make_plan(case=case, installments=[(date(2026, 3, 15), "200.00")], status="cancelled")
    f.make_assignment(case=case, collector=agent, team=team)
    case.refresh_from_db()
    return case


def test_dossier_with_a_long_history_stays_within_budget(
    agent_client, agent, team, rich_case, django_assert_max_num_queries
):
    borrower = rich_case.borrower
    assert borrower.loans.count() == 3
    assert sum(loan.installments.count() for loan in borrower.loans.all()) == 36
    assert sum(loan.bucket_changes.count() for loan in borrower.loans.all()) >= 3

    url = reverse("collections_app:case_detail", args=[rich_case.public_id])
    warm_up(agent_client)
    with django_assert_max_num_queries(DOSSIER_BUDGET):
        response = agent_client.get(url)
    assert response.status_code == 200
    assert "DPD and bucket history" in response.content.decode()
    rich = count_queries(agent_client, url)
    page2 = count_queries(agent_client, url, {"rpage": 2})

    # One of everything: the same queries (prefetches skip empty parents, so "one" not "none").
    small_case = f.make_case(assigned_collector=agent, team=team)
    loan = f.make_loan(borrower=small_case.borrower, schedule=[(date(2026, 1, 15), "10.00")])
    f.make_repayment(loan=loan, paid_on=date(2026, 1, 10), amount="5.00")
    f.make_bucket_change(loan=loan)
    f.make_plan(case=small_case, installments=[(date(2026, 3, 1), "5.00")])
    small = count_queries(
        agent_client, reverse("collections_app:case_detail", args=[small_case.public_id])
    )

    print(f"dossier queries: rich={rich}, rich rpage=2={page2}, one of each={small}")
    assert rich <= DOSSIER_BUDGET
    assert rich == page2 == small


@pytest.mark.parametrize("persona", ["supervisor_client", "compliance_client"])
def test_dossier_budget_for_revealing_roles(request, persona, rich_case):
    """Supervisors and compliance render a reveal form per field: no extra queries."""
    client = request.getfixturevalue(persona)
    url = reverse("collections_app:case_detail", args=[rich_case.public_id])
    warm_up(client)
    assert count_queries(client, url) <= DOSSIER_BUDGET


@pytest.mark.parametrize("persona", ["agent_client", "supervisor_client"])
def test_first_request_of_a_session_costs_the_time_zone_lookup_once(request, persona, case):
    client = request.getfixturevalue(persona)
    cold = count_queries(client, "/")
    warm = count_queries(client, "/")
    print(f"worklist first request of the session ({persona}): {cold} (then {warm})")
    assert cold - warm == FIRST_REQUEST_EXTRA


# Session, user, groups, the case, the filter's districts, the windowed query.
NEXT_CASE_BUDGET = 6


def test_next_case_does_not_grow_with_the_worklist(
    agent_client, agent, team, django_assert_max_num_queries
):
    """One windowed query finds the next case however long the list. (From a case that is
    not in the list, two more: is it there, and the list's first case.)"""
    add_cases(agent, team, 5)
    warm_up(agent_client)
    params = {"wl": "bucket=M1&bucket=M2&sort=-overdue"}
    first = agent_client.get(f"/?{params['wl']}").context["page"].object_list[0]
    url = reverse("collections_app:case_next", args=[first.public_id])
    with CaptureQueriesContext(connection) as small:
        assert agent_client.get(url, params).status_code == 302
    add_cases(agent, team, 35, start=5)
    with django_assert_max_num_queries(NEXT_CASE_BUDGET):
        assert agent_client.get(url, params).status_code == 302
    with CaptureQueriesContext(connection) as large:
        assert agent_client.get(url, params).status_code == 302
    print(f"next case queries: 5 cases={len(small)}, 40 cases={len(large)}")
    assert len(small) == len(large)
