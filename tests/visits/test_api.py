"""The visits REST API: book, list, detail, cancel (issue 4 item 9).

The booking service reads the real clock at request time, so visits here are planned on
the first weekday at least two days ahead that is not a Chinese public holiday, at 10:00
Shanghai time, with credentials valid through a year after it. Nothing of ours is mocked.
"""

import base64
import json
import uuid
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import holidays
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from compliance.models import ComplianceCheck, Override
from tests import factories as f
from tests.visits.conftest import SH
from visits.models import Notice, Visit, VisitStatus
from visits.services.booking import visit_book

LIST_URL = "/api/v1/visits/"
NAME_MASKED = "王**"  # the `case` fixture's borrower, 王小明


def visit_day() -> date:
    """First weekday ≥ 2 days ahead (Shanghai) that is no CN public holiday."""
    day = timezone.now().astimezone(SH).date() + timedelta(days=2)
    cn = holidays.country_holidays("CN", years=range(day.year, day.year + 2))
    while day.weekday() >= 5 or day in cn:
        day += timedelta(days=1)
    return day


DAY = visit_day()
START = datetime.combine(DAY, time(10, 0), SH)
END = START + timedelta(hours=1)


@pytest.fixture
def fresh_crew(crew):
    """The crew, with credentials still valid on DAY whenever the tests run."""
    until = DAY + timedelta(days=365)
    for user in crew:
        for kind in ("work_id", "authorization", "training"):
            f.make_credential(collector=user, kind=kind, valid_until=until)
    return crew


@pytest.fixture
def plan(good_plan, fresh_crew):
    """good_plan moved to DAY: every CN rule allows it."""
    return replace(good_plan, start=START, end=END)


