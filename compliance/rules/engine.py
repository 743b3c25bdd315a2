"""The registry and the evaluation: explicit rule tuples in the order of DESIGN.md §6.1."""

from dataclasses import replace
from datetime import datetime, timedelta

from . import borrower, conduct, evidence, frequency, hours, people
from .base import Rule, not_required
from .facts import Facts
from .policy import Policy
from .results import Decision, Finding, Stage, Verdict, decide

PRE_RULES: tuple[Rule, ...] = (
    hours.visit_window,
    hours.borrower_preferences,
    hours.sensitive_date,
    hours.advance_notice,
    people.purpose_stated,
    people.location_allowed,
    people.team_size,
    people.collector_credentials,
    people.collector_training,
    frequency.schedule_conflict,
    frequency.visit_frequency,
    frequency.contact_budget,
    borrower.cease_contact,
    borrower.represented,
    borrower.dispute_open,
    borrower.vulnerability,
    borrower.deceased,
    people.target_is_debtor,
    people.recorder_required,
    borrower.time_barred,
)

POST_RULES: tuple[Rule, ...] = (
    hours.actual_window,
    hours.notice_delivered,
    people.team_present,
    conduct.presence_verified,
    conduct.disclosure_at_start,
    conduct.entry_consent,
    conduct.prohibited_conduct,
    conduct.third_party_disclosure,
    conduct.no_cash_or_fees,
    hours.visit_duration,
    hours.report_timely,
    conduct.recording_attached,
    conduct.vulnerability_observed,
    evidence.evidence_metadata,
    evidence.evidence_reused,
)

# Rules whose outcome can change by moving the visit in time (DESIGN.md §6.1).
TIME_BASED = frozenset(
    {
        "VISIT_WINDOW",
        "BORROWER_PREFERENCES",
        "SENSITIVE_DATE",
        "ADVANCE_NOTICE",
        "SCHEDULE_CONFLICT",
        "VISIT_FREQUENCY",
    }
)
STEP = timedelta(minutes=15)
LOOK_AHEAD = timedelta(days=14)
_BY_CODE = {r.code: r for r in PRE_RULES + POST_RULES}  # type: ignore[attr-defined]


def rules_for(stage: Stage) -> tuple[Rule, ...]:
    return PRE_RULES if stage is Stage.PRE else POST_RULES


def run_rules(stage: Stage, facts: Facts, policy: Policy) -> tuple[Finding, ...]:
    if stage is Stage.POST and facts.report is None:
        raise ValueError("a post-visit check needs the visit report")
    configs = policy.rules
    return tuple(
        rule(facts, policy) if configs[rule.code].applies else not_required(rule.code, policy)
        for rule in rules_for(stage)
    )


def evaluate(stage: Stage, facts: Facts, policy: Policy) -> Verdict:
    stage = Stage(stage)
    findings = run_rules(stage, facts, policy)
    decision = decide(stage, findings)
    next_start = None
    if decision is Decision.BLOCK:
        next_start = next_allowed_start(facts, policy, findings)
    return Verdict(stage, decision, policy.pack, policy.version, findings, next_start)


def _shifted(facts: Facts, offset: timedelta) -> Facts:
    visit = facts.visit
    return replace(facts, visit=replace(visit, start=visit.start + offset, end=visit.end + offset))


def next_allowed_start(
    facts: Facts, policy: Policy, findings: tuple[Finding, ...]
) -> datetime | None:
    """Earliest start, same duration, in 15-minute steps over 14 days, at which nothing blocks.

    Only when every blocking finding comes from a time-based rule; otherwise moving the visit
    cannot help and the answer is None.
    """
    blocking = [f.rule for f in findings if f.blocks]
    if not blocking or any(code not in TIME_BASED for code in blocking):
        return None
    if facts.visit.location_type in facts.borrower.no_visit_locations:
        return None  # a no-visit place stays one at any time: only its windows are time-based
    # Cheap first pass on the time-based rules (those that blocked first); the full set only
    # for candidates they all clear.
    first_pass = [_BY_CODE[code] for code in blocking]
    first_pass += [
        rule
        for rule in PRE_RULES
        if rule.code in TIME_BASED  # type: ignore[attr-defined]
        and rule.code not in blocking  # type: ignore[attr-defined]
        and policy.rules[rule.code].applies  # type: ignore[attr-defined]
    ]
    offset = STEP
    while offset <= LOOK_AHEAD:
        candidate = _shifted(facts, offset)
        if not any(rule(candidate, policy).blocks for rule in first_pass) and not any(
            f.blocks for f in run_rules(Stage.PRE, candidate, policy)
        ):
            return candidate.visit.start
        offset += STEP
    return None
