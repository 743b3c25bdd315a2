"""Allocation and bulk reassignment pages per persona: supervisors of the team only."""

import pytest
from django.urls import reverse
from django.utils import translation

from collections_app.models import Case, CaseAssignment, Notification

from .allocation_helpers import collector, unassigned_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def team_url(name, team):
    return reverse(f"collections_app:{name}", args=[team.public_id])


@pytest.fixture
def pool(team, supervisor):
    """Two collectors of the team and three unassigned cases."""
    a = collector(team, district="五华区", username="a", first_name="小A")
    b = collector(team, district="盘龙区", username="b", first_name="小B")
    cases = [unassigned_case(team, district=d) for d in ("五华区", "五华区", "盘龙区")]
    return a, b, cases


def test_index_sends_a_one_team_supervisor_to_the_team(supervisor_client, team):
    response = supervisor_client.get(reverse("collections_app:allocation_index"))
    assert response.status_code == 302
    assert response.url == team_url("allocation_team", team)


def test_index_lists_the_teams_for_an_admin(admin_client_, team, other_team):
    response = admin_client_.get(reverse("collections_app:allocation_index"))
    assert response.status_code == 200
    assert sorted(t.name for t in response.context["teams"]) == ["五华一组", "盘龙二组"]


def test_page_shows_collectors_and_the_dry_run(supervisor_client, team, pool):
    response = supervisor_client.get(team_url("allocation_team", team))
    assert response.status_code == 200
    body = response.content.decode()
    assert "same district (五华区); 1 of 40 cases" in body
    assert "Dry run: 3 cases allocated in 五华一组 (nothing saved)." in body
    assert Case.objects.filter(assigned_collector__isnull=True).count() == 3


def test_allocate_assigns_and_says_so(supervisor_client, team, pool):
    a, b, cases = pool
    response = supervisor_client.post(team_url("allocation_run", team), follow=True)
    assert response.status_code == 200
    assert "3 cases allocated in 五华一组." in response.content.decode()
    assert Case.objects.filter(assigned_collector=a).count() == 2
    assert Case.objects.filter(assigned_collector=b).count() == 1


def test_allocate_is_post_only(supervisor_client, team):
    assert supervisor_client.get(team_url("allocation_run", team)).status_code == 405
    assert supervisor_client.post(team_url("allocation_team", team)).status_code == 405


@pytest.mark.parametrize("name", ["allocation_team", "allocation_reassign"])
def test_another_teams_supervisor_gets_404(other_supervisor_client, team, name):
    assert other_supervisor_client.get(team_url(name, team)).status_code == 404


def test_another_teams_supervisor_cannot_allocate(other_supervisor_client, team, pool):
    assert other_supervisor_client.post(team_url("allocation_run", team)).status_code == 404
    assert Case.objects.filter(assigned_collector__isnull=False).count() == 0


@pytest.mark.parametrize("client_name", ["agent_client", "compliance_client", "outsider_client"])
@pytest.mark.parametrize(
    "name",
    ["allocation_team", "allocation_reassign", "allocation_run", "allocation_reassign_submit"],
)
def test_other_roles_get_403(request, client_name, name, team):
    client = request.getfixturevalue(client_name)
    method = client.post if name.endswith(("run", "submit")) else client.get
    assert method(team_url(name, team)).status_code == 403
    assert client.get(reverse("collections_app:allocation_index")).status_code == 403


def test_missing_team_is_404(supervisor_client):
    url = reverse("collections_app:allocation_team", args=["0" * 8 + "-0000-0000-0000-" + "0" * 12])
    assert supervisor_client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(client, team):
    response = client.get(team_url("allocation_team", team))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_reassign_page_lists_and_filters(supervisor_client, team, pool, agent, case):
    url = team_url("allocation_reassign", team)
    response = supervisor_client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 4
    response = supervisor_client.get(url, {"holder": "none"})
    assert len(response.context["page"].object_list) == 3
    response = supervisor_client.get(url, {"holder": str(agent.pk)})
    assert [c.pk for c in response.context["page"].object_list] == [case.pk]
    response = supervisor_client.get(url, {"holder": "nobody"})
    assert response.status_code == 400
    assert response.context["filter_form"].errors["holder"]