def body_for(for_case, **changes) -> dict:
    body = {
        "case": str(for_case.public_id),
        "start": START.isoformat(),
        "end": END.isoformat(),
        "location_type": "home",
        "address": "home",
        "purpose": f.VISIT_PURPOSE,
        "recorder": True,
        "collectors": ["partner"],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def post(client, url, body):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def detail_url(visit) -> str:
    return reverse("visits_api:visit_detail", args=[visit.public_id])


def cancel_url(visit) -> str:
    return reverse("visits_api:visit_cancel", args=[visit.public_id])


def failing_rules(verdict: dict) -> set[str]:
    return {x["rule"] for x in verdict["findings"] if x["outcome"] == "fail"}


# --------------------------------------------------------------------------------------
# Booking
# --------------------------------------------------------------------------------------


def test_visit_day_is_a_bookable_day():
    assert DAY.weekday() < 5
    assert DAY not in holidays.country_holidays("CN", years=DAY.year)
    assert START - timezone.now() > timedelta(hours=24)


def test_allowed_booking_is_201_booked_with_a_notice(agent_client, case, agent, fresh_crew):
    response = post(agent_client, LIST_URL, body_for(case))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verdict"]["decision"] == "allow"
    assert body["verdict"]["stage"] == "pre"
    shown = body["visit"]
    assert shown["status"] == "booked"
    assert shown["case"] == str(case.public_id)
    assert shown["planned_start"] == START.isoformat()  # the borrower's zone, +08:00
    assert shown["borrower"]["name"] == NAME_MASKED
    assert [c["username"] for c in shown["collectors"]] == ["agent", "partner"]
    assert all(c["employee_number"] for c in shown["collectors"])
    assert shown["address"] == {"kind": "home", "district": "五华区"}
    visit = Visit.objects.get(public_id=shown["id"])
    assert visit.status == VisitStatus.BOOKED
    assert visit.created_by == agent
    assert set(visit.members.all()) == set(fresh_crew)
    assert visit.address == case.borrower.addresses.get()
    notice = Notice.objects.get(visit=visit)
    assert (notice.kind, notice.channel, notice.status) == ("advance", "sms", "pending")
    assert shown["notices"] == [
        {
            "channel": "sms",
            "kind": "advance",
            "status": "pending",
            "sent_at": None,
            "delivered_at": None,
        }
    ]
    check = ComplianceCheck.objects.get(public_id=body["check"])
    assert check.visit == visit


def test_supervisor_books_for_the_team_without_going(supervisor_client, case, fresh_crew):
    body = body_for(case, collectors=["agent", "partner"])
    response = post(supervisor_client, LIST_URL, body)
    assert response.status_code == 201, response.content
    visit = Visit.objects.get(public_id=response.json()["visit"]["id"])
    assert set(visit.members.all()) == set(fresh_crew)


def test_collector_naming_themselves_goes_once(agent_client, case, fresh_crew):
    response = post(agent_client, LIST_URL, body_for(case, collectors=["agent", "partner"]))
    assert response.status_code == 201, response.content
    assert [c["username"] for c in response.json()["visit"]["collectors"]] == ["agent", "partner"]


def test_supervisor_cannot_go_as_a_collector(supervisor_client, case, fresh_crew):
    body = body_for(case, collectors=["agent", "partner", "supervisor"])
    response = post(supervisor_client, LIST_URL, body)
    assert response.status_code == 400
    assert response.json()["field"] == "collectors"
    assert "supervisor" in response.json()["error"]


def test_caller_counts_as_one_of_the_team(agent_client, case, fresh_crew):
    """Alone the agent is one collector; the CN pack needs two: blocked on TEAM_SIZE."""
    response = post(agent_client, LIST_URL, body_for(case, collectors=[]))
    assert response.status_code == 422, response.content
    assert failing_rules(response.json()["verdict"]) == {"TEAM_SIZE"}


def test_agreed_place_is_booked_with_its_coordinates(agent_client, case, fresh_crew):
    place = {"description": "翠湖公园南门茶室", "lat": 25.0480012345, "lng": "102.7050"}
    body = body_for(case, location_type="agreed_place", address=..., place=place)
    response = post(agent_client, LIST_URL, body)
    assert response.status_code == 201, response.content
    assert response.json()["visit"]["place"] == {
        "description": "翠湖公园南门茶室",
        "lat": "25.048001",
        "lng": "102.705000",
    }
    visit = Visit.objects.get()
    assert (visit.address, str(visit.lat), visit.place_description) == (
        None,
        "25.048001",
        "翠湖公园南门茶室",
    )


@pytest.fixture
def vulnerable(case):
    case.borrower.vulnerable = True  # CN: VULNERABILITY is review
    case.borrower.save()
    return case


def test_review_needs_a_justification(agent_client, vulnerable, fresh_crew):
    response = post(agent_client, LIST_URL, body_for(vulnerable))
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "justification"
    assert not Visit.objects.exists()


def test_review_with_justification_is_pending_approval(agent_client, vulnerable, fresh_crew):
    reason = "Borrower asked for a visit at home with their daughter present."
    response = post(agent_client, LIST_URL, body_for(vulnerable, justification=reason))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verdict"]["decision"] == "review"
    assert "VULNERABILITY" in failing_rules(body["verdict"])
    assert body["visit"]["status"] == "pending_approval"
    visit = Visit.objects.get(public_id=body["visit"]["id"])
    override = Override.objects.get(visit=visit)
    assert (override.status, override.justification) == ("pending", reason)
    assert not Notice.objects.filter(visit=visit).exists()  # told once approved


def test_blocked_booking_is_422_and_books_nothing(agent_client, case, fresh_crew):
    late = {
        "start": START.replace(hour=21, minute=30).isoformat(),
        "end": START.replace(hour=22, minute=30).isoformat(),
    }
    response = post(agent_client, LIST_URL, body_for(case, **late))
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"verdict", "check"}
    assert body["verdict"]["decision"] == "block"
    assert "VISIT_WINDOW" in failing_rules(body["verdict"])
    assert not Visit.objects.exists()
    assert not Notice.objects.exists()
    check = ComplianceCheck.objects.get()  # the refused attempt is recorded
    assert str(check.public_id) == body["check"]
    assert (check.case, check.visit, check.decision) == (case, None, "block")


def test_verdict_messages_follow_the_language(agent_client, case, fresh_crew):
    late = {"end": START.replace(hour=22, minute=30).isoformat()}

    def verdict_in(language: str) -> dict:
        response = agent_client.post(
            LIST_URL,
            json.dumps(body_for(case, **late)),
            content_type="application/json",
            headers={"accept-language": language},
        )
        assert response.status_code == 422, response.content
        return response.json()["verdict"]

    english, chinese = verdict_in("en"), verdict_in("zh-hans")
    window = [x["message"] for x in chinese["findings"] if x["rule"] == "VISIT_WINDOW"][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in window)
    assert english["findings"] != chinese["findings"]


