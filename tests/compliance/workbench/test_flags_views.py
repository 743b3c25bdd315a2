"""The flag queue, the flag page and its actions, per persona (DESIGN.md §1: compliance and
admin work flags; supervisors and collectors get 403; anonymous users log in first; a missing
flag is 404; GET on an action is 405; bad input is 400 with the field's error)."""

import hashlib
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from compliance.models import Flag
from compliance.services.flags import flag_investigate
from compliance.views.flags import PAGE_SIZE
from tests import factories as f
from visits.models import Evidence

from .conftest import LEAVING, THREAT

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
QUEUE = reverse("compliance:flag_list")
NAME = "王小明"  # the `case` fixture's borrower
NAME_MASKED = "王**"


def detail_url(flag) -> str:
    return reverse("compliance:flag_detail", args=[flag.public_id])


def action_url(name: str, flag) -> str:
    return reverse(f"compliance:flag_{name}", args=[flag.public_id])


def login_redirect(url: str) -> str:
    return f"{reverse('login')}?next={url}"


def shown(response) -> list[str]:
    """Public ids of the queue's rows, in page order."""
    return re.findall(r'data-testid="flag-row" data-flag="([0-9a-f-]+)"', response.content.decode())


def make_flag(*, visit, rule="PROHIBITED_CONDUCT", severity="block", age_days=0, **fields):
    flag = Flag.objects.create(
        borrower=visit.borrower,
        case=visit.case,
        visit=visit,
        rule=rule,
        severity=severity,
        summary=f"{rule} failed",
        **fields,
    )
    # created_at is stamped on insert; the queue's age filter and order read it.
    Flag.objects.filter(pk=flag.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    flag.refresh_from_db()
    return flag


@pytest.fixture
def flag(flagged_visit):
    return Flag.objects.get(visit=flagged_visit, rule="PROHIBITED_CONDUCT")


@pytest.fixture
def colleague(db):
    return f.make_user(role="compliance", username="officer2", first_name="Li")


# --------------------------------------------------------------------------------------
# Who gets in
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "stats"])
def test_workbench_pages_are_for_officers(
    name, compliance_client, admin_client_, supervisor_client, agent_client, outsider_client
):
    url = reverse(f"compliance:flag_{name}")
    assert compliance_client.get(url).status_code == 200
    assert admin_client_.get(url).status_code == 200
    for client in (supervisor_client, agent_client, outsider_client):
        assert client.get(url).status_code == 403
    assert client_anonymous_get(url) == login_redirect(url)


def client_anonymous_get(url: str) -> str:
    response = Client().get(url)
    assert response.status_code == 302
    return response["Location"]


def test_the_flag_page_is_for_officers(flag, compliance_client, supervisor_client, agent_client):
    url = detail_url(flag)
    assert compliance_client.get(url).status_code == 200
    assert supervisor_client.get(url).status_code == 403
    assert agent_client.get(url).status_code == 403
    assert client_anonymous_get(url) == login_redirect(url)


def test_a_missing_flag_is_404(compliance_client):
    missing = uuid.uuid4()
    assert compliance_client.get(f"/compliance/flags/{missing}/").status_code == 404
    for name in ("assign", "investigate", "resolve"):
        url = f"/compliance/flags/{missing}/{name}/"
        assert compliance_client.post(url, {"disposition": "no_breach"}).status_code == 404


@pytest.mark.parametrize("name", ["assign", "investigate", "resolve"])
def test_actions_answer_405_to_get(name, flag, compliance_client):
    assert compliance_client.get(action_url(name, flag)).status_code == 405


@pytest.mark.parametrize("name", ["assign", "investigate", "resolve"])
def test_actions_refuse_other_roles(
    name, flag, compliance_officer, supervisor_client, agent_client
):
    data = {"officer": compliance_officer.pk, "disposition": "false_positive"}
    url = action_url(name, flag)
    assert supervisor_client.post(url, data).status_code == 403
    assert agent_client.post(url, data).status_code == 403
    assertRedirects(Client().post(url, data), login_redirect(url), fetch_redirect_response=False)
    flag.refresh_from_db()
    assert (flag.status, flag.assigned_to) == ("open", None)


# --------------------------------------------------------------------------------------
# The queue
# --------------------------------------------------------------------------------------


