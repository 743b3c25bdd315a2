"""Agenda (a collector's day with its route, and week) and the team calendar, per persona.

Happy path, the other collector's and the other team's visits left out, role gates (403),
anonymous (login redirect), POST (405), bad parameters (400 with a message), the user's
time zone, the day route's order and distances, and query budgets that do not grow.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from collections_app.models import StaffProfile
from tests import factories as f
from visits.route import haversine_km
from visits.services.booking import visit_book, visit_cancel

from .conftest import NOW, SH, START

AGENDA = reverse("visits:agenda")
CALENDAR = reverse("visits:team_calendar")
DAY = "2026-12-02"  # START's day, a Wednesday
NAME, NAME_MASKED = "王小明", "王**"  # the `case` fixture's borrower

# Kunming: the office and three stops (demo district centres) plus their distances by hand.
OFFICE = (Decimal("25.040000"), Decimal("102.710000"))
WUHUA = (Decimal("25.043000"), Decimal("102.704000"))  # 0.69 km from the office
XISHAN = (Decimal("25.038000"), Decimal("102.664000"))  # 4.07 km from Wuhua, 8.46 from Guandu
GUANDU = (Decimal("25.015000"), Decimal("102.744000"))  # 5.09 km from Wuhua


def visit_ids(response, testid: str = "agenda-visit") -> list[str]:
    """Public ids of the visits in the rows marked `testid`, in page order."""
    html = response.content.decode()
    out, at = [], 0
    marker = f'data-testid="{testid}" data-visit="'
    while (at := html.find(marker, at)) != -1:
        at += len(marker)
        out.append(html[at : html.index('"', at)])
    return out


def route_ids(response) -> list[str]:
    html = response.content.decode()
    section = html[
        html.index('data-testid="route-stops"') : html.index('data-testid="route-total"')
    ]
    return [part.split('"', 1)[0] for part in section.split('data-visit="')[1:]]


@pytest.fixture
def booked(good_plan, home, agent):
    """The agent's visit, booked through the real service (allowed: status booked)."""
    result = visit_book(plan=good_plan, place=home, by=agent, now=NOW)
    assert result.visit.status == "booked"
    return result.visit


@pytest.fixture
def other_visit(other_case, other_agent):
    return f.make_visit(case=other_case, start=START, members=[other_agent])


# --------------------------------------------------------------------------------------
# Agenda: the collector's day
# --------------------------------------------------------------------------------------


def test_collector_sees_own_visit_masked_with_link(agent_client, booked, other_visit):
    response = agent_client.get(AGENDA, {"day": DAY})
    assert response.status_code == 200
    assert visit_ids(response) == [str(booked.public_id)]
    assertContains(response, NAME_MASKED)
    assertNotContains(response, NAME)
    assertContains(response, "10:00–11:00")
    assertContains(response, "五华区")
    assertContains(response, reverse("visits:visit_detail", args=[booked.public_id]))
    assert str(other_visit.public_id) not in response.content.decode()


def test_team_mate_on_the_visit_sees_it_too(client, partner, booked):
    client.force_login(partner)
    assert visit_ids(client.get(AGENDA, {"day": DAY})) == [str(booked.public_id)]


def test_visit_on_own_case_without_membership_is_not_on_the_agenda(agent_client, case, partner):
    """The agenda is where the user goes, not every visit of their cases."""
    f.make_visit(case=case, start=START, members=[partner])
    response = agent_client.get(AGENDA, {"day": DAY})
    assert visit_ids(response) == []
    assertContains(response, 'data-testid="agenda-empty"')


def test_other_days_are_not_shown_and_links_step_a_day(agent_client, booked):
    response = agent_client.get(AGENDA, {"day": "2026-12-03"})
    assert visit_ids(response) == []
    assertContains(response, 'href="?day=2026-12-02" data-testid="agenda-previous"')
    assertContains(response, 'href="?day=2026-12-04" data-testid="agenda-next"')


def test_empty_day_points_to_the_next_visit(agent_client, booked):
    response = agent_client.get(AGENDA, {"day": "2026-12-01"})
    assertContains(response, 'data-testid="agenda-next-visit"')
    assertContains(response, "?day=2026-12-02")