BAD_INPUT = [
    ("case missing", {"case": ...}, "case"),
    ("case not a uuid", {"case": "12"}, "case"),
    ("start naive", {"start": START.replace(tzinfo=None).isoformat()}, "start"),
    ("end naive", {"end": END.replace(tzinfo=None).isoformat()}, "end"),
    ("start not a time", {"start": "tomorrow at ten"}, "start"),
    ("start missing", {"start": ...}, "start"),
    ("end before start", {"end": (START - timedelta(hours=1)).isoformat()}, "end"),
    ("end equals start", {"end": START.isoformat()}, "end"),
    (
        "start in the past",
        {"start": "2020-01-02T10:00:00+08:00", "end": "2020-01-02T11:00:00+08:00"},
        "start",
    ),
    ("unknown location type", {"location_type": "garden"}, "location_type"),
    ("home without address", {"address": ...}, "address"),
    ("no work address on file", {"location_type": "workplace", "address": "work"}, "address"),
    ("unknown address kind", {"address": "summer house"}, "address"),
    ("home with a place", {"place": {"description": "x", "lat": 25, "lng": 102}}, "place"),
    ("agreed place without place", {"location_type": "agreed_place", "address": ...}, "place"),
    (
        "agreed place with address",
        {"location_type": "agreed_place", "place": {"description": "x", "lat": 25, "lng": 102}},
        "address",
    ),
    (
        "place without lat",
        {"location_type": "hospital", "address": ..., "place": {"description": "医院", "lng": 102}},
        "place.lat",
    ),
    (
        "place lat out of range",
        {
            "location_type": "public_place",
            "address": ...,
            "place": {"description": "广场", "lat": 100, "lng": 102},
        },
        "place.lat",
    ),
    (
        "place unknown key",
        {
            "location_type": "public_place",
            "address": ...,
            "place": {"description": "广场", "lat": 25, "lng": 102, "alt": 1},
        },
        "place.alt",
    ),
    ("unknown target", {"target": "neighbour"}, "target"),
    ("locate_only not a boolean", {"locate_only": "perhaps"}, "locate_only"),
    ("collectors not a list", {"collectors": "partner"}, "collectors"),
    ("collector of another team", {"collectors": ["partner", "other_agent"]}, "collectors"),
    ("unknown collector", {"collectors": ["nobody"]}, "collectors"),
    ("supervisor as collector", {"collectors": ["partner", "supervisor"]}, "collectors"),
    ("unknown field", {"collector": ["partner"]}, "collector"),
]


@pytest.mark.parametrize(
    ("changes", "field"), [pytest.param(c, fld, id=i) for i, c, fld in BAD_INPUT]
)
def test_bad_input_is_400_naming_the_field(
    changes, field, agent_client, case, fresh_crew, other_agent, supervisor
):
    response = post(agent_client, LIST_URL, body_for(case, **changes))
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"field", "error"}
    assert body["field"] == field, body
    assert body["error"].strip()
    assert not Visit.objects.exists()
    assert not ComplianceCheck.objects.exists()


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '"a string"'])
def test_not_a_json_object_is_400(text, agent_client, case):
    response = post(agent_client, LIST_URL, text)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "request"


def test_form_encoded_post_is_refused(agent_client, case):
    response = agent_client.post(LIST_URL, {"case": str(case.public_id)})
    assert response.status_code == 415


def test_case_of_another_collector_is_404(other_agent_client, case, fresh_crew):
    response = post(other_agent_client, LIST_URL, body_for(case, collectors=[]))
    assert response.status_code == 404
    assert not ComplianceCheck.objects.exists()


def test_case_of_another_team_is_404_for_the_supervisor(other_supervisor_client, case, crew):
    response = post(other_supervisor_client, LIST_URL, body_for(case))
    assert response.status_code == 404


def test_unknown_case_is_404(agent_client, case):
    response = post(agent_client, LIST_URL, body_for(case, case=str(uuid.uuid4())))
    assert response.status_code == 404


@pytest.mark.parametrize("client_fixture", ["compliance_client", "outsider_client"])
def test_roles_without_booking_are_403(client_fixture, request, case, fresh_crew):
    response = post(request.getfixturevalue(client_fixture), LIST_URL, body_for(case))
    assert response.status_code == 403
    assert not ComplianceCheck.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_refused(method):
    response = getattr(Client(), method)(LIST_URL)
    assert response.status_code in (401, 403)


def test_basic_authentication_is_accepted(agent, case):
    token = base64.b64encode(b"agent:pw-test-1234").decode()
    response = Client().get(LIST_URL, headers={"authorization": f"Basic {token}"})
    assert response.status_code == 200
    wrong = base64.b64encode(b"agent:wrong").decode()
    response = Client().get(LIST_URL, headers={"authorization": f"Basic {wrong}"})
    assert response.status_code in (401, 403)


def test_collection_refuses_other_methods(agent_client):
    assert agent_client.put(LIST_URL, "{}", content_type="application/json").status_code == 405
    assert agent_client.delete(LIST_URL).status_code == 405


