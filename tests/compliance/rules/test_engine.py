"""The registry and the evaluation (compliance/rules/engine.py): order, decisions, next start."""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from compliance.rules import (
    POST_RULES,
    PRE_RULES,
    TIME_BASED,
    Decision,
    Finding,
    Stage,
    evaluate,
)
from compliance.rules.facts import Interval, PastVisit, SensitiveDate
from compliance.rules.i18n import Text
from compliance.rules.results import decide

from .support import (
    BASE,
    BLOCK,
    DAY,
    FAIL,
    NA,
    PASS,
    POLICIES,
    REVIEW,
    WARN,
    at,
    collector,
    facts_for,
    planned,
    run_table,
    team,
)

# DESIGN.md §6.1, typed in by hand: the stable codes in table order.
# fmt: off
DESIGN_PRE = [
    "VISIT_WINDOW", "BORROWER_PREFERENCES", "SENSITIVE_DATE", "ADVANCE_NOTICE", "PURPOSE_STATED",
    "LOCATION_ALLOWED", "TEAM_SIZE", "COLLECTOR_CREDENTIALS", "COLLECTOR_TRAINING",
    "SCHEDULE_CONFLICT", "VISIT_FREQUENCY", "CONTACT_BUDGET", "CEASE_CONTACT", "REPRESENTED",
    "DISPUTE_OPEN", "VULNERABILITY", "DECEASED", "TARGET_IS_DEBTOR", "RECORDER_REQUIRED",
    "TIME_BARRED",
]
DESIGN_POST = [
    "ACTUAL_WINDOW", "NOTICE_DELIVERED", "TEAM_PRESENT", "PRESENCE_VERIFIED", "DISCLOSURE_AT_START",
    "ENTRY_CONSENT", "PROHIBITED_CONDUCT", "THIRD_PARTY_DISCLOSURE", "NO_CASH_OR_FEES",
    "VISIT_DURATION", "REPORT_TIMELY", "RECORDING_ATTACHED", "VULNERABILITY_OBSERVED",
    "EVIDENCE_METADATA", "EVIDENCE_REUSED",
]
DESIGN_TIME_BASED = {
    "VISIT_WINDOW", "BORROWER_PREFERENCES", "SENSITIVE_DATE", "ADVANCE_NOTICE",
    "SCHEDULE_CONFLICT", "VISIT_FREQUENCY",
}
# fmt: on
# Rules a pack does not apply (DESIGN.md §6.1 "n/a").
NOT_APPLIED = {
    "cn": set(),
    "us": {
        "ADVANCE_NOTICE",
        "RECORDER_REQUIRED",
        "TIME_BARRED",
        "NOTICE_DELIVERED",
        "RECORDING_ATTACHED",
    },
    "uk": {"RECORDER_REQUIRED", "RECORDING_ATTACHED"},
    "in": set(),
}
PACKS = tuple(NOT_APPLIED)
CST = timezone(timedelta(hours=8))
STEP = timedelta(minutes=15)


def test_registry_follows_design_order():
    assert [r.code for r in PRE_RULES] == DESIGN_PRE
    assert [r.code for r in POST_RULES] == DESIGN_POST
    assert set(TIME_BASED) == DESIGN_TIME_BASED


@pytest.mark.parametrize("pack", PACKS)
def test_baseline_is_clean_and_reports_every_rule_once(pack):
    for stage, codes, clean in (
        (Stage.PRE, DESIGN_PRE, Decision.ALLOW),
        (Stage.POST, DESIGN_POST, Decision.CLEAR),
    ):
        verdict = evaluate(stage, BASE[stage][pack], POLICIES[pack])
        assert [f.rule for f in verdict.findings] == codes
        assert (verdict.stage, verdict.decision, verdict.failed) == (stage, clean, ())
        assert (verdict.pack, verdict.pack_version) == (pack.upper(), f"{pack.upper()}-2026.3")
        assert verdict.next_allowed_start is None
        not_applied = {f.rule for f in verdict.findings if f.outcome is NA}
        assert not_applied == NOT_APPLIED[pack] & set(codes)


def _finding(outcome, severity):
    return Finding("X", outcome, severity, Text("x"), "c")