def test_statuses_pending_shown_cancelled_struck_and_not_counted(
    agent_client, agent, good_plan, booked
):
    # The same borrower twice that day would be refused (frequency cap): a hand-made row.
    later = f.make_visit(case=good_plan.case, start=START + timedelta(hours=3), members=[agent])
    visit_cancel(visit=later, by=agent, now=NOW, reason="借款人出差")
    pending = f.make_visit(
        case=good_plan.case,
        start=START + timedelta(hours=6),
        status="pending_approval",
        members=[agent],
    )
    response = agent_client.get(AGENDA, {"day": DAY})
    assert visit_ids(response) == [str(v.public_id) for v in (booked, later, pending)]
    html = response.content.decode()
    row = html[html.index(f'data-visit="{later.public_id}"') - 200 :]
    assert "visit-dropped" in row[:400]
    assertContains(response, 'data-status="pending_approval"')
    assertContains(response, 'data-status="cancelled"')
    assert "2 visits" in response.content.decode()  # the cancelled one does not count
    # Only the booked visit is routed: pending and cancelled visits are not stops.
    assert route_ids(response) == [str(booked.public_id)]


def test_default_day_is_today_in_the_users_zone(agent_client, agent, case):
    today = timezone.localdate(timezone.now(), SH)
    visit = f.make_visit(
        case=case, start=datetime.combine(today, time(12, 0), tzinfo=SH), members=[agent]
    )
    assert visit_ids(agent_client.get(AGENDA)) == [str(visit.public_id)]


def test_days_are_local_to_the_user(client, agent, booked):
    """10:00 in Shanghai on 2 December is 21:00 on 1 December in New York."""
    StaffProfile.objects.filter(user=agent).update(timezone="America/New_York")
    client.force_login(agent)
    response = client.get(AGENDA, {"day": "2026-12-01"})
    assert visit_ids(response) == [str(booked.public_id)]
    assertContains(response, "21:00–22:00")
    assert visit_ids(client.get(AGENDA, {"day": DAY})) == []


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "02/12/2026", "2026-12-02T10:00"])
def test_bad_day_shows_today_with_a_message(agent_client, bad):
    response = agent_client.get(AGENDA, {"day": bad})
    assert response.status_code == 400
    assertContains(response, 'data-testid="agenda-error"', status_code=400)
    assertContains(response, "YYYY-MM-DD", status_code=400)
    today = timezone.localdate(timezone.now(), SH)
    assertContains(response, today.isoformat(), status_code=400)


def test_unknown_view_shows_the_day(agent_client):
    response = agent_client.get(AGENDA, {"view": "month"})
    assert response.status_code == 400
    assertContains(response, 'data-testid="agenda-day"', status_code=400)


def test_anonymous_is_sent_to_login(client):
    assertRedirects(client.get(AGENDA), f"{reverse('login')}?next={AGENDA}")


def test_post_is_not_allowed(agent_client):
    assert agent_client.post(AGENDA).status_code == 405


def test_user_without_a_role_is_refused(outsider_client):
    assert outsider_client.get(AGENDA).status_code == 403


# --------------------------------------------------------------------------------------
# The day route
# --------------------------------------------------------------------------------------


def routed_day(agent, case, *, places):
    """Booked visits of `agent` on DAY, an hour apart, at `places` (None: no coordinates)."""
    visits = []
    for n, place in enumerate(places):
        lat, lng = place if place else (None, None)
        visits.append(
            f.make_visit(
                case=case, start=START + timedelta(hours=n), members=[agent], lat=lat, lng=lng
            )
        )
    return visits


def set_office(team, point):
    team.office_lat, team.office_lng = point
    team.office_address = "昆明市五华区人民中路"
    team.save()


def test_route_starts_at_the_office_nearest_first(agent_client, agent, case, team):
    set_office(team, OFFICE)
    # Booked in the order Guandu, Xishan, Wuhua; nearest-first from the office is
    # Wuhua (0.69 km), then Xishan (4.07 km from Wuhua, Guandu is 5.09), then Guandu.
    guandu, xishan, wuhua = routed_day(agent, case, places=[GUANDU, XISHAN, WUHUA])
    response = agent_client.get(AGENDA, {"day": DAY})
    assert route_ids(response) == [str(v.public_id) for v in (wuhua, xishan, guandu)]
    assertContains(response, "昆明市五华区人民中路")
    html = response.content.decode()
    legs = [
        float(part.split(">", 1)[1].split(" km", 1)[0])
        for part in html.split('data-testid="route-leg"')[1:]
    ]
    assert legs == [0.7, 4.1, 8.5]  # Xishan → Guandu: 2.56 km south, 8.06 km east: 8.46
    total = sum(
        haversine_km(tuple(map(float, a)), tuple(map(float, b)))
        for a, b in ((OFFICE, WUHUA), (WUHUA, XISHAN), (XISHAN, GUANDU))
    )
    assertContains(response, f"Total: {total:.1f} km")