# --------------------------------------------------------------------------------------
# Listing
# --------------------------------------------------------------------------------------


@pytest.fixture
def visits(case, other_case, agent, partner, other_agent):
    """Two visits on the agent's case (one with the partner), one on another team's case."""
    return {
        "mine": f.make_visit(case=case, start=START, members=[agent, partner]),
        "mine_later": f.make_visit(case=case, start=START + timedelta(days=3), members=[agent]),
        "theirs": f.make_visit(
            case=other_case, start=START + timedelta(days=1), members=[other_agent]
        ),
    }


def listed(client, query: str = "") -> list[str]:
    response = client.get(LIST_URL + query)
    assert response.status_code == 200, response.content
    return [v["id"] for v in response.json()["results"]]


def ids(visits, *names) -> list[str]:
    return [str(visits[name].public_id) for name in names]


@pytest.mark.parametrize(
    ("client_fixture", "expected"),
    [
        ("agent_client", ["mine_later", "mine"]),
        ("other_agent_client", ["theirs"]),
        ("supervisor_client", ["mine_later", "mine"]),
        ("other_supervisor_client", ["theirs"]),
        ("compliance_client", ["mine_later", "theirs", "mine"]),
        ("admin_client_", ["mine_later", "theirs", "mine"]),
    ],
)
def test_list_is_scoped_and_newest_first(client_fixture, expected, request, visits):
    assert listed(request.getfixturevalue(client_fixture)) == ids(visits, *expected)


def test_partner_sees_the_visit_they_go_on(partner, visits):
    client = Client()
    client.force_login(partner)
    assert listed(client) == ids(visits, "mine")


def test_outsider_cannot_list(outsider_client, visits):
    assert outsider_client.get(LIST_URL).status_code == 403


def test_list_shows_masked_names_members_and_notices(agent_client, case, plan, home, agent):
    booked = visit_book(plan=plan, place=home, by=agent, now=timezone.now()).visit
    Notice.objects.filter(visit=booked).update(
        status="delivered",
        sent_at=START - timedelta(days=1),
        delivered_at=START - timedelta(days=1, minutes=-1),
    )
    response = agent_client.get(LIST_URL)
    (shown,) = response.json()["results"]
    assert shown["borrower"]["name"] == NAME_MASKED
    assert "王小明" not in response.content.decode()
    assert shown["collectors"][0] == {
        "username": "agent",
        "employee_number": agent.staff_profile.employee_number,
    }
    (notice,) = shown["notices"]
    assert notice["status"] == "delivered"
    assert notice["sent_at"] == (START - timedelta(days=1)).isoformat()
    assert notice["delivered_at"].endswith("+08:00")
    assert (shown["purpose"], shown["recorder"], shown["locate_only"]) == (
        f.VISIT_PURPOSE,
        True,
        False,
    )
    assert (shown["location_type"], shown["target"], shown["timezone"]) == (
        "home",
        "borrower",
        "Asia/Shanghai",
    )


def test_times_are_in_the_borrowers_zone(agent_client, case, agent):
    case.borrower.timezone = "Asia/Urumqi"  # UTC+6 in the tz database
    case.borrower.save()
    f.make_visit(case=case, start=START, members=[agent])
    (shown,) = agent_client.get(LIST_URL).json()["results"]
    assert shown["planned_start"] == START.astimezone(timezone.get_fixed_timezone(360)).isoformat()
    assert shown["planned_start"].endswith("+06:00")


