"""Scenario oracle for the compliance engine, through `manage.py compliance_check`.

Each file in scenarios/ is {"description", "request" (DESIGN.md §6.2), "expected"}: the decision,
the codes of the failing findings in finding order and, for time-based blocks, the
`next_allowed_start`. The expectations were worked out by hand from DESIGN.md §6 (pack defaults
table, "Precise meanings", §6.2) and the `holidays` library's national holidays — never copied
from the engine's output — so they are an independent check of it.

A scenario the engine gets wrong (by DESIGN.md) is listed in KNOWN_ENGINE_BUGS with the reason;
it stays in the suite as a strict xfail, so fixing the engine turns it into a failure to remove.
"""

import json
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

SCENARIOS = Path(__file__).parent / "scenarios"
FILES = sorted(SCENARIOS.glob("*.json"))

# The order of the tables in DESIGN.md §6.1; every rule of the stage appears exactly once.
PRE_RULES = [
    "VISIT_WINDOW",
    "BORROWER_PREFERENCES",
    "SENSITIVE_DATE",
    "ADVANCE_NOTICE",
    "PURPOSE_STATED",
    "LOCATION_ALLOWED",
    "TEAM_SIZE",
    "COLLECTOR_CREDENTIALS",
    "COLLECTOR_TRAINING",
    "SCHEDULE_CONFLICT",
    "VISIT_FREQUENCY",
    "CONTACT_BUDGET",
    "CEASE_CONTACT",
    "REPRESENTED",
    "DISPUTE_OPEN",
    "VULNERABILITY",
    "DECEASED",
    "TARGET_IS_DEBTOR",
    "RECORDER_REQUIRED",
    "TIME_BARRED",
]
POST_RULES = [
    "ACTUAL_WINDOW",
    "NOTICE_DELIVERED",
    "TEAM_PRESENT",
    "PRESENCE_VERIFIED",
    "DISCLOSURE_AT_START",
    "ENTRY_CONSENT",
    "PROHIBITED_CONDUCT",
    "THIRD_PARTY_DISCLOSURE",
    "NO_CASH_OR_FEES",
    "VISIT_DURATION",
    "REPORT_TIMELY",
    "RECORDING_ATTACHED",
    "VULNERABILITY_OBSERVED",
    "EVIDENCE_METADATA",
    "EVIDENCE_REUSED",
]
RULES = {"pre": PRE_RULES, "post": POST_RULES}
DECISIONS = {"pre": {"allow", "review", "block"}, "post": {"clear", "flag"}}

# scenario file stem -> why the engine is wrong (by DESIGN.md §6). Empty: none known.
KNOWN_ENGINE_BUGS: dict[str, str] = {}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _params():
    unknown = set(KNOWN_ENGINE_BUGS) - {path.stem for path in FILES}
    assert not unknown, f"KNOWN_ENGINE_BUGS names missing scenarios: {sorted(unknown)}"
    for path in FILES:
        marks = ()
        if path.stem in KNOWN_ENGINE_BUGS:
            marks = (pytest.mark.xfail(strict=True, reason=KNOWN_ENGINE_BUGS[path.stem]),)
        yield pytest.param(path, id=path.stem, marks=marks)


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def run_check(request: dict, tmp_path: Path) -> dict:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("compliance_check", str(path), stdout=out)
    return json.loads(out.getvalue())


def expected_decision(stage: str, findings: list[dict]) -> str:
    """§6: the decision follows from the failed findings' severities alone."""
    failed = {f["severity"] for f in findings if f["outcome"] == "fail"}
    if stage == "pre":
        return "block" if "block" in failed else "review" if "review" in failed else "allow"
    return "flag" if failed & {"block", "review"} else "clear"


# ---------------------------------------------------------------- the scenario files themselves


def test_there_are_enough_scenarios():
    assert len(FILES) >= 60


def test_scenario_files_are_well_formed():
    for path in FILES:
        data = load(path)
        assert set(data) == {"description", "request", "expected"}, path.name
        assert data["description"].strip(), path.name
        expected = data["expected"]
        assert set(expected) <= {"decision", "failing", "next_allowed_start"}, path.name
        stage = data["request"]["stage"]
        assert expected["decision"] in DECISIONS[stage], path.name
        assert all(code in RULES[stage] for code in expected["failing"]), path.name
        # Failing codes are listed in finding (= table) order.
        order = [RULES[stage].index(code) for code in expected["failing"]]
        assert order == sorted(order) and len(set(order)) == len(order), path.name
        if stage == "post":
            assert expected.get("next_allowed_start") is None, path.name


def test_scenarios_cover_every_pack_stage_and_rule():
    data = [load(path) for path in FILES]
    assert {(d["request"]["pack"], d["request"]["stage"]) for d in data} == {
        (pack, stage) for pack in ("CN", "US", "UK", "IN") for stage in ("pre", "post")
    }
    failing = {code for d in data for code in d["expected"]["failing"]}
    assert set(PRE_RULES + POST_RULES) - failing == set()
    decisions = {d["expected"]["decision"] for d in data}
    assert decisions == {"allow", "review", "block", "clear", "flag"}
    assert any(d["expected"].get("next_allowed_start") for d in data)


def test_scenario_requests_are_valid_contract_input():
    from compliance.contract import parse_request

    for path in FILES:
        parse_request(load(path)["request"])  # raises ContractError naming the field


# ---------------------------------------------------------------- the engine against them


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(_params()))
def test_scenario(path: Path, tmp_path: Path):
    scenario = load(path)
    request, expected = scenario["request"], scenario["expected"]
    stage = request["stage"]

    verdict = run_check(request, tmp_path)

    assert verdict["stage"] == stage
    assert verdict["pack"] == request["pack"]
    assert verdict["pack_version"].startswith(f"{request['pack']}-")
    findings = verdict["findings"]
    for finding in findings:
        assert set(finding) >= {"rule", "outcome", "severity", "message", "citation"}, finding
        assert finding["outcome"] in {"pass", "fail", "n/a"}, finding
        assert finding["severity"] in {"block", "review", "warn"}, finding
        assert isinstance(finding["message"], str) and finding["message"].strip(), finding
        assert isinstance(finding["citation"], str) and finding["citation"].strip(), finding
    # Every rule of the stage exactly once, in the order of the §6.1 tables.
    assert [f["rule"] for f in findings] == RULES[stage]
    # The decision is what the failed severities say it is (§6).
    assert verdict["decision"] == expected_decision(stage, findings)

    failing = [f["rule"] for f in findings if f["outcome"] == "fail"]
    messages = {f["rule"]: f["message"] for f in findings if f["outcome"] == "fail"}
    assert (verdict["decision"], failing) == (expected["decision"], expected["failing"]), messages

    # next_allowed_start only for blocked pre-checks (§6.2); compared as instants.
    if stage == "post" or verdict["decision"] != "block":
        assert verdict["next_allowed_start"] is None
    if "next_allowed_start" in expected:
        assert _moment(verdict["next_allowed_start"]) == _moment(expected["next_allowed_start"]), (
            verdict["next_allowed_start"],
            messages,
        )
