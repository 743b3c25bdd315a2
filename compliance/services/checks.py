"""Running the engine against real data or a dry-run request, and keeping every result."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext

from collections_app.models import Borrower, Case
from compliance.contract import ContractError, parse_request, request_json, verdict_json
from compliance.facts import VisitPlan, facts_for_report, facts_for_visit, plan_facts
from compliance.holidays import with_holidays
from compliance.models import ComplianceCheck, Finding, RulePack
from compliance.rules import Facts, Stage, Verdict, evaluate

from .packs import NoPackInForce, policy_for, rulepack_in_force


@dataclass(frozen=True)
class CheckOutcome:
    pack: RulePack
    facts: Facts
    verdict: Verdict


def compliance_evaluate(*, stage: Stage, jurisdiction: str, facts: Facts) -> CheckOutcome:
    """Evaluate facts under the pack version in force at `facts.now`, holidays resolved."""
    pack = rulepack_in_force(jurisdiction=jurisdiction, at=facts.now)
    policy = policy_for(pack)
    facts = with_holidays(facts, policy.country)
    return CheckOutcome(pack, facts, evaluate(stage, facts, policy))


def compliance_dry_run(*, data: object) -> dict:
    """The §6.2 contract: request JSON in, verdict JSON out (messages in the active language).

    Reads only the rule pack. Raises ContractError for malformed input, including a `now`
    at which the pack has no version in force.
    """
    stage, jurisdiction, facts = parse_request(data)
    try:
        outcome = compliance_evaluate(stage=stage, jurisdiction=jurisdiction, facts=facts)
    except NoPackInForce as error:
        raise ContractError("now", str(error)) from None
    return verdict_json(outcome.verdict, gettext)


def compliance_check_plan(*, plan: VisitPlan, now: datetime) -> CheckOutcome:
    """Facts of a planned visit from the database, evaluated pre-booking. Reads only."""
    facts = plan_facts(plan=plan, now=now)
    return compliance_evaluate(
        stage=Stage.PRE, jurisdiction=plan.case.borrower.jurisdiction, facts=facts
    )


@transaction.atomic
def compliance_record(
    *,
    outcome: CheckOutcome,
    borrower: Borrower,
    case: Case | None = None,
    visit=None,
    by=None,
) -> ComplianceCheck:
    """Persist one evaluation: the check with its facts snapshot and one row per finding."""
    verdict = outcome.verdict
    check = ComplianceCheck.objects.create(
        stage=verdict.stage.value,
        borrower=borrower,
        case=case,
        visit=visit,
        pack=outcome.pack,
        pack_version=verdict.pack_version,
        facts=request_json(verdict.stage, verdict.pack, outcome.facts),
        decision=verdict.decision.value,
        next_allowed_start=verdict.next_allowed_start,
        checked_by=by,
        checked_at=outcome.facts.now,
    )
    Finding.objects.bulk_create(
        Finding(
            check_run=check,
            position=position,
            rule=finding.rule,
            outcome=finding.outcome.value,
            severity=finding.severity.value,
            message=finding.message.render(),
            message_data=finding.message.as_json(),
            citation=finding.citation,
        )
        for position, finding in enumerate(verdict.findings)
    )
    return check


def compliance_check_visit(*, visit, now: datetime) -> CheckOutcome:
    """Re-check a saved visit pre-booking (approval, nightly re-check). Reads only."""
    _plan, facts = facts_for_visit(visit=visit, now=now)
    return compliance_evaluate(
        stage=Stage.PRE, jurisdiction=visit.borrower.jurisdiction, facts=facts
    )


def compliance_check_report(*, visit, now: datetime, starting: bool = False) -> CheckOutcome:
    """The post-visit check of a visit's report (or, `starting`, of the check-in moment)."""
    facts = facts_for_report(visit=visit, now=now, starting=starting)
    return compliance_evaluate(
        stage=Stage.POST, jurisdiction=visit.borrower.jurisdiction, facts=facts
    )
