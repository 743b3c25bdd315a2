"""Rule packs as data (compliance/rules/policy.py): the shipped packs and PackError paths."""

import copy
from datetime import time

import pytest

from compliance.rules import PackError, policy_from_pack
from compliance.rules.policy import RULE_PARAMS

from .support import BLOCK, PACK_DATA, POLICIES, REVIEW, WARN, run_table

N = None  # not applied in that pack (n/a)

# DESIGN.md §6.1 pack defaults — the severity of a failing rule (cn, us, uk, in), N = n/a.
# LOCATION_ALLOWED is per place (tests/compliance/rules/test_people.py).
# fmt: off
DESIGN_SEVERITIES = {
    "VISIT_WINDOW": (BLOCK, BLOCK, BLOCK, BLOCK),
    "BORROWER_PREFERENCES": (BLOCK, BLOCK, BLOCK, BLOCK),
    "SENSITIVE_DATE": (REVIEW, REVIEW, REVIEW, BLOCK),
    "ADVANCE_NOTICE": (BLOCK, N, BLOCK, BLOCK),
    "PURPOSE_STATED": (BLOCK, WARN, BLOCK, BLOCK),
    "TEAM_SIZE": (BLOCK, BLOCK, BLOCK, BLOCK),
    "COLLECTOR_CREDENTIALS": (BLOCK, BLOCK, BLOCK, BLOCK),
    "COLLECTOR_TRAINING": (BLOCK, BLOCK, BLOCK, BLOCK),
    "SCHEDULE_CONFLICT": (BLOCK, BLOCK, BLOCK, BLOCK),
    "VISIT_FREQUENCY": (BLOCK, BLOCK, BLOCK, BLOCK),
    "CONTACT_BUDGET": (WARN, WARN, WARN, WARN),
    "CEASE_CONTACT": (REVIEW, BLOCK, BLOCK, REVIEW),
    "REPRESENTED": (REVIEW, BLOCK, REVIEW, REVIEW),
    "DISPUTE_OPEN": (BLOCK, BLOCK, BLOCK, BLOCK),
    "VULNERABILITY": (REVIEW, REVIEW, BLOCK, REVIEW),
    "DECEASED": (BLOCK, BLOCK, BLOCK, BLOCK),
    "TARGET_IS_DEBTOR": (BLOCK, BLOCK, REVIEW, BLOCK),
    "RECORDER_REQUIRED": (BLOCK, N, N, REVIEW),
    "TIME_BARRED": (REVIEW, N, REVIEW, REVIEW),
    "ACTUAL_WINDOW": (BLOCK, BLOCK, BLOCK, BLOCK),
    "NOTICE_DELIVERED": (BLOCK, N, BLOCK, BLOCK),
    "TEAM_PRESENT": (BLOCK, BLOCK, BLOCK, BLOCK),
    "PRESENCE_VERIFIED": (REVIEW, REVIEW, REVIEW, REVIEW),
    "DISCLOSURE_AT_START": (BLOCK, BLOCK, BLOCK, BLOCK),
    "ENTRY_CONSENT": (BLOCK, BLOCK, BLOCK, BLOCK),
    "PROHIBITED_CONDUCT": (BLOCK, BLOCK, BLOCK, BLOCK),
    "THIRD_PARTY_DISCLOSURE": (BLOCK, BLOCK, BLOCK, BLOCK),
    "NO_CASH_OR_FEES": (BLOCK, BLOCK, BLOCK, BLOCK),
    "VISIT_DURATION": (WARN, WARN, WARN, WARN),
    "REPORT_TIMELY": (WARN, WARN, WARN, WARN),
    "RECORDING_ATTACHED": (BLOCK, N, N, REVIEW),
    "VULNERABILITY_OBSERVED": (REVIEW, REVIEW, REVIEW, REVIEW),
    "EVIDENCE_METADATA": (REVIEW, REVIEW, REVIEW, REVIEW),
    "EVIDENCE_REUSED": (REVIEW, REVIEW, REVIEW, REVIEW),
}
# fmt: on
PACKS = ("cn", "us", "uk", "in")


@pytest.mark.parametrize("pack", PACKS)
def test_shipped_pack_validates(pack):
    policy = POLICIES[pack]
    assert (policy.pack, policy.country) == (pack.upper(), "GB" if pack == "uk" else pack.upper())
    assert list(policy.rules) == list(RULE_PARAMS)
    for code, config in policy.rules.items():
        assert config.citation, code
        assert set(config.params) == set(RULE_PARAMS[code]), code


