"""Every evaluation is kept: the check, its facts snapshot (replayable) and one row per finding."""

import copy
import json
from pathlib import Path

from compliance.contract import parse_request
from compliance.models import ComplianceCheck
from compliance.rules import POST_RULES, PRE_RULES, Decision, Stage
from compliance.rules.i18n import Text
from compliance.services.checks import compliance_evaluate, compliance_record
from tests import factories as f

REQUEST = {
    "stage": "pre",
    "pack": "CN",
    "now": "2026-12-01T09:00:00+08:00",
    "borrower": {"flags": ["vulnerable"]},
    "visit": {
        "start": "2026-12-02T21:30:00+08:00",
        "end": "2026-12-02T22:30:00+08:00",
        "purpose": "Discuss the overdue instalments",
        "recorder": True,
        "collectors": [
            {
                "id": "c1",
                "work_id_valid_until": "2027-06-30",
                "authorization_valid_until": "2027-06-30",
                "training_valid_until": "2027-06-30",
            },
            {
                "id": "c2",
                "work_id_valid_until": "2027-06-30",
                "authorization_valid_until": "2027-06-30",
                "training_valid_until": "2027-06-30",
            },
        ],
    },
}


def test_record_keeps_check_findings_and_a_replayable_snapshot(db, agent):
    stage, jurisdiction, facts = parse_request(copy.deepcopy(REQUEST))
    outcome = compliance_evaluate(stage=stage, jurisdiction=jurisdiction, facts=facts)
    borrower = f.make_borrower()
    check = compliance_record(outcome=outcome, borrower=borrower, by=agent)

    check = ComplianceCheck.objects.get(pk=check.pk)
    assert (check.stage, check.decision, check.pack_version) == ("pre", "block", "CN-2026.3")
    assert check.next_allowed_start.isoformat() == "2026-12-03T00:00:00+00:00"  # 08:00 Shanghai
    findings = list(check.findings.all())
    assert [x.rule for x in findings] == [rule.code for rule in PRE_RULES]
    window = findings[0]
    assert (window.outcome, window.severity) == ("fail", "block")
    assert window.message == "Visit ends at 22:30 local time; allowed 08:00–22:00."
    assert Text.from_json(window.message_data).render() == window.message
    assert {x.rule for x in findings if x.failed} == {"VISIT_WINDOW", "VULNERABILITY"}

    # The snapshot is a §6.2 request: replaying it gives the same verdict.
    replay_stage, _pack, replay_facts = parse_request(check.facts)
    replay = compliance_evaluate(stage=replay_stage, jurisdiction="CN", facts=replay_facts)
    assert replay.verdict == outcome.verdict
    assert replay_stage is Stage.PRE


def test_post_check_with_evidence_replays_to_the_same_verdict(db, agent):
    """The stored snapshot keeps report.evidence: a flagged report replays as flagged."""
    path = Path(__file__).parent / "scenarios" / "183-us-post-photo-far-and-reused.json"
    request = json.loads(path.read_text(encoding="utf-8"))["request"]
    stage, jurisdiction, facts = parse_request(request)
    outcome = compliance_evaluate(stage=stage, jurisdiction=jurisdiction, facts=facts)
    assert outcome.verdict.decision is Decision.FLAG
    check = compliance_record(outcome=outcome, borrower=f.make_borrower(), by=agent)

    check = ComplianceCheck.objects.get(pk=check.pk)
    assert check.facts["report"]["evidence"][0]["used_on_other_visits"] is True
    findings = list(check.findings.all())
    assert [x.rule for x in findings] == [rule.code for rule in POST_RULES]
    assert [x.rule for x in findings if x.failed] == ["EVIDENCE_METADATA", "EVIDENCE_REUSED"]
    replay_stage, _pack, replay_facts = parse_request(check.facts)
    replay = compliance_evaluate(stage=replay_stage, jurisdiction=jurisdiction, facts=replay_facts)
    assert replay.verdict == outcome.verdict
