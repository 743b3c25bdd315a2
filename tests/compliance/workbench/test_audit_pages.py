"""Audit pages: the event log with filters and keyset pages, chain verification (intact and
broken), one object's history; per persona, wrong methods, bad input, bounded queries."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from collections_app.models import StaffProfile
from compliance.models import AuditEvent
from compliance.services.audit import audit_record
from compliance.views import audit as views
from tests import factories as f
from tests.visits.conftest import NOW

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
EVENTS = reverse("compliance:audit_events")
VERIFY = reverse("compliance:audit_verify")


def history_url(object_type: str, object_id: str) -> str:
    return reverse("compliance:audit_object", args=[object_type, object_id])


def event_ids(response) -> list[int]:
    return [row.event.pk for row in response.context["rows"]]


@contextmanager
def tampering():
    """Edit the log past the PostgreSQL trigger that refuses it (as in test_audit.py)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE compliance_auditevent DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE compliance_auditevent ENABLE TRIGGER USER")


@pytest.fixture
def log(agent, supervisor, case):
    """Six events by two people and the system, on a case, a team and a rule pack."""

    def add(actor, action, minutes, **target):
        if "obj" not in target and "object_type" not in target:
            target["obj"] = case
        at = T0 + timedelta(minutes=minutes)
        return audit_record(actor=actor, action=action, at=at, **target)

    team = agent.staff_profile.team
    return {
        "booked": add(agent, "visit.booked", 0, data={"decision": "allow", "n": 1}),
        "started": add(agent, "visit.started", 10),
        "team": add(supervisor, "team.renamed", 20, obj=team, data={"name": "五华一组"}),
        "approved": add(supervisor, "override.approved", 30),
        "pack": add(
            None,
            "rulepack.published",
            40,
            object_type="compliance.rulepack",
            object_id="cn-2026.2",
        ),
        "closed": add(agent, "case.closed", 50),
    }


# --- who may ----------------------------------------------------------------------------


PAGES = [
    ("get", lambda: EVENTS),
    ("post", lambda: VERIFY),
    ("get", lambda: history_url("compliance.rulepack", "cn-2026.2")),
]


@pytest.mark.parametrize(("method", "url"), PAGES)
@pytest.mark.parametrize("persona", ["compliance_client", "admin_client_"])
def test_officers_may(request, log, persona, method, url):
    response = getattr(request.getfixturevalue(persona), method)(url())
    assert response.status_code == 200


@pytest.mark.parametrize(("method", "url"), PAGES)
@pytest.mark.parametrize("persona", ["supervisor_client", "agent_client", "outsider_client"])
def test_other_roles_get_403(request, log, persona, method, url):
    before = AuditEvent.objects.count()
    response = getattr(request.getfixturevalue(persona), method)(url())
    assert response.status_code == 403
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_anonymous_is_sent_to_login(client, log, method, url):
    response = getattr(client, method)(url())
    assertRedirects(response, f"{reverse('login')}?next={url()}", fetch_redirect_response=False)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", lambda: EVENTS),
        ("get", lambda: VERIFY),
        ("post", lambda: history_url("compliance.rulepack", "cn-2026.2")),
    ],
)
def test_wrong_method_is_405(compliance_client, log, method, url):
    before = AuditEvent.objects.count()
    assert getattr(compliance_client, method)(url()).status_code == 405
    assert AuditEvent.objects.count() == before


# --- the event log ----------------------------------------------------------------------


def test_events_newest_first_with_time_actor_object_data_and_hash(compliance_client, log):
    response = compliance_client.get(EVENTS)
    assert event_ids(response) == sorted((e.pk for e in log.values()), reverse=True)
    booked = log["booked"]
    row = next(r for r in response.context["rows"] if r.event.pk == booked.pk)
    assert row.data_json == '{"decision":"allow","n":1}'
    html = response.content.decode()
    assert "2026-03-02 09:30:00" in html  # T0 in the officer's zone (Asia/Shanghai)
    assert f"{booked.hash[:12]}</code>" in html
    assertContains(response, "cn-2026.2")
    assertContains(response, history_url("collections_app.case", booked.object_id))
    # The case has a page; the rule pack has none to link.
    assertContains(response, reverse("collections_app:case_detail", args=[booked.object_id]))


