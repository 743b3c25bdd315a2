"""The registry's statuses (valid / expiring / not yet valid / expired / revoked / missing),
its filters, the expiring list, and a query bound that holds for many collectors."""

from datetime import date, timedelta

import pytest

from compliance.selectors.credentials import (
    credential_registry,
    credential_status,
    credentials_expiring,
)
from tests import factories as f

TODAY = date(2026, 12, 1)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def cred(collector, kind="work_id", *, start=-100, end=200, **fields):
    return f.make_credential(
        collector=collector, kind=kind, valid_from=days(start), valid_until=days(end), **fields
    )


def row_of(collector, **filters):
    rows = [r for r in credential_registry(today=TODAY, **filters) if r.collector == collector]
    return rows[0] if rows else None


def statuses(row) -> dict[str, str]:
    return {slot.kind: slot.status for slot in row.required}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "valid"),
        ({"end": 31}, "valid"),
        ({"end": 30}, "expiring"),
        ({"end": 0}, "expiring"),  # the last valid day is today
        ({"end": -1}, "expired"),
        ({"start": 1}, "upcoming"),
        ({"revoked": True}, "revoked"),
        ({"end": -1, "revoked": True}, "revoked"),
    ],
)
def test_status_of_one_credential(agent, fields, expected):
    assert credential_status(cred(agent, **fields), today=TODAY) == expected


class TestDecidingRow:
    def test_missing_documents(self, agent):
        assert statuses(row_of(agent)) == {
            "work_id": "missing",
            "authorization": "missing",
            "training": "missing",
        }

    def test_in_force_beats_older_expired_and_revoked(self, agent):
        cred(agent, end=-10)
        cred(agent, end=400, revoked=True)
        current = cred(agent, end=100)
        slot = row_of(agent).required[0]
        assert (slot.credential, slot.status) == (current, "valid")

    def test_latest_expired_when_nothing_is_in_force(self, agent):
        cred(agent, end=-50)
        latest = cred(agent, end=-5)
        cred(agent, end=100, revoked=True)
        slot = row_of(agent).required[0]
        assert (slot.credential, slot.status) == (latest, "expired")

    def test_revoked_when_only_revoked(self, agent):
        cred(agent, revoked=True)
        assert row_of(agent).required[0].status == "revoked"

    def test_expiring_renewed_without_a_gap_is_valid(self, agent):
        old = cred(agent, end=10)
        renewal = cred(agent, start=11, end=400)
        slot = row_of(agent).required[0]
        assert (slot.credential, slot.renewal, slot.status) == (old, renewal, "valid")
        assert slot.last_day == days(400)

    def test_a_gap_or_a_revoked_renewal_does_not_renew(self, agent, other_agent):
        cred(agent, end=10)
        cred(agent, start=12, end=400)  # one day uncovered
        cred(other_agent, end=10)
        cred(other_agent, start=5, end=400, revoked=True)
        assert row_of(agent).required[0].status == "expiring"
        assert row_of(other_agent).required[0].status == "expiring"

    def test_case_letters_and_certifications_are_their_own_documents(self, agent, case):
        cred(agent, "authorization", end=100)
        cred(agent, "authorization", end=5, case=case)
        cred(agent, "certification", end=-1, code="IIBF")
        cred(agent, "certification", end=300, code="CFA")
        row = row_of(agent)
        assert row.required[1].status == "valid"
        others = {(s.kind, s.label): s.status for s in row.others}
        assert others == {
            ("authorization", str(case)): "expiring",
            ("certification", "IIBF"): "expired",
            ("certification", "CFA"): "valid",
        }


class TestFilters:
    @pytest.fixture
    def collectors(self, agent, other_agent, team):
        """agent: all valid; other_agent: work ID expiring, no training; third: expired."""
        f.credentialed(agent)
        cred(other_agent, end=20)
        cred(other_agent, "authorization")
        third = f.make_user(role="collector", team=team, username="third")
        cred(third, end=-3)
        cred(third, "authorization")
        cred(third, "training")
        return agent, other_agent, third

    def shown(self, **filters) -> set[str]:
        return {r.collector.username for r in credential_registry(today=TODAY, **filters)}

    def test_only_active_collectors_are_listed(self, collectors, supervisor, compliance_officer):
        gone = f.make_user(role="collector", is_active=False)
        cred(gone)
        assert self.shown() == {"agent", "other_agent", "third"}

    def test_by_team(self, collectors, team, other_team):
        assert self.shown(team=team) == {"agent", "third"}
        assert self.shown(team=other_team) == {"other_agent"}

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            ({"status": "valid"}, {"agent"}),  # every required document valid
            ({"status": "expiring"}, {"other_agent"}),
            ({"status": "expired"}, {"third"}),
            ({"status": "missing"}, {"other_agent"}),
            ({"status": "revoked"}, set()),
            ({"kind": "work_id", "status": "valid"}, {"agent"}),
            ({"kind": "training", "status": "valid"}, {"agent", "third"}),
            ({"kind": "training", "status": "missing"}, {"other_agent"}),
            ({"kind": "authorization", "status": "valid"}, {"agent", "other_agent", "third"}),
            ({"kind": "work_id"}, {"agent", "other_agent", "third"}),
        ],
    )
    def test_by_kind_and_status(self, collectors, filters, expected):
        assert self.shown(**filters) == expected


class TestExpiring:
    def test_soonest_first_and_renewed_ones_left_out(self, agent, other_agent, case):
        later = cred(agent, "training", end=25)
        sooner = cred(other_agent, "work_id", end=3)
        letter = cred(agent, "authorization", end=10, case=case)
        cred(agent, "work_id", end=8)
        cred(agent, "work_id", start=9, end=400)  # renewed
        cred(agent, "authorization", end=40)  # outside 30 days
        cred(other_agent, "training", end=-1)  # already expired
        slots = credentials_expiring(today=TODAY)
        assert [s.credential for s in slots] == [sooner, letter, later]
        assert [s.days_left for s in slots] == [3, 10, 25]
        assert [s.credential for s in credentials_expiring(today=TODAY, kind="training")] == [later]


def test_query_count_does_not_grow_with_collectors(
    team, other_team, case, django_assert_num_queries
):
    for n in range(60):
        collector = f.make_user(role="collector", team=team if n % 2 else other_team)
        f.credentialed(collector)
        cred(collector, "certification", code="IIBF", end=n)
        if n % 2:
            cred(collector, "authorization", case=case, end=n)
    with django_assert_num_queries(2):  # collectors with profiles and teams; credentials
        rows = credential_registry(today=TODAY, status="expiring")
    assert len(rows) == 31
    with django_assert_num_queries(2):
        for row in credential_registry(today=TODAY):
            for slot in row.slots():
                str(slot.label), slot.collector.staff_profile.team