@pytest.mark.parametrize("pack", PACKS)
def test_shipped_pack_matches_design_table(pack):
    column = PACKS.index(pack)
    for code, severities in DESIGN_SEVERITIES.items():
        config = POLICIES[pack].rule(code)
        expected = severities[column]
        assert config.applies is (expected is not None), code
        if expected is not None:
            assert config.severity is expected, code


@pytest.mark.parametrize(
    ("pack", "window", "notice", "team", "frequency", "years"),
    [
        ("cn", (time(8), time(22)), 24, (2, 3), (1, 2), 3),
        ("us", (time(8), time(21)), 24, (1, 2), (1, 1), 3),
        ("uk", (time(8), time(21)), 48, (1, 2), (1, 1), 6),
        ("in", (time(8), time(19)), 24, (1, 2), (1, None), 3),
    ],
)
def test_shipped_pack_parameters(pack, window, notice, team, frequency, years):
    rules = POLICIES[pack].rules
    assert (rules["VISIT_WINDOW"]["start"], rules["VISIT_WINDOW"]["end"]) == window
    assert (rules["ACTUAL_WINDOW"]["start"], rules["ACTUAL_WINDOW"]["end"]) == window
    assert rules["ADVANCE_NOTICE"]["hours"] == rules["NOTICE_DELIVERED"]["hours"] == notice
    assert (rules["TEAM_SIZE"]["min"], rules["TEAM_SIZE"]["max"]) == team
    assert (rules["TEAM_PRESENT"]["min"], rules["TEAM_PRESENT"]["max"]) == team
    assert (
        rules["VISIT_FREQUENCY"]["per_day"],
        rules["VISIT_FREQUENCY"]["per_7_days"],
    ) == frequency
    assert rules["TIME_BARRED"]["years"] == years
    assert rules["PRESENCE_VERIFIED"]["max_distance_m"] == 300
    assert rules["VISIT_DURATION"]["max_minutes"] == 60
    assert rules["REPORT_TIMELY"]["hours"] == 24
    assert rules["CONTACT_BUDGET"]["per_day"] == 3
    assert rules["EVIDENCE_METADATA"]["max_hours"] == 2
    assert rules["EVIDENCE_METADATA"]["max_distance_m"] == 1000
    policy_window = (rules["VISIT_WINDOW"]["policy_start"], rules["VISIT_WINDOW"]["policy_end"])
    assert policy_window == ((time(9), time(20)) if pack == "cn" else (None, None))


DELETE = object()


def _break(data, where, value):
    """Set (or DELETE) the value at a dotted path such as "rules.TEAM_SIZE.params.min.value"."""
    *parents, last = where.split(".")
    for key in parents:
        data = data[key]
    if value is DELETE:
        del data[last]
    else:
        data[last] = value


R = "rules"
TS = "rules.TEAM_SIZE.params"
VW = "rules.VISIT_WINDOW.params"
LOC = "rules.LOCATION_ALLOWED.params.locations.value"