def test_reassign_moves_keeps_history_notifies_and_shows_it(
    supervisor_client, team, pool, agent, case
):
    a, _b, cases = pool
    data = {"cases": [case.public_id, cases[0].public_id], "collector": a.pk, "reason": "休假"}
    response = supervisor_client.post(team_url("allocation_reassign_submit", team), data)
    assert response.status_code == 302
    assert Case.objects.filter(assigned_collector=a).count() == 2
    record = CaseAssignment.objects.filter(case=case).latest("id")
    assert (record.collector, record.reason) == (a, "休假")
    assert Notification.objects.filter(recipient=a).count() == 1
    assert Notification.objects.filter(recipient=agent).count() == 1
    dossier = supervisor_client.get(case.get_absolute_url()).content.decode()
    assert "休假" in dossier


def test_reassign_bad_input_is_400_with_field_errors(supervisor_client, team, pool, other_case):
    a, _b, cases = pool
    url = team_url("allocation_reassign_submit", team)
    response = supervisor_client.post(url, {"collector": "", "reason": ""})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"cases", "collector", "reason"}
    response = supervisor_client.post(
        url, {"cases": ["not-a-uuid"], "collector": a.pk, "reason": "r"}
    )
    assert response.status_code == 400 and "cases" in response.context["form"].errors
    response = supervisor_client.post(
        url, {"cases": [other_case.public_id], "collector": a.pk, "reason": "r"}
    )
    assert response.status_code == 400 and "cases" in response.context["form"].errors
    assert not CaseAssignment.objects.exists()


def test_reassign_over_capacity_needs_the_box(supervisor_client, team, pool):
    a, _b, cases = pool
    a.staff_profile.capacity = 1
    a.staff_profile.save()
    data = {"cases": [c.public_id for c in cases[:2]], "collector": a.pk, "reason": "r"}
    url = team_url("allocation_reassign_submit", team)
    response = supervisor_client.post(url, data)
    assert response.status_code == 400
    assert "over the capacity of 1" in str(response.context["form"].errors)
    response = supervisor_client.post(url, {**data, "confirm_over_capacity": "on"}, follow=True)
    assert response.status_code == 200
    assert "is now over capacity" in response.content.decode()
    assert Case.objects.filter(assigned_collector=a).count() == 2


def test_reassign_submit_is_post_only(supervisor_client, team):
    assert supervisor_client.get(team_url("allocation_reassign_submit", team)).status_code == 405


def test_reassign_list_queries_do_not_grow(
    supervisor_client, team, pool, django_assert_max_num_queries
):
    url = team_url("allocation_reassign", team)
    supervisor_client.get(url)
    with django_assert_max_num_queries(14) as small:
        supervisor_client.get(url)
    for _n in range(20):
        unassigned_case(team)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = supervisor_client.get(url)
    assert len(response.context["page"].object_list) == 23


def test_allocation_page_queries_do_not_grow(
    supervisor_client, team, pool, django_assert_max_num_queries
):
    url = team_url("allocation_team", team)
    supervisor_client.get(url)
    with django_assert_max_num_queries(14) as small:
        supervisor_client.get(url)
    for _n in range(20):
        unassigned_case(team, district="官渡区")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = supervisor_client.get(url)
    assert len(response.context["rows"]) == 23


def test_nav_shows_the_supervisor_links(supervisor_client, agent_client, team):
    body = supervisor_client.get(team_url("allocation_team", team)).content.decode()
    assert 'data-testid="nav-allocation"' in body and 'data-testid="nav-workload"' in body
    body = agent_client.get("/").content.decode()
    assert 'data-testid="nav-allocation"' not in body


def test_nav_links_follow_who_may_open_the_pages(compliance_client, admin_client_, team):
    """Compliance may read the workload report, not allocate; admin may do both."""
    body = compliance_client.get("/").content.decode()
    assert 'data-testid="nav-workload"' in body and 'data-testid="nav-allocation"' not in body
    body = admin_client_.get("/").content.decode()
    assert 'data-testid="nav-workload"' in body and 'data-testid="nav-allocation"' in body
