"""Allocation: capacity, district, distance, workload, order, reasons, dry run, queries."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from collections_app.models import Case, CaseAssignment, Notification
from collections_app.services.allocation import allocate_cases, distance_km
from collections_app.services.cases import case_assign, cases_assign_many
from tests import factories as f

from .allocation_helpers import collector, held_cases, unassigned_case

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def team(supervisor, team):
    team.office_lat, team.office_lng = Decimal("25.040600"), Decimal("102.709800")
    team.save()
    return team


def reasons(case_ids) -> list[str]:
    rows = CaseAssignment.objects.filter(case_id__in=case_ids, ended_at__isnull=True)
    return list(rows.order_by("case_id").values_list("reason", flat=True))


def test_distance_between_two_districts_is_a_few_km():
    assert 3 < distance_km((25.043, 102.704), (25.070, 102.720)) < 4


def test_same_district_first_with_the_reason_and_the_count(team, supervisor):
    wuhua = collector(team, district="五华区", username="wuhua")
    panlong = collector(team, district="盘龙区", username="panlong")
    held_cases(wuhua, team, 11)
    case = unassigned_case(team, district="五华区")
    other = unassigned_case(team, district="盘龙区")

    plan = allocate_cases(team=team, by=supervisor, now=NOW)

    case.refresh_from_db()
    other.refresh_from_db()
    assert (case.assigned_collector, other.assigned_collector) == (wuhua, panlong)
    assert reasons([case.id]) == ["same district (五华区); 12 of 40 cases"]
    assert reasons([other.id]) == ["same district (盘龙区); 1 of 40 cases"]
    assert plan.summary() == "2 cases allocated in 五华一组."
    record = CaseAssignment.objects.get(case=case)
    assert (record.assigned_by, record.started_at, record.team) == (supervisor, NOW, team)


def test_capacity_counts_held_cases_and_the_rest_stay_unassigned(team, supervisor):
    full = collector(team, district="五华区", capacity=3, username="full")
    held_cases(full, team, 2)
    cases = [unassigned_case(team, district="五华区") for _n in range(3)]

    plan = allocate_cases(team=team, by=supervisor, now=NOW)

    assert Case.objects.open().filter(assigned_collector=full).count() == 3
    assert len(plan.placements) == 1 and len(plan.unplaced) == 2
    assert plan.unplaced_reason == "all collectors at capacity"
    assert plan.summary() == (
        "1 case allocated in 五华一组; 2 left unassigned: all collectors at capacity."
    )
    assert Case.objects.filter(id__in=[c.id for c in cases], assigned_collector=None).count() == 2


def test_nearest_district_with_room_when_nobody_covers_the_case_district(team, supervisor):
    collector(team, district="西山区", capacity=0, username="xishan_full")
    panlong = collector(team, district="盘龙区", username="panlong")
    chenggong = collector(team, district="呈贡区", username="chenggong")
    f.make_address(borrower=f.make_borrower(), district="呈贡区", lat="24.885", lng="102.82")
    f.make_address(borrower=f.make_borrower(), district="盘龙区", lat="25.07", lng="102.72")
    case = unassigned_case(team, district="五华区")

    allocate_cases(team=team, by=supervisor, now=NOW)

    case.refresh_from_db()
    assert case.assigned_collector == panlong != chenggong
    (reason,) = reasons([case.id])
    assert reason.startswith("nearest district with room: 盘龙区, 3.")
    assert reason.endswith(" km; 1 of 40 cases")


def test_collector_without_district_is_measured_from_the_team_office(team, supervisor):
    roaming = collector(team, username="roaming", first_name="李四")
    case = unassigned_case(team, district="官渡区")

    allocate_cases(team=team, by=supervisor, now=NOW)

    case.refresh_from_db()
    assert case.assigned_collector == roaming
    (reason,) = reasons([case.id])
    assert reason.startswith("nearest collector with room: 李四 (from the team office), ")


def test_no_position_anywhere_means_lowest_workload(team, supervisor):
    team.office_lat = team.office_lng = None
    team.save()
    busy = collector(team, username="busy")
    idle = collector(team, username="idle")
    held_cases(busy, team, 2)
    case = unassigned_case(team, district="某区", located=False)

    allocate_cases(team=team, by=supervisor, now=NOW)

    case.refresh_from_db()
    assert case.assigned_collector == idle != busy
    assert reasons([case.id]) == ["lowest workload (no location to compare); 1 of 40 cases"]


def test_within_a_district_the_least_loaded_collector_gets_the_case(team, supervisor):
    busy = collector(team, district="五华区", username="busy")
    idle = collector(team, district="五华区", username="idle")
    held_cases(busy, team, 3)
    cases = [unassigned_case(team, district="五华区") for _n in range(4)]

    allocate_cases(team=team, by=supervisor, now=NOW)

    loads = {u: Case.objects.open().filter(assigned_collector=u).count() for u in (busy, idle)}
    assert loads == {busy: 4, idle: 3} or loads == {busy: 3, idle: 4}
    assert Case.objects.filter(id__in=[c.id for c in cases], assigned_collector=None).count() == 0


def test_highest_expected_recovery_then_overdue_goes_first(team, supervisor):
    only = collector(team, district="五华区", capacity=2, username="only")
    low = unassigned_case(team, expected_recovery="100.00", overdue_amount="9000.00")
    high = unassigned_case(team, expected_recovery="500.00", overdue_amount="600.00")
    unscored_big = unassigned_case(team, overdue_amount="8000.00")
    unscored_small = unassigned_case(team, overdue_amount="10.00")

    plan = allocate_cases(team=team, by=supervisor, now=NOW, dry_run=True)

    assert [p.case.id for p in plan.placements] == [high.id, low.id]
    assert [c.id for c in plan.unplaced] == [unscored_big.id, unscored_small.id]
    assert plan.placements[0].slot.collector == only


def test_dry_run_writes_nothing(team, supervisor):
    collector(team, district="五华区", username="c1")
    case = unassigned_case(team)

    plan = allocate_cases(team=team, by=supervisor, now=NOW, dry_run=True)

    assert len(plan.placements) == 1 and plan.dry_run
    assert plan.summary().startswith("Dry run: 1 case allocated")
    case.refresh_from_db()
    assert case.assigned_collector is None
    assert not CaseAssignment.objects.exists()
    assert not Notification.objects.exists()


def test_only_the_teams_open_unassigned_cases_and_active_collectors(
    team, other_team, supervisor, agent
):
    agent.is_active = False
    agent.save()
    active = collector(team, district="五华区", username="active")
    collector(other_team, district="五华区", username="elsewhere")
    closed = unassigned_case(team, status="closed", closed_on="2026-02-01")
    foreign = unassigned_case(other_team)
    mine = unassigned_case(team)

    allocate_cases(team=team, by=supervisor, now=NOW)

    for case in (closed, foreign, mine):
        case.refresh_from_db()
    assert (closed.assigned_collector, foreign.assigned_collector) == (None, None)
    assert mine.assigned_collector == active


def test_each_collector_gets_one_notification_for_the_run(team, supervisor, mailoutbox):
    supervisor.first_name = "王主管"
    supervisor.save()
    one = collector(team, district="五华区", username="one", email="one@example.com")
    two = collector(team, district="盘龙区", username="two")
    for district in ("五华区", "五华区", "五华区", "盘龙区"):
        unassigned_case(team, district=district)

    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        allocate_cases(team=team, by=supervisor, now=NOW)

    texts = dict(Notification.objects.values_list("recipient", "message"))
    assert texts == {
        one.pk: "3 new cases were allocated to you by 王主管.",
        two.pk: "1 new case was allocated to you by 王主管.",
    }
    assert [m.to for m in mailoutbox] == [["one@example.com"]]


def test_a_previous_current_record_is_closed(team, supervisor, agent):
    case = unassigned_case(team)
    case_assign(case=case, collector=agent, team=team, by=supervisor, now=NOW, reason="x")
    case_assign(case=case, collector=None, team=team, by=supervisor, now=NOW, reason="back")
    agent.staff_profile.district = "五华区"
    agent.staff_profile.save()

    allocate_cases(team=team, by=supervisor, now=NOW)

    records = CaseAssignment.objects.filter(case=case).order_by("id")
    assert [r.ended_at is None for r in records] == [False, False, True]
    assert records.last().collector == agent


def test_assign_many_has_the_same_effect_as_case_assign(team, supervisor, agent):
    one, two = unassigned_case(team), unassigned_case(team)
    case_assign(case=one, collector=agent, team=team, by=supervisor, now=NOW, reason="why")
    cases_assign_many(assignments=[(two.id, agent, "why")], team=team, by=supervisor, now=NOW)

    fields = ("collector", "team", "assigned_by", "started_at", "ended_at", "reason")
    a, b = (CaseAssignment.objects.filter(case=c).values(*fields).get() for c in (one, two))
    assert a == b
    two.refresh_from_db()
    assert (two.assigned_collector, two.team) == (agent, team)


def test_queries_do_not_grow_with_the_cases(team, supervisor, django_assert_max_num_queries):
    collector(team, district="五华区", capacity=500, username="a")
    collector(team, district="盘龙区", capacity=500, username="b")
    collector(team, username="c")
    for n in range(5):
        unassigned_case(team, district=("五华区", "盘龙区", "官渡区")[n % 3])
    with django_assert_max_num_queries(30) as small:
        allocate_cases(team=team, by=supervisor, now=NOW)
    for n in range(60):
        unassigned_case(team, district=("五华区", "盘龙区", "官渡区", "西山区")[n % 4])
    with django_assert_max_num_queries(len(small.captured_queries)):
        plan = allocate_cases(team=team, by=supervisor, now=NOW)
    assert len(plan.placements) == 60