def test_route_without_office_starts_at_the_first_visit(agent_client, agent, case):
    guandu, xishan, wuhua = routed_day(agent, case, places=[GUANDU, XISHAN, WUHUA])
    response = agent_client.get(AGENDA, {"day": DAY})
    assertContains(response, "no office location")
    # From Guandu: Wuhua (5.09 km) before Xishan (8.46 km).
    assert route_ids(response) == [str(v.public_id) for v in (guandu, wuhua, xishan)]


def test_visits_without_coordinates_are_listed_after_the_route(agent_client, agent, case, team):
    set_office(team, OFFICE)
    located, unknown = routed_day(agent, case, places=[WUHUA, None])
    unknown.address = None
    unknown.place_description = "翠湖公园北门"
    unknown.save()
    response = agent_client.get(AGENDA, {"day": DAY})
    assert route_ids(response) == [str(located.public_id)]
    html = response.content.decode()
    rest = html[html.index('data-testid="route-without-place"') :]
    assert f'data-visit="{unknown.public_id}"' in rest


def test_route_uses_the_address_when_the_visit_has_no_coordinates(agent_client, agent, case, team):
    """Rows made before booking copied coordinates: the address's are used."""
    set_office(team, OFFICE)
    address = case.borrower.addresses.first()  # 25.043, 102.704 (Wuhua)
    visit = f.make_visit(case=case, start=START, members=[agent], address=address)
    response = agent_client.get(AGENDA, {"day": DAY})
    assert route_ids(response) == [str(visit.public_id)]
    assertContains(response, "0.7 km")


def test_a_day_with_nothing_booked_has_no_route(agent_client, agent, case):
    f.make_visit(case=case, start=START, status="pending_approval", members=[agent])
    response = agent_client.get(AGENDA, {"day": DAY})
    assertContains(response, 'data-testid="route-empty"')


# --------------------------------------------------------------------------------------
# Agenda: the week
# --------------------------------------------------------------------------------------


def test_week_runs_monday_to_sunday_with_the_visits_on_their_day(agent_client, agent, case):
    wednesday = f.make_visit(case=case, start=START, members=[agent])
    sunday = f.make_visit(case=case, start=START + timedelta(days=4), members=[agent])
    next_monday = f.make_visit(case=case, start=START + timedelta(days=5), members=[agent])
    response = agent_client.get(AGENDA, {"view": "week", "day": DAY})
    assert response.status_code == 200
    html = response.content.decode()
    days = [part.split('"', 1)[0] for part in html.split('data-day="')[1:]]
    assert days == [f"2026-11-{d}" for d in (30,)] + [f"2026-12-0{d}" for d in range(1, 7)]
    assert visit_ids(response) == [str(wednesday.public_id), str(sunday.public_id)]
    assert html.index(f'data-visit="{sunday.public_id}"') > html.index('data-day="2026-12-06"')
    assert str(next_monday.public_id) not in html
    assertContains(response, 'href="?view=week&amp;day=2026-11-23"')
    assertContains(response, 'href="?view=week&amp;day=2026-12-07"')


# --------------------------------------------------------------------------------------
# Team calendar
# --------------------------------------------------------------------------------------


def test_supervisor_sees_the_team_week_in_both_members_rows(
    supervisor_client, agent, partner, booked, other_visit
):
    response = supervisor_client.get(CALENDAR, {"week": DAY})
    assert response.status_code == 200
    html = response.content.decode()
    # In the grid once per collector going (agent and partner), in the phone list once.
    assert visit_ids(response, "calendar-visit") == [str(booked.public_id)] * 2
    assert visit_ids(response) == [str(booked.public_id)]
    assert f'data-collector="{agent.pk}"' in html and f'data-collector="{partner.pk}"' in html
    assert str(other_visit.public_id) not in html
    assertContains(response, NAME_MASKED)
    assertNotContains(response, NAME)
    assertContains(response, "2026-11-30 – 2026-12-06")


def test_other_supervisor_does_not_see_this_team(
    other_supervisor_client, agent, booked, other_visit
):
    response = other_supervisor_client.get(CALENDAR, {"week": DAY})
    html = response.content.decode()
    assert str(booked.public_id) not in html
    assert f'data-collector="{agent.pk}"' not in html
    assert visit_ids(response, "calendar-visit") == [str(other_visit.public_id)]


def test_filter_by_collector_and_keep_it_across_weeks(supervisor_client, partner, booked, agent):
    response = supervisor_client.get(CALENDAR, {"week": DAY, "collector": agent.pk})
    html = response.content.decode()
    assert f'data-collector="{agent.pk}"' in html
    assert f'data-collector="{partner.pk}"' not in html
    assert visit_ids(response, "calendar-visit") == [str(booked.public_id)]
    assertContains(response, f'href="?week=2026-12-07&amp;collector={agent.pk}"')