# fmt: off
DECIDE_CASES = [
    ("pre-nothing", Stage.PRE, [], Decision.ALLOW),
    ("pre-pass-and-na", Stage.PRE, [(PASS, BLOCK), (NA, BLOCK)], Decision.ALLOW),
    ("pre-warn-never-decides", Stage.PRE, [(FAIL, WARN)], Decision.ALLOW),
    ("pre-review", Stage.PRE, [(FAIL, REVIEW), (FAIL, WARN)], Decision.REVIEW),
    ("pre-block-wins", Stage.PRE, [(FAIL, REVIEW), (FAIL, BLOCK)], Decision.BLOCK),
    ("pre-order-free", Stage.PRE, [(FAIL, BLOCK), (FAIL, REVIEW)], Decision.BLOCK),
    ("post-nothing", Stage.POST, [], Decision.CLEAR),
    ("post-warn", Stage.POST, [(FAIL, WARN), (NA, BLOCK)], Decision.CLEAR),
    ("post-review-flags", Stage.POST, [(FAIL, REVIEW)], Decision.FLAG),
    ("post-block-flags", Stage.POST, [(FAIL, BLOCK), (PASS, WARN)], Decision.FLAG),
]
# fmt: on


def test_decide():
    def check(stage, findings, expected):
        assert decide(stage, tuple(_finding(o, s) for o, s in findings)) is expected

    run_table(DECIDE_CASES, check)


DEAD_AND_VULNERABLE = frozenset({"vulnerable", "deceased"})
LATE = {"report.submitted_at": BASE[Stage.POST]["cn"].report.check_out_at + timedelta(hours=30)}


# fmt: off
DECISION_CASES = [
    # (id, stage, pack, overrides, decision, codes that failed)
    ("pre-cn-policy-window-warn", "pre", "cn", planned("cn", "08:00", "09:00"),
     Decision.ALLOW, {"VISIT_WINDOW"}),
    ("pre-us-purpose-warn", "pre", "us", {"visit.purpose": ""},
     Decision.ALLOW, {"PURPOSE_STATED"}),
    ("pre-cn-review", "pre", "cn", {"borrower.flags": frozenset({"vulnerable"})},
     Decision.REVIEW, {"VULNERABILITY"}),
    ("pre-in-recorder-review", "pre", "in", {"visit.recorder": False},
     Decision.REVIEW, {"RECORDER_REQUIRED"}),
    ("pre-cn-block-over-review", "pre", "cn", {"borrower.flags": DEAD_AND_VULNERABLE},
     Decision.BLOCK, {"VULNERABILITY", "DECEASED"}),
    ("pre-uk-vulnerable-blocks", "pre", "uk", {"borrower.flags": frozenset({"vulnerable"})},
     Decision.BLOCK, {"VULNERABILITY"}),
    ("pre-us-not-applied-never-fail", "pre", "us", {"visit.recorder": False, "notices": ()},
     Decision.ALLOW, set()),
    ("post-cn-duration-warn", "post", "cn", {"report.check_out_at": at("cn", "11:06")},
     Decision.CLEAR, {"VISIT_DURATION"}),
    ("post-cn-late-warn", "post", "cn", LATE,
     Decision.CLEAR, {"REPORT_TIMELY"}),
    ("post-cn-review-flags", "post", "cn", {"report.check_in_location": None},
     Decision.FLAG, {"PRESENCE_VERIFIED"}),
    ("post-uk-block-flags", "post", "uk", {"report.checklist.cash_collected": True},
     Decision.FLAG, {"NO_CASH_OR_FEES"}),
    ("post-us-not-applied", "post", "us", {"report.recording_attached": False, "notices": ()},
     Decision.CLEAR, set()),
    ("post-in-recording-review-flags", "post", "in", {"report.recording_attached": False},
     Decision.FLAG, {"RECORDING_ATTACHED"}),
]
# fmt: on


def test_evaluate_decision():
    def check(stage, pack, overrides, decision, failed):
        verdict = evaluate(stage, facts_for(pack, overrides, Stage(stage)), POLICIES[pack])
        assert verdict.decision is decision, verdict.decision
        assert {f.rule for f in verdict.failed} == failed, [f.rule for f in verdict.failed]
        assert verdict.next_allowed_start is None

    run_table(DECISION_CASES, check)


def test_post_needs_a_report():
    with pytest.raises(ValueError, match="report"):
        evaluate(Stage.POST, BASE[Stage.PRE]["cn"], POLICIES["cn"])


@pytest.mark.parametrize("stage", [Stage.PRE, Stage.POST])
def test_messages_survive_json(stage):
    """Stored messages render the same after a JSON round trip (tuples, nested Text)."""
    overrides = {
        Stage.PRE: {
            "visit.collectors": (
                collector("c1", work_id_valid_until=None),
                collector("c2", training_valid_until=date(2020, 1, 1)),
            ),
            "borrower.flags": frozenset({"disputed", "complaint_open"}),
            **planned("cn", "21:30", "00:30", 1),
        },
        Stage.POST: {
            "report.checklist.id_shown": False,
            "report.checklist.purpose_stated": False,
            "report.checklist.threats_or_insults": True,
            "report.notes": "坐牢 police",
        },
    }[stage]
    for finding in evaluate(stage, facts_for("cn", overrides, stage), POLICIES["cn"]).findings:
        stored = json.loads(json.dumps(finding.message.as_json(), ensure_ascii=False))
        assert Text.from_json(stored).render() == finding.message.render()