def test_times_are_shown_in_the_viewers_zone(compliance_client, compliance_officer, log):
    StaffProfile.objects.filter(user=compliance_officer).update(timezone="Europe/London")
    compliance_client.force_login(compliance_officer)  # a new session reads the zone afresh
    response = compliance_client.get(EVENTS)
    assertContains(response, "2026-03-02 01:30:00")
    assertNotContains(response, "2026-03-02 09:30:00")


def test_system_events_are_labelled_system(compliance_client, log):
    response = compliance_client.get(EVENTS, {"object_type": "compliance.rulepack"})
    assert event_ids(response) == [log["pack"].pk]
    assertContains(response, '<span class="text-body-secondary">system</span>', html=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "supervisor"}, ["approved", "team"]),
        ({"actor": "nobody"}, []),
        ({"action": "visit."}, ["started", "booked"]),
        ({"action": "visit.s"}, ["started"]),
        ({"action": "isit."}, []),  # a prefix, not a substring
        ({"object_type": "collections_app.team"}, ["team"]),
        ({"object_id": "cn-2026.2"}, ["pack"]),
        ({"actor": "agent", "action": "case."}, ["closed"]),
    ],
)
def test_filters(compliance_client, log, query, expected):
    response = compliance_client.get(EVENTS, query)
    assert response.status_code == 200
    assert event_ids(response) == [log[name].pk for name in expected]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Local times (Shanghai): the log runs 09:30, 09:40, … 10:20.
        ({"from": "2026-03-02T10:00"}, ["closed", "pack", "approved"]),
        ({"to": "2026-03-02T09:40"}, ["started", "booked"]),  # "to" includes its minute
        ({"from": "2026-03-02T09:35", "to": "2026-03-02T09:50"}, ["team", "started"]),
        ({"from": "2026-03-02 09:40", "to": "2026-03-02 09:40"}, ["started"]),
        ({"from": "2026-03-03T00:00"}, []),
    ],
)
def test_time_filters_are_in_the_viewers_zone(compliance_client, log, query, expected):
    response = compliance_client.get(EVENTS, query)
    assert response.status_code == 200
    assert event_ids(response) == [log[name].pk for name in expected]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01T10:00"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "0001-01-01T00:00"}, "from"),
        ({"to": "9999-12-31T23:59"}, "to"),
        ({"from": "2026-03-02T10:00", "to": "2026-03-02T09:00"}, "to"),
        ({"object_type": "nothing.here"}, "object_type"),
        ({"action": "x" * 65}, "action"),
        ({"before": "abc"}, "before"),
        ({"after": "0"}, "after"),
    ],
)
def test_bad_filters_are_400_with_the_field_error(compliance_client, log, query, field):
    response = compliance_client.get(EVENTS, query)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assertContains(response, 'data-testid="filter-errors"', status_code=400)
    assertContains(response, f'data-field="{field}"', status_code=400)
    assertNotContains(response, 'data-testid="audit-row"', status_code=400)


def test_two_cursors_are_400(compliance_client, log):
    response = compliance_client.get(EVENTS, {"before": 5, "after": 2})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()


def test_object_type_choices_are_the_types_in_the_log(compliance_client, log):
    choices = dict(compliance_client.get(EVENTS).context["form"].fields["object_type"].choices)
    assert set(choices) == {
        "",
        "collections_app.case",
        "collections_app.team",
        "compliance.rulepack",
    }


# --- links to objects -------------------------------------------------------------------


def test_a_visit_event_links_to_the_visit_page(compliance_client, case, agent):
    visit = f.make_visit(case=case, start=NOW + timedelta(days=1), members=[agent])
    audit_record(actor=agent, action="visit.booked", obj=visit, at=NOW)
    response = compliance_client.get(EVENTS, {"object_type": "visits.visit"})
    visit_page = reverse("visits:visit_detail", args=[visit.public_id])
    assert [row.object_url for row in response.context["rows"]] == [visit_page]
    assertContains(response, f'href="{visit_page}"')