# (where, new value or DELETE, PackError.path expected, words in the message)
# fmt: off
BROKEN = {
    "missing-rule": (f"{R}.TIME_BARRED", DELETE, R, "TIME_BARRED"),
    "unknown-rule": (f"{R}.CURFEW", {}, R, "CURFEW"),
    "missing-version": ("version", DELETE, "version", "missing"),
    "empty-pack-code": ("pack", "", "pack", "empty"),
    "missing-applies": (f"{R}.DECEASED.applies", DELETE, f"{R}.DECEASED.applies", "missing"),
    "applies-not-bool": (f"{R}.DECEASED.applies", "yes", f"{R}.DECEASED.applies", "true or false"),
    "blank-citation": (f"{R}.DECEASED.citation", "  ", f"{R}.DECEASED.citation", "citation"),
    "bad-severity": (f"{R}.DECEASED.severity", "fatal", f"{R}.DECEASED.severity", "'fatal'"),
    "allow-is-no-rule-severity": (f"{R}.DECEASED.severity", "allow", f"{R}.DECEASED.severity",
                                  "'allow'"),
    "unknown-param": (f"{TS}.average", {}, TS, "average"),
    "missing-param": (f"{TS}.max", DELETE, f"{TS}.max", "missing"),
    "bare-param-value": (f"{TS}.max", 3, f"{TS}.max", "{value, source, confidence}"),
    "missing-confidence": (f"{TS}.min.confidence", DELETE, f"{TS}.min.confidence",
                           "expected one of"),
    "bad-confidence": (f"{TS}.min.confidence", "high", f"{TS}.min.confidence", "expected one of"),
    "missing-source": (f"{TS}.min.source", "", f"{TS}.min.source", "source"),
    "team-size-min-above-max": (f"{TS}.min.value", 4, f"{TS}.min", "greater than max"),
    "team-present-min-above-max": ("rules.TEAM_PRESENT.params.min.value", 4,
                                   "rules.TEAM_PRESENT.params.min", "greater than max"),
    "bad-time-hour": (f"{VW}.start.value", "25:00", f"{VW}.start.value", "HH:MM"),
    "bad-time-text": (f"{VW}.end.value", "8pm", f"{VW}.end.value", "'8pm'"),
    "time-not-string": (f"{VW}.start.value", 800, f"{VW}.start.value", "HH:MM"),
    "bad-optional-severity": (f"{VW}.policy_severity.value", "bad",
                              f"{VW}.policy_severity.value", "'bad'"),
    "negative-int": ("rules.ADVANCE_NOTICE.params.hours.value", -1,
                     "rules.ADVANCE_NOTICE.params.hours.value", "≥ 0"),
    "bool-is-no-int": ("rules.ADVANCE_NOTICE.params.hours.value", True,
                       "rules.ADVANCE_NOTICE.params.hours.value", "whole number"),
    "bool-param": ("rules.SENSITIVE_DATE.params.public_holidays.value", 1,
                   "rules.SENSITIVE_DATE.params.public_holidays.value", "true or false"),
    "unknown-flag": ("rules.DISPUTE_OPEN.params.flags.value", ["angry"],
                     "rules.DISPUTE_OPEN.params.flags.value", "angry"),
    "unknown-document": ("rules.COLLECTOR_CREDENTIALS.params.documents.value", ["visa"],
                         "rules.COLLECTOR_CREDENTIALS.params.documents.value", "visa"),
    "empty-term": ("rules.PROHIBITED_CONDUCT.params.terms_en.value", ["ok", ""],
                   "rules.PROHIBITED_CONDUCT.params.terms_en.value", "non-empty"),
    "bad-location-severity": (f"{LOC}.hospital.severity", "maybe", f"{LOC}.hospital.severity",
                              "'maybe'"),
    "unknown-consent": (f"{LOC}.hospital.consent", "spouse_visit", f"{LOC}.hospital.consent",
                        "spouse_visit"),
    "missing-location": (f"{LOC}.home", DELETE, LOC, "one entry for each"),
    # A pack written before the evidence rules existed (the 2026.1 versions) is refused.
    "missing-evidence-rule": (f"{R}.EVIDENCE_REUSED", DELETE, R, "EVIDENCE_REUSED"),
    "evidence-hours-not-int": ("rules.EVIDENCE_METADATA.params.max_hours.value", 1.5,
                               "rules.EVIDENCE_METADATA.params.max_hours.value", "whole number"),
    "evidence-distance-missing": ("rules.EVIDENCE_METADATA.params.max_distance_m", DELETE,
                                  "rules.EVIDENCE_METADATA.params.max_distance_m", "missing"),
}
# fmt: on


def test_broken_pack_names_the_spot():
    def check(where, value, path, words):
        data = copy.deepcopy(PACK_DATA["cn"])
        _break(data, where, value)
        with pytest.raises(PackError) as raised:
            policy_from_pack(data)
        assert (raised.value.path, str(raised.value)[: len(path) + 2]) == (path, f"{path}: ")
        assert words in raised.value.message, raised.value.message

    run_table([(ident, *case) for ident, case in BROKEN.items()], check)


def test_not_a_pack():
    with pytest.raises(PackError) as raised:
        policy_from_pack(["CN"])
    assert raised.value.path == "pack"


def test_optional_params_may_be_null():
    data = copy.deepcopy(PACK_DATA["cn"])
    _break(data, "rules.VISIT_FREQUENCY.params.per_7_days.value", None)
    assert policy_from_pack(data).rule("VISIT_FREQUENCY")["per_7_days"] is None