def _shift(start, end):
    return {"visit.start": start, "visit.end": end}


def _week(pack, *days_before):
    return {"visits": tuple(PastVisit(at(pack, "10:00", -d), "completed") for d in days_before)}


TOMORROW = DAY + timedelta(days=1)
NY = ZoneInfo("America/New_York")
BUSY = (Interval(at("cn", "10:00"), at("cn", "11:00")),)
WEDDING = (SensitiveDate(TOMORROW, TOMORROW, "wedding"),)


# fmt: off
NEXT_START_CASES = [
    pytest.param("cn", _shift(datetime(2026, 3, 10, 21, 30, tzinfo=CST),
                              datetime(2026, 3, 10, 22, 30, tzinfo=CST)),
                 datetime(2026, 3, 11, 8, tzinfo=CST), id="window-2130-next-day-0800"),
    pytest.param("cn", _shift(datetime(2026, 3, 10, 13, 30, tzinfo=UTC),
                              datetime(2026, 3, 10, 14, 30, tzinfo=UTC)),
                 datetime(2026, 3, 11, 0, tzinfo=UTC), id="window-utc-input-stays-utc"),
    pytest.param("cn", planned("cn", "21:37", "22:07"), at("cn", "08:07", 1),
                 id="window-steps-from-requested-start"),
    pytest.param("us", _shift(datetime(2026, 3, 10, 20, 30, tzinfo=NY),
                              datetime(2026, 3, 10, 21, 30, tzinfo=NY)),
                 datetime(2026, 3, 11, 8, tzinfo=NY), id="window-us"),
    pytest.param("cn", {"visits": (PastVisit(at("cn", "15:00"), "booked"),)},
                 at("cn", "08:00", 1), id="frequency-later-visit-same-day-next-day-after-window"),
    pytest.param("cn", _week("cn", 6, 2), at("cn", "10:15", 1),
                 id="frequency-week-cap-clears-168h-after-oldest"),
    pytest.param("cn", {"visit.collectors": (collector("c1"), collector("c2", busy=BUSY))},
                 at("cn", "11:00"), id="conflict-next-touching-slot"),
    pytest.param("cn", {"notices": (), "now": at("cn", "14:00", -1)}, at("cn", "14:00"),
                 id="notice-exactly-24h-after-now"),
    pytest.param("cn", {**planned("cn", "21:30", "22:30"), "borrower.sensitive_dates": WEDDING},
                 at("cn", "08:00", 1), id="candidate-with-review-and-warn-qualifies"),
    pytest.param("cn", {}, None, id="allowed"),
    pytest.param("cn", {"borrower.flags": frozenset({"vulnerable"})}, None, id="review-only"),
    pytest.param("cn", {"visit.collectors": team(1)}, None, id="team-size-not-time-based"),
    pytest.param("cn", {"borrower.flags": frozenset({"deceased"})}, None, id="deceased"),
    pytest.param("cn", {"borrower.no_visit_locations": frozenset({"home"})}, None,
                 id="no-visit-place-is-not-time-based"),
    pytest.param("cn", {**planned("cn", "21:30", "22:30"),
                        "borrower.flags": frozenset({"deceased"})}, None,
                 id="time-rule-and-deceased"),
    pytest.param("in", {"borrower.sensitive_dates": (
        SensitiveDate(DAY, DAY + timedelta(days=19), "bereavement"),)}, None,
                 id="in-sensitive-20-days-nothing-within-14-days"),
]
# fmt: on


@pytest.mark.parametrize(("pack", "overrides", "expected"), NEXT_START_CASES)
def test_next_allowed_start(pack, overrides, expected):
    facts = facts_for(pack, overrides)
    policy = POLICIES[pack]
    verdict = evaluate("pre", facts, policy)
    found = verdict.next_allowed_start
    assert found == expected
    if expected is None:
        return
    assert verdict.decision is Decision.BLOCK
    requested = facts.visit.start
    assert found.tzinfo is requested.tzinfo  # in the input's offset
    assert (found - requested) % STEP == timedelta(0)
    duration = facts.visit.end - requested
    moved = facts_for(pack, {**overrides, "visit.start": found, "visit.end": found + duration})
    assert evaluate("pre", moved, policy).decision is not Decision.BLOCK
    earlier = facts_for(
        pack, {**overrides, "visit.start": found - STEP, "visit.end": found - STEP + duration}
    )
    assert evaluate("pre", earlier, policy).decision is Decision.BLOCK