def test_collector_of_another_team_is_not_a_choice(supervisor_client, other_agent, booked):
    response = supervisor_client.get(CALENDAR, {"week": DAY, "collector": other_agent.pk})
    assert response.status_code == 400
    assertContains(response, 'data-testid="calendar-error"', status_code=400)
    # The bad filter is left out: the supervisor's own team is shown.
    assert str(booked.public_id) in response.content.decode()


def test_bad_week_falls_back_to_this_week(supervisor_client):
    response = supervisor_client.get(CALENDAR, {"week": "2026-13-01"})
    assert response.status_code == 400
    monday = timezone.localdate(timezone.now(), SH)
    monday -= timedelta(days=monday.weekday())
    assertContains(response, monday.isoformat(), status_code=400)


def test_compliance_sees_all_teams_and_filters_by_team(
    compliance_client, booked, other_visit, other_team, team
):
    response = compliance_client.get(CALENDAR, {"week": DAY})
    assert set(visit_ids(response)) == {str(booked.public_id), str(other_visit.public_id)}
    response = compliance_client.get(CALENDAR, {"week": DAY, "team": other_team.public_id})
    assert visit_ids(response) == [str(other_visit.public_id)]
    assertContains(response, f"team={other_team.public_id}")


def test_admin_sees_the_calendar(admin_client_, booked):
    response = admin_client_.get(CALENDAR, {"week": DAY})
    assert str(booked.public_id) in response.content.decode()


def test_collector_is_refused_the_team_calendar(agent_client):
    assert agent_client.get(CALENDAR).status_code == 403


def test_team_calendar_anonymous_and_post(client, supervisor_client):
    assertRedirects(client.get(CALENDAR), f"{reverse('login')}?next={CALENDAR}")
    assert supervisor_client.post(CALENDAR).status_code == 405


def test_outsider_is_refused_the_team_calendar(outsider_client):
    assert outsider_client.get(CALENDAR).status_code == 403


# --------------------------------------------------------------------------------------
# Navigation
# --------------------------------------------------------------------------------------


def test_navigation_per_role(agent_client, supervisor_client):
    page = agent_client.get(AGENDA).content.decode()
    assert 'data-testid="nav-agenda"' in page and "nav-team-calendar" not in page
    page = supervisor_client.get(CALENDAR).content.decode()
    assert 'data-testid="nav-team-calendar"' in page
    assert f'href="{reverse("visits:override_list")}"' in page
    assert "nav-agenda" not in page


# --------------------------------------------------------------------------------------
# Query budgets: the same with 3 visits or 30
# --------------------------------------------------------------------------------------

# Measured: agenda day 9 (week 7), team calendar 7 (8 with a collector filter), the same
# with 3 visits or 30; one query of slack for the shared navigation.
AGENDA_BUDGET = 10
CALENDAR_BUDGET = 9


def fill_week(case, collectors, count: int) -> None:
    """`count` visits spread over DAY's week, each with two of `collectors`, with places."""
    for n in range(count):
        pair = [collectors[n % len(collectors)], collectors[(n + 1) % len(collectors)]]
        f.make_visit(
            case=case,
            start=START + timedelta(days=n % 5 - 2, minutes=15 * n),
            members=pair,
            status=("booked", "pending_approval", "cancelled")[n % 3],
            address=case.borrower.addresses.first(),
            lat=Decimal("25.0") + Decimal(n) / 1000,
            lng=Decimal("102.7"),
        )


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("params", [{"day": DAY}, {"view": "week", "day": DAY}])
def test_agenda_queries_are_bounded(
    agent_client, agent, partner, case, team, count, params, django_assert_max_num_queries
):
    set_office(team, OFFICE)
    fill_week(case, [agent, partner], count)
    agent_client.get(AGENDA)  # the session caches the user's zone on the first request
    with django_assert_max_num_queries(AGENDA_BUDGET):
        assert agent_client.get(AGENDA, params).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_team_calendar_queries_are_bounded(
    supervisor_client, agent, partner, case, count, django_assert_max_num_queries
):
    crew = [agent, partner] + [
        f.make_user(role="collector", team=case.team, username=f"mate{n}") for n in range(4)
    ]
    fill_week(case, crew, count)
    supervisor_client.get(CALENDAR)
    with django_assert_max_num_queries(CALENDAR_BUDGET):
        response = supervisor_client.get(CALENDAR, {"week": DAY, "collector": agent.pk})
        assert response.status_code == 200
    with django_assert_max_num_queries(CALENDAR_BUDGET):
        assert supervisor_client.get(CALENDAR, {"week": DAY}).status_code == 200