@pytest.fixture
def board(case, agent, other_case, other_agent, compliance_officer):
    """Flags of both teams, of every status, rule, severity and age; keyed by a label."""
    mine = f.make_visit(case=case, start=datetime(2026, 11, 20, 10, tzinfo=SH), members=(agent,))
    theirs = f.make_visit(
        case=other_case, start=datetime(2026, 11, 21, 15, tzinfo=SH), members=(other_agent,)
    )
    return {
        "old": make_flag(visit=mine, age_days=20),
        "review": make_flag(visit=mine, rule="PRESENCE_VERIFIED", severity="review", age_days=5),
        "theirs": make_flag(visit=theirs, rule="ACTUAL_WINDOW", age_days=9),
        "taken": make_flag(
            visit=theirs,
            rule="REPORT_TIMELY",
            severity="warn",
            status="investigating",
            assigned_to=compliance_officer,
            age_days=2,
        ),
        "done": make_flag(
            visit=mine,
            rule="ACTUAL_WINDOW",
            status="resolved",
            disposition="no_breach",
            root_cause="clock",
            resolved_at=datetime(2026, 12, 1, tzinfo=SH),
            age_days=30,
        ),
    }


def ids(board, *labels) -> list[str]:
    return [str(board[label].public_id) for label in labels]


def test_queue_shows_unresolved_flags_oldest_first_with_masked_borrowers(board, compliance_client):
    response = compliance_client.get(QUEUE)
    assert shown(response) == ids(board, "old", "theirs", "review", "taken")
    assertContains(response, NAME_MASKED)
    assertNotContains(response, NAME)
    row = response.content.decode()
    assert 'data-severity="review"' in row and 'data-status="investigating"' in row
    assertContains(response, "2026-11-20 10:00")  # the visit's date
    assertContains(response, "agent")  # the visit's collector (no full name: username)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "open"}, ["old", "theirs", "review"]),
        ({"status": "investigating"}, ["taken"]),
        ({"status": "resolved"}, ["done"]),
        ({"status": "any"}, ["done", "old", "theirs", "review", "taken"]),
        ({"rule": "ACTUAL_WINDOW"}, ["theirs"]),
        ({"rule": "ACTUAL_WINDOW", "status": "any"}, ["done", "theirs"]),
        ({"severity": "review"}, ["review"]),
        ({"severity": "warn"}, ["taken"]),
        ({"older_than": "7"}, ["old", "theirs"]),
        ({"older_than": "0"}, ["old", "theirs", "review", "taken"]),
        ({"mine": "on"}, ["taken"]),
    ],
)
def test_queue_filters(board, compliance_client, query, expected):
    response = compliance_client.get(QUEUE, query)
    assert response.status_code == 200
    assert shown(response) == ids(board, *expected)


def test_queue_filters_by_collector_and_team(board, compliance_client, agent, other_agent, team):
    assert shown(compliance_client.get(QUEUE, {"collector": agent.pk})) == ids(
        board, "old", "review"
    )
    assert shown(compliance_client.get(QUEUE, {"collector": other_agent.pk})) == ids(
        board, "theirs", "taken"
    )
    assert shown(compliance_client.get(QUEUE, {"team": str(team.public_id)})) == ids(
        board, "old", "review"
    )
    both = {"team": str(team.public_id), "collector": other_agent.pk}
    response = compliance_client.get(QUEUE, both)
    assert shown(response) == []
    assertContains(response, 'data-testid="flags-empty"')


@pytest.mark.parametrize(
    "query",
    [
        {"older_than": "-1"},
        {"older_than": "soon"},
        {"rule": "NOT_A_RULE"},
        {"severity": "fatal"},
        {"status": "closed"},
        {"team": "not-a-uuid"},
        {"collector": "999999"},
    ],
)
def test_queue_refuses_bad_filters(board, compliance_client, query):
    response = compliance_client.get(QUEUE, query)
    assert response.status_code == 400
    assertContains(response, 'data-testid="flag-filter-error"', status_code=400)
    assert shown(response) == []


@pytest.fixture
def crowd(case, agent, partner, other_case, other_agent):
    """PAGE_SIZE + 5 open flags over many visits, each with two collectors."""
    flags = []
    for n in range(PAGE_SIZE + 5):
        visit = f.make_visit(
            case=case if n % 2 else other_case,
            start=datetime(2026, 11, 1, 10, tzinfo=SH) + timedelta(days=n),
            members=(agent, partner) if n % 2 else (other_agent, partner),
        )
        flags.append(make_flag(visit=visit, age_days=100 - n))
    return flags


