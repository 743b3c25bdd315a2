"""compliance/facts.py: the ORM read into the rules' frozen facts, in few queries."""

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import compliance
from collections_app.models import CallRecord
from compliance.facts import VisitPlan, facts_for_visit, plan_facts
from compliance.rules import Decision, Outcome, evaluate, policy_from_pack
from compliance.rules.facts import Call, Interval, NoVisitWindow, PastVisit, SensitiveDate
from tests import factories as f
from visits.models import Notice, Visit

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
START = datetime(2026, 12, 2, 10, 0, tzinfo=SH)  # a Wednesday
END = START + timedelta(hours=1)
VISIT_DAY = date(2026, 12, 2)
PURPOSE = "Discuss the overdue instalments and a repayment plan"


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in December 2026, Shanghai time."""
    return datetime(2026, 12, day, hour, minute, tzinfo=SH)


def plan(case, *collectors, start=START, end=END, **overrides) -> VisitPlan:
    fields = {
        "location_type": "home",
        "purpose": PURPOSE,
        "recorder": True,
        "collector_ids": tuple(c.pk for c in collectors),
    }
    fields.update(overrides)
    return VisitPlan(case=case, start=start, end=end, **fields)


def facts_of(case, *collectors, **overrides):
    return plan_facts(plan=plan(case, *collectors, **overrides), now=NOW)


# Borrower


def test_visit_facts_and_now_come_from_the_plan(case, agent):
    facts = facts_of(
        case,
        agent,
        location_type="workplace",
        target="third_party",
        locate_only=True,
        purpose="Locate the borrower",
        recorder=False,
    )
    assert facts.now == NOW
    assert (facts.visit.start, facts.visit.end) == (START, END)
    assert facts.visit.location_type == "workplace"
    assert facts.visit.target == "third_party"
    assert facts.visit.locate_only is True
    assert facts.visit.purpose == "Locate the borrower"
    assert facts.visit.recorder is False
    assert facts.holidays == ()  # the service adds them


def test_borrower_flags_preferences_and_zone(case):
    borrower = case.borrower
    borrower.vulnerable = borrower.hardship = borrower.represented = True
    borrower.representative_contact = "云南某律师事务所 0871-12345678"
    borrower.timezone = "Asia/Urumqi"
    borrower.no_visit_windows = [
        {"weekdays": [5, 6], "start": "00:00", "end": "23:59"},
        {"weekdays": [0], "start": "12:00", "end": "14:30"},
    ]
    borrower.no_visit_locations = ["workplace"]
    borrower.consents = ["hospital_visit"]
    borrower.save()

    facts = facts_of(case).borrower

    assert facts.flags == {"vulnerable", "represented", "hardship"}
    assert facts.timezone == "Asia/Urumqi"
    assert facts.no_visit_windows == (
        NoVisitWindow(frozenset({5, 6}), time(0, 0), time(23, 59)),
        NoVisitWindow(frozenset({0}), time(12, 0), time(14, 30)),
    )
    assert facts.no_visit_locations == {"workplace"}
    assert facts.consents == {"hospital_visit"}


def test_borrower_without_flags_or_preferences(case):
    facts = facts_of(case).borrower
    assert facts.flags == frozenset()
    assert facts.no_visit_windows == ()
    assert facts.no_visit_locations == frozenset()
    assert facts.consents == frozenset()
    assert facts.sensitive_dates == ()
    assert facts.failed_contact_attempts == 0


def test_sensitive_dates_around_the_visit_day(case, other_case):
    b = case.borrower
    f.make_sensitive_date(borrower=b, starts_on=date(2026, 11, 20), ends_on=date(2026, 11, 30))
    f.make_sensitive_date(
        borrower=b, starts_on=date(2026, 11, 25), ends_on=date(2026, 12, 1), reason="hospital_stay"
    )
    f.make_sensitive_date(
        borrower=b, starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2), reason="wedding"
    )
    f.make_sensitive_date(borrower=b, starts_on=date(2026, 12, 17), ends_on=date(2026, 12, 20))
    f.make_sensitive_date(borrower=b, starts_on=date(2026, 12, 18), ends_on=date(2026, 12, 20))
    f.make_sensitive_date(borrower=other_case.borrower, starts_on=VISIT_DAY, ends_on=VISIT_DAY)

    assert facts_of(case).borrower.sensitive_dates == (
        SensitiveDate(date(2026, 11, 25), date(2026, 12, 1), "hospital_stay"),
        SensitiveDate(date(2026, 12, 2), date(2026, 12, 2), "wedding"),
        SensitiveDate(date(2026, 12, 17), date(2026, 12, 20), "bereavement"),
    )


def test_sensitive_dates_use_the_local_visit_day(case):
    """17:00 UTC on 1 December is 01:00 on 2 December in Shanghai."""
    f.make_sensitive_date(
        borrower=case.borrower, starts_on=date(2026, 12, 17), ends_on=date(2026, 12, 17)
    )
    utc = ZoneInfo("UTC")
    early = facts_of(
        case, start=datetime(2026, 12, 1, 17, tzinfo=utc), end=datetime(2026, 12, 1, 18, tzinfo=utc)
    )
    assert [s.first for s in early.borrower.sensitive_dates] == [date(2026, 12, 17)]


def _calls(borrower, *pattern):
    """One call per character, an hour apart on 20 November: c = connected, x = not."""
    for n, kind in enumerate(pattern):
        CallRecord.objects.create(
            borrower=borrower, at=at(1, 8) - timedelta(days=11, hours=-n), connected=kind == "c"
        )


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", 0),
        ("xxx", 3),
        ("xcxx", 2),
        ("xxc", 0),
        ("cxcx", 1),
    ],
)
def test_failed_contact_attempts_since_the_last_connected_call(case, other_case, pattern, expected):
    _calls(case.borrower, *pattern)
    _calls(other_case.borrower, "x", "x", "x", "x")  # someone else's calls do not count
    assert facts_of(case).borrower.failed_contact_attempts == expected


# Debt


def test_debt_dates(agent):
    borrower = f.make_borrower()
    case = f.make_case(borrower=borrower)
    active = f.make_loan(borrower=borrower)
    f.make_installment(
        loan=active, number=1, due_on=date(2025, 1, 15), paid_amount=f.Decimal("1000.00")
    )  # fully paid
    f.make_installment(
        loan=active, number=2, due_on=date(2025, 2, 15), paid_amount=f.Decimal("400.00")
    )  # partly paid: the oldest unpaid
    f.make_installment(loan=active, number=3, due_on=date(2025, 3, 15))
    closed = f.make_loan(borrower=borrower, status="closed")
    f.make_installment(loan=closed, number=1, due_on=date(2024, 1, 15))
    other = f.make_loan(schedule=[(date(2023, 1, 1), "500.00")])  # another borrower's
    f.make_repayment(loan=active, paid_on=date(2025, 1, 20), amount="1000.00")
    f.make_repayment(loan=closed, paid_on=date(2025, 4, 2), amount="400.00")
    f.make_repayment(loan=other, paid_on=date(2026, 5, 1), amount="10.00")

    debt = facts_of(case, agent).debt

    assert debt.oldest_unpaid_due_date == date(2025, 2, 15)
    assert debt.last_acknowledged_on == date(2025, 4, 2)


def test_written_off_debt_is_still_debt():
    borrower = f.make_borrower()
    case = f.make_case(borrower=borrower)
    f.make_loan(borrower=borrower, schedule=[(date(2025, 6, 1), "300.00")])
    f.make_loan(borrower=borrower, status="written_off", schedule=[(date(2022, 6, 1), "300.00")])
    assert facts_of(case).debt.oldest_unpaid_due_date == date(2022, 6, 1)


def test_no_debt_and_no_payment():
    case = f.make_case()
    debt = facts_of(case).debt
    assert (debt.oldest_unpaid_due_date, debt.last_acknowledged_on) == (None, None)


# Collectors


def test_collector_credentials_choose_the_latest_usable(case, agent, other_agent, other_case):
    c = lambda kind, until, **kw: f.make_credential(  # noqa: E731
        collector=agent, kind=kind, valid_until=until, **kw
    )
    c("work_id", date(2026, 6, 30))  # expired
    c("work_id", date(2027, 6, 30))  # the one
    c("work_id", date(2029, 1, 1), revoked=True)
    c("work_id", date(2029, 1, 1), valid_from=date(2026, 12, 3))  # not yet valid
    c("authorization", date(2027, 1, 31))  # general
    c("authorization", date(2029, 1, 1), case=other_case)  # for another case
    c("authorization", date(2028, 1, 1), case=case)  # for this case: the latest usable
    c("authorization", date(2030, 1, 1), case=case, revoked=True)
    c("training", date(2026, 11, 30))  # only an expired one: reported, so the rule can say so
    c("certification", date(2027, 1, 1), code="IIBF")
    c("certification", date(2026, 12, 1), code="OLD")  # expired the day before
    c("certification", date(2027, 1, 1), code="REV", revoked=True)
    c("certification", date(2027, 1, 1), code="NEW", valid_from=date(2026, 12, 3))
    c("certification", date(2026, 12, 2), code="EDGE", valid_from=date(2026, 12, 2))
    f.make_credential(
        collector=other_agent, kind="authorization", valid_until=date(2029, 1, 1), case=other_case
    )

    mine, theirs = facts_of(case, agent, other_agent).visit.collectors

    assert mine.id == "agent"
    assert mine.work_id_valid_until == date(2027, 6, 30)
    assert mine.authorization_valid_until == date(2028, 1, 1)
    assert mine.training_valid_until == date(2026, 11, 30)
    assert mine.certifications == {"IIBF", "EDGE"}
    assert theirs.id == "other_agent"
    assert (
        theirs.work_id_valid_until,
        theirs.authorization_valid_until,
        theirs.training_valid_until,
        theirs.certifications,
    ) == (None, None, None, frozenset())


def test_credentials_are_compared_with_the_local_visit_day(case, agent):
    """16:30 UTC on 1 December is already 2 December in Shanghai."""
    f.make_credential(
        collector=agent, kind="work_id", valid_from=date(2026, 12, 2), valid_until=date(2027, 1, 1)
    )
    utc = ZoneInfo("UTC")
    start = datetime(2026, 12, 1, 16, 30, tzinfo=utc)
    facts = facts_of(case, agent, start=start, end=start + timedelta(hours=1))
    assert facts.visit.collectors[0].work_id_valid_until == date(2027, 1, 1)
    facts = facts_of(case, agent, start=start - timedelta(hours=1), end=start)
    assert facts.visit.collectors[0].work_id_valid_until is None


def test_collectors_in_plan_order_once_each(case, agent, other_agent):
    facts = facts_of(
        case, other_agent, agent, collector_ids=(other_agent.pk, agent.pk, other_agent.pk)
    )
    assert [c.id for c in facts.visit.collectors] == ["other_agent", "agent"]
    assert facts_of(case).visit.collectors == ()


def test_busy_times_are_the_collectors_other_counting_visits(case, other_case, agent, other_agent):
    together = f.make_visit(case=other_case, start=at(2, 14), members=[agent, other_agent])
    f.make_visit(case=other_case, start=at(1, 16), members=[agent])  # the day before: kept
    f.make_visit(case=other_case, start=at(16, 9), members=[agent])  # within the look-ahead
    f.make_visit(case=other_case, start=at(18, 9), members=[agent])  # beyond it
    f.make_visit(case=other_case, start=at(2, 16), members=[agent], status="cancelled")
    f.make_visit(case=other_case, start=at(2, 17), members=[agent], status="rescheduled")
    f.make_visit(case=other_case, start=at(2, 18), members=[agent], status="draft")
    f.make_visit(case=other_case, start=at(2, 19), members=[agent], status="reported")
    f.make_visit(case=other_case, start=at(2, 12), members=[f.make_user()])  # someone else's
    own = f.make_visit(case=case, start=START, members=[agent, other_agent])

    facts = plan_facts(plan=plan(case, agent, other_agent, visit_id=own.pk), now=NOW)

    mine, theirs = facts.visit.collectors
    assert mine.busy == (
        Interval(at(1, 16), at(1, 17)),
        Interval(at(2, 14), at(2, 15)),
        Interval(at(2, 19), at(2, 20)),
        Interval(at(16, 9), at(16, 10)),
    )
    assert theirs.busy == (Interval(together.planned_start, together.planned_end),)
    # A new plan (no visit_id) sees the saved visit at the same time as busy.
    fresh = facts_of(case, other_agent)
    assert Interval(START, END) in fresh.visit.collectors[0].busy


# History


def test_visit_history_maps_statuses(case, other_case, agent):
    for day, status in [
        (26, "draft"),
        (27, "cancelled"),
        (28, "rescheduled"),
        (29, "pending_approval"),
        (30, "booked"),
        (1, "in_progress"),
        (3, "reported"),
        (4, "approved"),
        (5, "returned"),
    ]:
        month = 11 if day > 20 else 12
        f.make_visit(case=case, start=datetime(2026, month, day, 10, tzinfo=SH), status=status)
    f.make_visit(case=case, start=at(2, 10) - timedelta(days=8, minutes=1))  # too early
    f.make_visit(case=case, start=at(17, 10))  # within end + 15 days
    f.make_visit(case=case, start=at(17, 11, 1))  # beyond
    f.make_visit(case=other_case, start=START)  # another borrower
    own = f.make_visit(case=case, start=START)

    facts = plan_facts(plan=plan(case, visit_id=own.pk), now=NOW)

    assert facts.visits == (
        PastVisit(datetime(2026, 11, 27, 10, tzinfo=SH), "cancelled"),
        PastVisit(datetime(2026, 11, 28, 10, tzinfo=SH), "cancelled"),
        PastVisit(datetime(2026, 11, 29, 10, tzinfo=SH), "booked"),
        PastVisit(datetime(2026, 11, 30, 10, tzinfo=SH), "booked"),
        PastVisit(at(1), "booked"),
        PastVisit(at(3), "completed"),
        PastVisit(at(4), "completed"),
        PastVisit(at(5), "completed"),
        PastVisit(at(17), "booked"),
    )
    assert PastVisit(START, "booked") in facts_of(case).visits  # not excluded without visit_id


def test_calls_around_the_visit(case, other_case):
    for moment, connected in [
        (START - timedelta(days=2, minutes=1), True),  # too early
        (START - timedelta(days=2), False),
        (at(2, 8, 30), True),
        (END + timedelta(days=15), True),
        (END + timedelta(days=15, minutes=1), True),  # too late
    ]:
        CallRecord.objects.create(borrower=case.borrower, at=moment, connected=connected)
    CallRecord.objects.create(borrower=other_case.borrower, at=at(2, 9), connected=True)

    assert facts_of(case).calls == (
        Call(START - timedelta(days=2), False),
        Call(at(2, 8, 30), True),
        Call(END + timedelta(days=15), True),
    )


def test_notices_are_those_of_the_visit_being_rechecked(case, agent):
    visit = f.make_visit(case=case, start=START, members=[agent])
    other = f.make_visit(case=case, start=at(9), members=[agent])
    Notice.objects.create(
        visit=visit,
        channel="sms",
        status="delivered",
        states_purpose=True,
        sent_at=at(1, 8),
        delivered_at=at(1, 8, 1),
    )
    Notice.objects.create(
        visit=visit, channel="email", status="sent", states_purpose=False, sent_at=at(1, 8)
    )
    Notice.objects.create(visit=visit, channel="letter")
    Notice.objects.create(
        visit=other, channel="sms", status="delivered", sent_at=at(1, 7), delivered_at=at(1, 7)
    )

    notices = plan_facts(plan=plan(case, agent, visit_id=visit.pk), now=NOW).notices

    assert [(n.channel, n.sent_at, n.delivered_at, n.states_purpose) for n in notices] == [
        ("sms", at(1, 8), at(1, 8, 1), True),
        ("email", at(1, 8), None, False),
        ("letter", None, None, True),
    ]
    assert facts_of(case, agent).notices == ()


def test_facts_for_visit_builds_the_plan_from_the_saved_visit(case, agent, other_agent):
    visit = f.make_visit(
        case=case,
        start=START,
        hours=2,
        members=[agent, other_agent],
        location_type="agreed_place",
        target="guarantor",
        recorder=False,
    )
    Notice.objects.create(visit=visit, channel="sms")

    the_plan, facts = facts_for_visit(visit=Visit.objects.get(pk=visit.pk), now=NOW)

    assert the_plan == VisitPlan(
        case=case,
        start=START,
        end=START + timedelta(hours=2),
        location_type="agreed_place",
        target="guarantor",
        locate_only=False,
        purpose=PURPOSE,
        recorder=False,
        collector_ids=(agent.pk, other_agent.pk),
        visit_id=visit.pk,
    )
    assert [c.id for c in facts.visit.collectors] == ["agent", "other_agent"]
    assert facts.visits == ()
    assert facts.visit.collectors[0].busy == ()
    assert [n.channel for n in facts.notices] == ["sms"]
    assert facts.visit.target == "guarantor"


# The query bound


def _busy_world(case, other_case, collectors):
    for n, user in enumerate(collectors):
        f.credentialed(user)
        f.make_credential(
            collector=user, kind="authorization", valid_until=date(2028, 1, 1), case=case
        )
        f.make_credential(
            collector=user, kind="certification", code="IIBF", valid_until=date(2028, 1, 1)
        )
        f.make_credential(
            collector=user, kind="work_id", valid_until=date(2029, 1, 1), revoked=True
        )
        for day in (3, 4, 5):
            f.make_visit(case=other_case, start=at(day, 9 + n), members=[user])
    for day in (26, 28, 30):
        f.make_visit(case=case, start=datetime(2026, 11, day, 10, tzinfo=SH), status="approved")
    for hour in range(8, 20):
        CallRecord.objects.create(borrower=case.borrower, at=at(1, hour), connected=hour % 3 == 0)
    f.make_sensitive_date(borrower=case.borrower, starts_on=VISIT_DAY, ends_on=VISIT_DAY)
    own = f.make_visit(case=case, start=START, members=list(collectors))
    Notice.objects.create(
        visit=own, channel="sms", status="delivered", sent_at=at(1, 8), delivered_at=at(1, 8)
    )
    Notice.objects.create(visit=own, channel="email")
    return own


def _queries(case, own, collectors) -> int:
    the_plan = plan(case, *collectors, visit_id=own.pk)
    with CaptureQueriesContext(connection) as ctx:
        facts = plan_facts(plan=the_plan, now=NOW)
    assert len(facts.visit.collectors) == len(collectors)
    return len(ctx.captured_queries)


def test_plan_facts_takes_at_most_eight_queries(
    case, other_case, agent, other_agent, supervisor, django_assert_max_num_queries
):
    collectors = [agent, other_agent, supervisor, f.make_user(role="collector")]
    own = _busy_world(case, other_case, collectors)
    the_plan = plan(case, *collectors, visit_id=own.pk)

    with django_assert_max_num_queries(8):
        facts = plan_facts(plan=the_plan, now=NOW)

    assert all(c.work_id_valid_until == date(2027, 6, 30) for c in facts.visit.collectors)
    assert all(len(c.busy) == 3 for c in facts.visit.collectors)
    assert len(facts.visits) == 3
    assert len(facts.calls) == 12
    assert len(facts.notices) == 2
    # The count does not grow with the number of collectors, credentials, visits or calls.
    assert _queries(case, own, collectors[:1]) == _queries(case, own, collectors) <= 8


def test_facts_for_visit_adds_only_the_members_and_case(
    case, agent, other_agent, django_assert_max_num_queries
):
    visit = f.make_visit(case=case, start=START, members=[agent, other_agent])
    loaded = Visit.objects.select_related("case").get(pk=visit.pk)
    with django_assert_max_num_queries(9):
        facts_for_visit(visit=loaded, now=NOW)


# End to end with the CN pack


@pytest.fixture
def cn_policy():
    path = Path(compliance.__file__).parent / "packs" / "cn.json"
    with path.open(encoding="utf-8") as fh:
        return policy_from_pack(json.load(fh))


def _failed(verdict) -> set[str]:
    return {finding.rule for finding in verdict.findings if finding.outcome == Outcome.FAIL}


def test_cn_pack_allows_a_clean_plan_and_blocks_a_second_visit_the_same_day(
    case, agent, other_agent, other_case, cn_policy
):
    f.credentialed(agent)
    f.credentialed(other_agent)
    the_plan = plan(case, agent, other_agent)

    verdict = evaluate("pre", plan_facts(plan=the_plan, now=NOW), cn_policy)

    assert verdict.decision == Decision.ALLOW, _failed(verdict)
    assert _failed(verdict) == set()

    # Another team books the borrower the same afternoon; the plan is re-checked.
    others = [
        f.credentialed(f.make_user(role="collector")),
        f.credentialed(f.make_user(role="collector")),
    ]
    f.make_visit(case=case, start=at(2, 15), members=others)

    verdict = evaluate("pre", plan_facts(plan=the_plan, now=NOW), cn_policy)

    assert verdict.decision == Decision.BLOCK
    assert _failed(verdict) == {"VISIT_FREQUENCY"}
    assert verdict.next_allowed_start is not None
    assert verdict.next_allowed_start.astimezone(SH).date() > VISIT_DAY


def test_cn_pack_blocks_an_uncredentialed_collector(case, agent, other_agent, cn_policy):
    f.credentialed(agent)
    f.make_credential(collector=other_agent, kind="work_id", valid_until=date(2027, 6, 30))
    f.make_credential(
        collector=other_agent, kind="authorization", valid_until=date(2027, 1, 31), revoked=True
    )
    f.make_credential(collector=other_agent, kind="training", valid_until=date(2027, 3, 1))

    verdict = evaluate("pre", facts_of(case, agent, other_agent), cn_policy)

    assert verdict.decision == Decision.BLOCK
    assert _failed(verdict) == {"COLLECTOR_CREDENTIALS"}
    assert verdict.next_allowed_start is None  # not a time-based rule
