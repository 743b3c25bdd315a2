"""Bulk reassignment: history kept, capacity guarded, one notification per collector."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from collections_app.models import Case, CaseAssignment, Notification
from collections_app.services.allocation import cases_reassign
from collections_app.services.cases import case_assign

from .allocation_helpers import collector, held_cases, unassigned_case

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def boss(supervisor):
    supervisor.first_name = "王主管"
    supervisor.save()
    return supervisor


def assigned(team, holder, count, by):
    cases = [unassigned_case(team) for _n in range(count)]
    for case in cases:
        case_assign(case=case, collector=holder, team=team, by=by, now=NOW, reason="start")
    return cases


def test_cases_move_with_history_and_one_notification_each(team, boss, agent, mailoutbox):
    target = collector(team, username="target", first_name="target", email="t@example.com")
    other = collector(team, username="other")
    cases = assigned(team, agent, 3, boss) + assigned(team, other, 2, boss)
    loose = unassigned_case(team)
    picked = [c.public_id for c in cases] + [loose.public_id]

    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        result = cases_reassign(
            team=team,
            case_ids=picked,
            collector=target,
            reason="agent on leave",
            by=boss,
            now=LATER,
        )

    assert (result.moved, result.load, result.capacity) == (6, 6, 40)
    assert Case.objects.filter(assigned_collector=target).count() == 6
    history = CaseAssignment.objects.filter(case=cases[0]).order_by("id")
    assert [(r.collector, r.ended_at, r.reason) for r in history] == [
        (agent, LATER, "start"),
        (target, None, "agent on leave"),
    ]
    assert history.last().assigned_by == boss
    texts = dict(Notification.objects.values_list("recipient", "message"))
    assert texts == {
        target.pk: "6 cases were assigned to you by 王主管: agent on leave",
        agent.pk: "3 of your cases were reassigned to target by 王主管: agent on leave",
        other.pk: "2 of your cases were reassigned to target by 王主管: agent on leave",
    }
    assert [m.to for m in mailoutbox] == [["t@example.com"]]
    assert "6 cases were assigned to you" in mailoutbox[0].body


def test_over_capacity_is_refused_unless_confirmed(team, boss, agent):
    small = collector(team, username="small", first_name="small", capacity=3)
    held_cases(small, team, 2)
    cases = assigned(team, agent, 2, boss)
    ids = [c.public_id for c in cases]

    with pytest.raises(ValidationError) as refused:
        cases_reassign(team=team, case_ids=ids, collector=small, reason="r", by=boss, now=LATER)
    assert refused.value.message_dict == {
        "confirm_over_capacity": [
            "small would hold 4 open cases, over the capacity of 3. "
            "Tick the box to reassign anyway."
        ]
    }
    assert not Notification.objects.exists()

    result = cases_reassign(
        team=team,
        case_ids=ids,
        collector=small,
        reason="r",
        by=boss,
        now=LATER,
        allow_over_capacity=True,
    )
    assert result.over_capacity and result.load == 4


def test_other_teams_cases_and_collectors_are_refused(team, other_team, boss, agent, other_case):
    target = collector(team, username="target")
    outsider = collector(other_team, username="outsider")
    mine = assigned(team, agent, 1, boss)[0]

    with pytest.raises(ValidationError) as refused:
        cases_reassign(
            team=team,
            case_ids=[mine.public_id, other_case.public_id],
            collector=target,
            reason="r",
            by=boss,
            now=LATER,
        )
    assert list(refused.value.message_dict) == ["cases"]
    with pytest.raises(ValidationError) as refused:
        cases_reassign(
            team=team,
            case_ids=[mine.public_id],
            collector=outsider,
            reason="r",
            by=boss,
            now=LATER,
        )
    assert list(refused.value.message_dict) == ["collector"]
    with pytest.raises(ValidationError) as refused:
        cases_reassign(
            team=team,
            case_ids=[mine.public_id],
            collector=target,
            reason="  ",
            by=boss,
            now=LATER,
        )
    assert list(refused.value.message_dict) == ["reason"]
    mine.refresh_from_db()
    assert mine.assigned_collector == agent


def test_cases_already_held_are_left_alone(team, boss, agent):
    cases = assigned(team, agent, 2, boss)
    with pytest.raises(ValidationError) as refused:
        cases_reassign(
            team=team,
            case_ids=[c.public_id for c in cases],
            collector=agent,
            reason="r",
            by=boss,
            now=LATER,
        )
    assert list(refused.value.message_dict) == ["cases"]
    other = unassigned_case(team)
    result = cases_reassign(
        team=team,
        case_ids=[cases[0].public_id, other.public_id],
        collector=agent,
        reason="r",
        by=boss,
        now=LATER,
    )
    assert (result.moved, result.already_held) == (1, 1)
    assert CaseAssignment.objects.filter(case=cases[0]).count() == 1