def test_queue_pages_without_counting(crowd, compliance_client):
    with CaptureQueriesContext(connection) as queries:
        first = compliance_client.get(QUEUE)
    assert shown(first) == [str(x.public_id) for x in crowd[:PAGE_SIZE]]
    assertContains(first, 'data-testid="next-page"')
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)

    second = compliance_client.get(QUEUE, {"page": "2"})
    assert shown(second) == [str(x.public_id) for x in crowd[PAGE_SIZE:]]
    assertNotContains(second, 'data-testid="next-page"')
    assertContains(second, 'data-testid="previous-page"')


def test_queue_queries_are_bounded(crowd, compliance_client, django_assert_max_num_queries):
    compliance_client.get(QUEUE)  # session and time zone settle on the first request
    with django_assert_max_num_queries(8):
        response = compliance_client.get(QUEUE)
    assert len(shown(response)) == PAGE_SIZE


# --------------------------------------------------------------------------------------
# The flag page
# --------------------------------------------------------------------------------------


def test_flag_page_shows_visit_checks_report_evidence_other_flags_and_audit(
    flag, flagged_visit, compliance_client, agent, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = b"ID3\x03\x00recording"
    evidence = Evidence.objects.create(
        visit=flagged_visit,
        kind="audio",
        file=ContentFile(data, name="visit.mp3"),
        content_type="audio/mpeg",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        received_at=LEAVING,
        uploaded_by=agent,
    )
    response = compliance_client.get(detail_url(flag))
    html = response.content.decode()

    assertContains(response, 'data-testid="flag-rule">PROHIBITED_CONDUCT<')
    assertContains(response, NAME_MASKED)
    assertNotContains(response, NAME)
    # The visit: status, members, check-in and check-out with distance.
    assertContains(response, 'data-testid="visit-status" data-status="reported"')
    assertContains(response, 'data-testid="check_in"')
    assertContains(response, 'data-testid="check_out"')
    assert re.search(r"\d+ m from the address", html)
    # Both checks with findings and the pack version.
    stages = re.findall(r'data-testid="check" data-stage="(\w+)" data-pack-version="([^"]+)"', html)
    assert sorted(stage for stage, _v in stages) == ["post", "pre"]
    assert all(version for _s, version in stages)
    assert 'data-rule="PROHIBITED_CONDUCT" data-outcome="fail"' in html
    assert 'data-rule="VISIT_WINDOW" data-outcome="pass"' in html
    # The report as submitted, the evidence without an upload form, the other flag.
    assertContains(response, THREAT)
    assertContains(response, f'data-sha256="{evidence.sha256}"')
    assertNotContains(response, 'data-testid="evidence-upload"')
    assertNotContains(response, 'data-testid="review-form"')
    other = Flag.objects.get(visit=flagged_visit, rule="RECORDING_ATTACHED")
    assertContains(response, detail_url(other))
    # The audit trail of the visit and the flag, oldest first.
    actions = re.findall(r'data-testid="audit-event" data-action="([\w.]+)"', html)
    assert actions[0] == "visit.booked"
    assert actions.index("visit.in_progress") < actions.index("visit.reported")
    assert actions.index("visit.reported") < actions.index("flag.raised")
    assert actions.count("flag.raised") == 1  # this flag's, not the other flag's
    # Forms of an open flag.
    assertContains(response, 'data-testid="assign-to-me"')
    assertContains(response, 'data-testid="investigate"')
    assertNotContains(response, 'data-testid="resolve-form"')
    # And the officer may open the evidence file itself.
    file = compliance_client.get(reverse("visits:evidence_file", args=[evidence.public_id]))
    assert file.status_code == 200


def test_flag_page_queries_are_bounded(flag, compliance_client, django_assert_max_num_queries):
    compliance_client.get(detail_url(flag))
    with django_assert_max_num_queries(22):
        compliance_client.get(detail_url(flag))


def test_admin_sees_no_assign_to_me(flag, admin_client_):
    response = admin_client_.get(detail_url(flag))
    assert response.status_code == 200
    assertNotContains(response, 'data-testid="assign-to-me"')
    assertContains(response, 'data-testid="assign-form"')


# --------------------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------------------


def test_assign_to_an_officer(flag, compliance_client, colleague):
    response = compliance_client.post(action_url("assign", flag), {"officer": colleague.pk})
    assertRedirects(response, detail_url(flag))
    flag.refresh_from_db()
    assert flag.assigned_to == colleague
    page = compliance_client.get(detail_url(flag))
    assertContains(page, 'data-testid="flag-assignee">Li<')


def test_assign_to_me(flag, compliance_client, compliance_officer):
    compliance_client.post(action_url("assign", flag), {"officer": compliance_officer.pk})
    flag.refresh_from_db()
    assert flag.assigned_to == compliance_officer
    assertNotContains(compliance_client.get(detail_url(flag)), 'data-testid="assign-to-me"')


@pytest.mark.parametrize("officer", ["agent", "admin", "", "nobody"])
def test_assign_refuses_anyone_but_an_officer(flag, compliance_client, agent, admin_user, officer):
    value = {"agent": agent.pk, "admin": admin_user.pk, "": "", "nobody": "x"}[officer]
    response = compliance_client.post(action_url("assign", flag), {"officer": value})
    assert response.status_code == 400
    assertContains(response, 'data-testid="assign-errors"', status_code=400)
    assertContains(response, 'data-testid="flag-rule"', status_code=400)  # the whole page
    flag.refresh_from_db()
    assert flag.assigned_to is None


def test_investigate_then_resolve(flag, compliance_client, compliance_officer):
    response = compliance_client.post(action_url("investigate", flag))
    assertRedirects(response, detail_url(flag))
    flag.refresh_from_db()
    assert (flag.status, flag.assigned_to) == ("investigating", compliance_officer)
    page = compliance_client.get(detail_url(flag))
    assertContains(page, 'data-testid="resolve-form"')
    assertNotContains(page, 'data-testid="investigate"')

    response = compliance_client.post(
        action_url("resolve", flag),
        {
            "disposition": "confirmed_breach",
            "root_cause": "Threatened the borrower with the police.",
            "corrective_action": "Warning issued; retraining on 2026-12-10.",
        },
    )
    assertRedirects(response, detail_url(flag))
    flag.refresh_from_db()
    assert (flag.status, flag.disposition) == ("resolved", "confirmed_breach")
    page = compliance_client.get(detail_url(flag))
    assertContains(page, 'data-disposition="confirmed_breach"')
    assertContains(page, "retraining on 2026-12-10")
    assertNotContains(page, 'data-testid="assign-form"')


def test_investigating_twice_is_400(flag, compliance_client):
    compliance_client.post(action_url("investigate", flag))
    response = compliance_client.post(action_url("investigate", flag))
    assert response.status_code == 400
    flag.refresh_from_db()
    assert flag.status == "investigating"


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"disposition": ""}, "disposition"),
        ({"disposition": "perhaps"}, "disposition"),
        ({"disposition": "confirmed_breach", "root_cause": "Temper"}, "corrective_action"),
        ({"disposition": "no_breach"}, "root_cause"),
        ({"disposition": "no_breach", "root_cause": "x" * 4001}, "root_cause"),
    ],
)
def test_resolve_with_bad_input_is_400_with_the_field_error(
    flag, compliance_client, compliance_officer, data, field_error
):
    flag_investigate(flag=flag, by=compliance_officer, now=LEAVING)
    response = compliance_client.post(action_url("resolve", flag), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'id="error_\d+_id_{field_error}"', html), html
    flag.refresh_from_db()
    assert (flag.status, flag.disposition) == ("investigating", "")


def test_resolving_an_open_flag_is_400(flag, compliance_client):
    response = compliance_client.post(
        action_url("resolve", flag), {"disposition": "false_positive"}
    )
    assert response.status_code == 400
    assertContains(response, 'data-testid="resolve-errors"', status_code=400)
    flag.refresh_from_db()
    assert flag.status == "open"


def test_a_flag_without_a_visit_has_a_page(case, compliance_client, compliance_officer):
    flag = Flag.objects.create(
        borrower=case.borrower,
        case=case,
        rule="DISPUTE_OPEN",
        severity="block",
        summary="Raised by hand",
        raised_by=compliance_officer,
    )
    response = compliance_client.get(detail_url(flag))
    assertContains(response, "Raised by hand")
    assertNotContains(response, 'data-testid="flag-visit"')
    assertContains(response, 'data-action="flag.raised"', count=0)
    assertContains(response, 'data-testid="investigate"')
