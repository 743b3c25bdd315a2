"""The workload report: figures per collector, team filter, CSV, roles, query bound."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests import factories as f

from .allocation_helpers import collector, held_cases

pytestmark = pytest.mark.django_db
URL = reverse("collections_app:workload")
CSV = reverse("collections_app:workload_csv")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def this_week_at(hour: int) -> datetime:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return datetime(
        monday.year, monday.month, monday.day, hour, tzinfo=timezone.get_current_timezone()
    )


def test_figures_per_collector(supervisor_client, team, agent, case, other_agent, other_case):
    case.overdue_amount, case.expected_recovery = "1200.50", "300.25"
    case.save()
    held_cases(agent, team, 2)
    f.make_visit(case=case, start=this_week_at(10), status="booked", members=(agent,))
    f.make_visit(
        case=case, start=this_week_at(10) - timedelta(days=7), status="booked", members=(agent,)
    )
    f.make_visit(
        case=case, start=this_week_at(10) - timedelta(days=3), status="reported", members=(agent,)
    )
    f.make_case(team=team)  # unassigned

    response = supervisor_client.get(URL)

    assert response.status_code == 200
    report = response.context["report"]
    (row,) = report.rows  # the other team's collector is not in scope
    assert row.collector == agent
    assert (row.open_cases, row.capacity) == (3, 40)
    assert (row.overdue_total, row.expected_recovery_total) == (
        Decimal("1200.50"),
        Decimal("300.25"),
    )
    assert (row.visits_this_week, row.reports_waiting, row.reports_returned) == (1, 1, 0)
    assert report.unassigned == 1
    assert "¥1,200.50" in response.content.decode()


def test_team_filter_and_csv(admin_client_, team, other_team, agent, case, other_agent, other_case):
    response = admin_client_.get(URL)
    assert {r.collector for r in response.context["report"].rows} == {agent, other_agent}
    response = admin_client_.get(URL, {"team": str(other_team.public_id)})
    assert [r.collector for r in response.context["report"].rows] == [other_agent]

    response = admin_client_.get(CSV, {"team": str(team.public_id)})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["Team", "Employee number", "Collector", "District covered", "Open cases"]
    assert rows[1][0] == "五华一组" and rows[1][4:6] == ["1", "40"]
    assert len(rows) == 2


def test_another_teams_filter_is_a_400_for_a_supervisor(supervisor_client, other_team):
    response = supervisor_client.get(URL, {"team": str(other_team.public_id)})
    assert response.status_code == 400
    assert response.context["form"].errors["team"]
    response = supervisor_client.get(CSV, {"team": "nonsense"})
    assert response.status_code == 400


@pytest.mark.parametrize("client_name", ["agent_client", "outsider_client"])
def test_collectors_and_roleless_users_get_403(request, client_name):
    client = request.getfixturevalue(client_name)
    assert client.get(URL).status_code == 403
    assert client.get(CSV).status_code == 403


def test_compliance_may_read_it(compliance_client, agent, case):
    assert compliance_client.get(URL).status_code == 200


def test_post_is_405(supervisor_client):
    assert supervisor_client.post(URL).status_code == 405


def test_queries_do_not_grow_with_collectors_or_cases(
    supervisor_client, team, agent, case, django_assert_max_num_queries
):
    supervisor_client.get(URL)
    with django_assert_max_num_queries(12) as small:
        supervisor_client.get(URL)
    for n in range(6):
        extra = collector(team, district="五华区", username=f"extra{n}")
        held_cases(extra, team, 3)
        f.make_visit(case=case, start=this_week_at(11), members=(extra,))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = supervisor_client.get(URL)
    assert len(response.context["report"].rows) == 7