def test_a_flag_event_links_to_the_flag_page_once_it_is_routed(compliance_client, officer_event):
    try:
        expected = reverse("compliance:flag_detail", args=[officer_event.object_id])
    except NoReverseMatch:
        expected = None
    response = compliance_client.get(EVENTS, {"object_type": "compliance.flag"})
    assert [row.object_url for row in response.context["rows"]] == [expected]


@pytest.fixture
def officer_event(compliance_officer):
    return audit_record(
        actor=compliance_officer,
        action="flag.resolved",
        object_type="compliance.flag",
        object_id="6f1c2d3e-0000-4000-8000-000000000001",
        at=T0,
    )


def test_an_id_a_page_cannot_take_is_not_linked(compliance_client, agent):
    # Neither a missing route nor an id the route refuses breaks the list.
    audit_record(actor=agent, action="visit.odd", object_type="visits.visit", object_id="7", at=T0)
    assert views.object_url("visits.visit", "7") is None
    assert views.object_url("no.such", "7") is None
    response = compliance_client.get(EVENTS)
    assert response.status_code == 200
    assertNotContains(response, 'data-testid="object-link"')


# --- pages ------------------------------------------------------------------------------


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    monkeypatch.setattr(views, "HISTORY_PAGE_SIZE", 3)


def _add_events(n, *, actor=None, object_id="thing-1"):
    return [
        audit_record(
            actor=actor,
            action=f"thing.step{i}",
            object_type="test.thing",
            object_id=object_id,
            at=T0 + timedelta(minutes=i),
        ).pk
        for i in range(n)
    ]


def test_exactly_one_page_has_no_page_links(compliance_client, small_pages):
    ids = _add_events(3)
    response = compliance_client.get(EVENTS)
    assert event_ids(response) == ids[::-1]
    assert response.context["links"] == {}
    assertNotContains(response, 'data-testid="next-page"')


def test_one_more_row_makes_a_next_page_and_back(compliance_client, small_pages):
    ids = _add_events(4)
    first = compliance_client.get(EVENTS)
    assert event_ids(first) == ids[:0:-1]
    assert "previous" not in first.context["links"]
    second = compliance_client.get(f"{EVENTS}?{first.context['links']['next']}")
    assert event_ids(second) == [ids[0]]
    assert "next" not in second.context["links"]
    back = compliance_client.get(f"{EVENTS}?{second.context['links']['previous']}")
    assert event_ids(back) == ids[:0:-1]
    assert "next" in back.context["links"]


def test_page_links_keep_the_filters(compliance_client, small_pages, agent):
    ids = _add_events(7, actor=agent)
    _add_events(2)  # the system's: filtered out
    first = compliance_client.get(EVENTS, {"actor": "agent"})
    next_query = first.context["links"]["next"]
    assert "actor=agent" in next_query
    second = compliance_client.get(f"{EVENTS}?{next_query}")
    third = compliance_client.get(f"{EVENTS}?{second.context['links']['next']}")
    assert event_ids(first) + event_ids(second) + event_ids(third) == ids[::-1]
    assert "next" not in third.context["links"]


def test_a_page_past_the_end_is_empty_not_an_error(compliance_client, small_pages):
    _add_events(2)
    response = compliance_client.get(EVENTS, {"before": 1})
    assert response.status_code == 200
    assert event_ids(response) == []
    assertContains(response, 'data-testid="audit-empty"')


def test_the_list_reads_a_bounded_number_of_queries(compliance_client, agent):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert compliance_client.get(EVENTS).status_code == 200
        return len(ctx)

    _add_events(2, actor=agent)
    queries_for_list()  # the session's first request also reads the viewer's zone
    few = queries_for_list()
    _add_events(40, actor=agent, object_id="thing-2")
    assert queries_for_list() == few
    assert few <= 6


# --- verification -----------------------------------------------------------------------


def test_verify_reports_an_intact_chain_and_records_itself(compliance_client, log):
    response = compliance_client.post(VERIFY)
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.ok, result.checked) == (True, 6)
    assertContains(response, 'data-ok="true"')
    assertContains(response, "6 events checked")
    assertContains(response, f"{response.context['duration_ms']} ms")
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor_label) == ("audit.verified", "officer")
    assert (event.object_type, event.object_id) == ("compliance.auditevent", "chain")
    assert event.data == {
        "ok": True,
        "checked": 6,
        "duration_ms": response.context["duration_ms"],
    }
    # Verifying again checks the first verification's event too.
    assert compliance_client.post(VERIFY).context["result"].checked == 7