def test_list_filters_by_status_and_days(agent_client, compliance_client, visits):
    visits["mine"].status = VisitStatus.CANCELLED
    visits["mine"].save()
    assert listed(agent_client, "?status=cancelled") == ids(visits, "mine")
    assert listed(agent_client, "?status=booked,cancelled") == ids(visits, "mine_later", "mine")
    assert listed(compliance_client, f"?from={DAY + timedelta(days=1)}") == ids(
        visits, "mine_later", "theirs"
    )
    assert listed(compliance_client, f"?to={DAY + timedelta(days=1)}") == ids(
        visits, "theirs", "mine"
    )
    one_day = f"?from={DAY}&to={DAY}"
    assert listed(compliance_client, one_day) == ids(visits, "mine")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=lost", "status"),
        ("?status=booked,,nope", "status"),
        ("?from=yesterday", "from"),
        ("?from=2026-02-30", "from"),
        ("?to=2026-13-01", "to"),
        ("?from=2026-12-05&to=2026-12-04", "to"),
        ("?cursor=not-a-cursor", "cursor"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(query, field, agent_client, visits):
    response = agent_client.get(LIST_URL + query)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field


def test_list_pages_with_a_cursor(compliance_client, visits):
    first = compliance_client.get(LIST_URL + "?limit=2").json()
    assert len(first["results"]) == 2
    assert first["previous"] is None
    second = compliance_client.get(first["next"]).json()
    assert second["next"] is None
    seen = [v["id"] for v in first["results"] + second["results"]]
    assert seen == ids(visits, "mine_later", "theirs", "mine")


def test_list_queries_are_bounded(
    compliance_client, case, agent, partner, django_assert_max_num_queries
):
    for n in range(12):
        visit = f.make_visit(case=case, start=START + timedelta(days=n), members=[agent, partner])
        Notice.objects.create(visit=visit, channel="sms")
        Notice.objects.create(visit=visit, channel="email")
    compliance_client.get(LIST_URL)  # the session learns the user's zone on the first request
    # Session, user, two for permissions, role, zone for `from`, page, members, notices.
    with django_assert_max_num_queries(9):
        response = compliance_client.get(LIST_URL + "?from=2020-01-01")
    results = response.json()["results"]
    assert len(results) == 12
    assert all(len(v["collectors"]) == 2 and len(v["notices"]) == 2 for v in results)


# --------------------------------------------------------------------------------------
# Detail and cancel
# --------------------------------------------------------------------------------------


@pytest.fixture
def booked(plan, home, agent):
    return visit_book(plan=plan, place=home, by=agent, now=timezone.now()).visit


@pytest.mark.parametrize(
    "client_fixture", ["agent_client", "supervisor_client", "compliance_client"]
)
def test_detail_in_scope(client_fixture, request, booked):
    response = request.getfixturevalue(client_fixture).get(detail_url(booked))
    assert response.status_code == 200
    assert response.json()["id"] == str(booked.public_id)


@pytest.mark.parametrize("client_fixture", ["other_agent_client", "other_supervisor_client"])
def test_detail_out_of_scope_is_404(client_fixture, request, booked):
    assert request.getfixturevalue(client_fixture).get(detail_url(booked)).status_code == 404


def test_detail_of_no_visit_is_404(agent_client):
    url = reverse("visits_api:visit_detail", args=[uuid.uuid4()])
    assert agent_client.get(url).status_code == 404


def test_detail_refuses_post(agent_client, booked):
    assert post(agent_client, detail_url(booked), {}).status_code == 405


def test_cancel(agent_client, booked):
    response = post(agent_client, cancel_url(booked), {"reason": "Borrower paid in full."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Borrower paid in full."
    booked.refresh_from_db()
    assert booked.status == VisitStatus.CANCELLED
    # The notice had not gone out: it never will.
    assert list(booked.notices.values_list("status", flat=True)) == ["withdrawn"]


def test_supervisor_cancels_a_team_visit(supervisor_client, booked):
    response = post(supervisor_client, cancel_url(booked), {"reason": "Team reassigned."})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": "  "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": "ok", "why": "x"}, "why"),
    ],
)
def test_cancel_bad_input_is_400(body, field, agent_client, booked):
    response = post(agent_client, cancel_url(booked), body)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    booked.refresh_from_db()
    assert booked.status == VisitStatus.BOOKED


def test_cancel_twice_is_409(agent_client, booked):
    assert post(agent_client, cancel_url(booked), {"reason": "Paid."}).status_code == 200
    response = post(agent_client, cancel_url(booked), {"reason": "Paid."})
    assert response.status_code == 409
    assert response.json()["field"] == "status"
    assert "cancel" in response.json()["error"].lower()


def test_cancel_out_of_scope_is_404(other_agent_client, booked):
    response = post(other_agent_client, cancel_url(booked), {"reason": "Not mine."})
    assert response.status_code == 404
    booked.refresh_from_db()
    assert booked.status == VisitStatus.BOOKED


def test_cancel_by_compliance_is_403(compliance_client, booked):
    response = post(compliance_client, cancel_url(booked), {"reason": "Audit."})
    assert response.status_code == 403


def test_cancel_of_no_visit_is_404(agent_client):
    url = reverse("visits_api:visit_cancel", args=[uuid.uuid4()])
    assert post(agent_client, url, {"reason": "x"}).status_code == 404


def test_cancel_refuses_get(agent_client, booked):
    assert agent_client.get(cancel_url(booked)).status_code == 405


@pytest.mark.django_db
def test_cancel_anonymous_is_refused(booked):
    response = post(Client(), cancel_url(booked), {"reason": "x"})
    assert response.status_code in (401, 403)