def test_verify_over_htmx_answers_the_result_fragment(compliance_client, log):
    response = compliance_client.post(VERIFY, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["compliance/audit/_verification.html"]
    assertNotContains(response, "<html")


def test_verify_names_the_first_broken_row(compliance_client, log):
    changed = log["team"]
    with tampering(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE compliance_auditevent SET hash = %s WHERE id = %s", ["f" * 64, changed.pk]
        )
    response = compliance_client.post(VERIFY)
    result = response.context["result"]
    assert (result.ok, result.first_broken_id, result.checked) == (False, changed.pk, 3)
    assertContains(response, 'data-ok="false"')
    assertContains(response, "alert-danger")
    assertContains(response, f"event #{changed.pk}")
    assertContains(response, "the row was changed")
    event = AuditEvent.objects.latest("id")
    assert event.action == "audit.verified"
    assert (event.data["ok"], event.data["checked"]) == (False, 3)


def test_the_log_page_offers_verification(compliance_client, log):
    response = compliance_client.get(EVENTS)
    assertContains(response, f'action="{VERIFY}"')
    assertContains(response, 'data-testid="verify-form"')


# --- one object's history ---------------------------------------------------------------


def test_object_history_oldest_first_under_a_verification(compliance_client, log, case):
    url = history_url("collections_app.case", str(case.public_id))
    response = compliance_client.get(url)
    assert event_ids(response) == [
        log[name].pk for name in ("booked", "started", "approved", "closed")
    ]
    assert response.context["result"].ok
    assert response.context["result"].checked == 6
    html = response.content.decode()
    assert html.index('data-testid="verification"') < html.index('data-testid="audit-events"')
    assertContains(response, reverse("collections_app:case_detail", args=[case.public_id]))
    # Looking is not recorded; only the explicit verification is.
    assert not AuditEvent.objects.filter(action="audit.verified").exists()


def test_object_history_shows_a_broken_chain(compliance_client, log, case):
    with tampering(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE compliance_auditevent SET data = %s WHERE id = %s",
            ['{"decision":"block","n":1}', log["booked"].pk],
        )
    response = compliance_client.get(history_url("collections_app.case", str(case.public_id)))
    assert response.context["result"].first_broken_id == log["booked"].pk
    assertContains(response, 'data-ok="false"')


def test_events_link_to_their_object_history(compliance_client, log):
    response = compliance_client.get(EVENTS, {"object_type": "compliance.rulepack"})
    url = history_url("compliance.rulepack", "cn-2026.2")
    assertContains(response, f'href="{url}"')
    assert event_ids(compliance_client.get(url)) == [log["pack"].pk]


def test_object_history_pages(compliance_client, small_pages):
    ids = _add_events(5)
    url = history_url("test.thing", "thing-1")
    first = compliance_client.get(url)
    assert event_ids(first) == ids[:3]
    second = compliance_client.get(f"{url}?{first.context['links']['next']}")
    assert event_ids(second) == ids[3:]
    assert "next" not in second.context["links"]
    assert (
        event_ids(compliance_client.get(f"{url}?{second.context['links']['previous']}"))
        == (ids[:3])
    )


def test_object_without_events_is_404(compliance_client, log):
    assert compliance_client.get(history_url("visits.visit", "nothing")).status_code == 404


def test_object_history_with_a_bad_cursor_is_400(compliance_client, log):
    url = history_url("compliance.rulepack", "cn-2026.2")
    response = compliance_client.get(url, {"after": "x"})
    assert response.status_code == 400
    assertContains(response, 'data-field="after"', status_code=400)


def test_object_history_reads_a_bounded_number_of_queries(compliance_client, agent):
    url = history_url("test.thing", "thing-1")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert compliance_client.get(url).status_code == 200
        return len(ctx)

    _add_events(2)
    queries()  # the session's first request also reads the viewer's zone
    few = queries()
    _add_events(30)
    # The chain verification reads in chunks of 2,000 rows: one query here either way.
    assert queries() == few
