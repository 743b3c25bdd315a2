"""Policy: the parameters of one rule-pack version, validated and typed (DESIGN.md §6).

A pack is data (compliance/packs/*.json or a RulePack row). `policy_from_pack` checks it against
`RULE_PARAMS` — the schema — and raises PackError naming the path of the first problem. The
`complaints` section (`COMPLAINT_PARAMS`) gives the statutory clock of the complaint register.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from .facts import CONSENTS, FLAGS, LOCATION_TYPES
from .results import Severity

CONFIDENCE = ("P", "S", "unconfirmed", "policy")
DOCUMENTS = ("work_id", "authorization")
ALLOW = "allow"

# Parameter types per rule: the schema every pack version is validated against.
RULE_PARAMS: dict[str, dict[str, str]] = {
    "VISIT_WINDOW": {
        "start": "time",
        "end": "time",
        "policy_start": "time?",
        "policy_end": "time?",
        "policy_severity": "severity?",
    },
    "BORROWER_PREFERENCES": {},
    "SENSITIVE_DATE": {"public_holidays": "bool"},
    "ADVANCE_NOTICE": {"hours": "int"},
    "PURPOSE_STATED": {"min_length": "int"},
    "LOCATION_ALLOWED": {"locations": "locations"},
    "TEAM_SIZE": {"min": "int", "max": "int"},
    "COLLECTOR_CREDENTIALS": {"documents": "documents", "certifications": "strings"},
    "COLLECTOR_TRAINING": {"certifications": "strings"},
    "SCHEDULE_CONFLICT": {},
    "VISIT_FREQUENCY": {"per_day": "int?", "per_7_days": "int?"},
    "CONTACT_BUDGET": {"per_day": "int"},
    "CEASE_CONTACT": {},
    "REPRESENTED": {},
    "DISPUTE_OPEN": {"flags": "flags"},
    "VULNERABILITY": {},
    "DECEASED": {},
    "TARGET_IS_DEBTOR": {"third_party_locate_only": "bool", "min_failed_attempts": "int"},
    "RECORDER_REQUIRED": {},
    "TIME_BARRED": {"years": "int"},
    "ACTUAL_WINDOW": {"start": "time", "end": "time"},
    "NOTICE_DELIVERED": {"hours": "int"},
    "TEAM_PRESENT": {"min": "int", "max": "int"},
    "PRESENCE_VERIFIED": {"max_distance_m": "int"},
    "DISCLOSURE_AT_START": {},
    "ENTRY_CONSENT": {},
    "PROHIBITED_CONDUCT": {"terms_zh": "strings", "terms_en": "strings"},
    "THIRD_PARTY_DISCLOSURE": {},
    "NO_CASH_OR_FEES": {},
    "VISIT_DURATION": {"max_minutes": "int"},
    "REPORT_TIMELY": {"hours": "int"},
    "RECORDING_ATTACHED": {},
    "VULNERABILITY_OBSERVED": {},
    "EVIDENCE_METADATA": {"max_hours": "int", "max_distance_m": "int"},
    "EVIDENCE_REUSED": {},
}

# The complaint clock (REGULATIONS.md "Complaint deadline", rule COMPLAINT_SLA): calendar days to
# respond, the days each successive extension adds (in order; none: no extension) and the most
# the law allows in all.
COMPLAINT_PARAMS: dict[str, str] = {
    "respond_within_days": "days",
    "extension_days": "days_list",
    "max_days": "days",
}


class PackError(ValueError):
    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class LocationRule:
    severity: str  # "allow" or a Severity
    consent: str | None = None  # holding this consent makes the location allowed


@dataclass(frozen=True, slots=True)
class RuleConfig:
    applies: bool
    severity: Severity
    citation: str
    params: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.params[name]


@dataclass(frozen=True, slots=True)
class ComplaintPolicy:
    respond_within_days: int
    extension_days: tuple[int, ...]
    max_days: int
    citation: str

    def days_after(self, extensions: int) -> int:
        """Calendar days to respond once `extensions` extensions are granted."""
        return self.respond_within_days + sum(self.extension_days[:extensions])


@dataclass(frozen=True, slots=True)
class Policy:
    pack: str
    version: str
    country: str
    rules: Mapping[str, RuleConfig]
    complaints: ComplaintPolicy

    def rule(self, code: str) -> RuleConfig:
        return self.rules[code]


def _time(value: Any, path: str) -> time:
    if not isinstance(value, str):
        raise PackError(path, "expected a time as HH:MM")
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise PackError(path, f"expected a time as HH:MM, got {value!r}") from None


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PackError(path, "expected a whole number ≥ 0")
    return value


def _days(value: Any, path: str) -> int:
    if _int(value, path) < 1:
        raise PackError(path, "expected a number of days ≥ 1")
    return value


def _strings(value: Any, path: str, allowed=None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PackError(path, "expected a list of non-empty strings")
    if allowed is not None and (unknown := set(value) - set(allowed)):
        raise PackError(path, f"unknown values {sorted(unknown)}; allowed {sorted(allowed)}")
    return tuple(value)


def _severity(value: Any, path: str, allow: bool = False) -> str:
    allowed = [s.value for s in Severity] + ([ALLOW] if allow else [])
    if value not in allowed:
        raise PackError(path, f"expected one of {allowed}, got {value!r}")
    return value if value == ALLOW else Severity(value)


def _locations(value: Any, path: str) -> dict[str, LocationRule]:
    if not isinstance(value, dict) or set(value) != set(LOCATION_TYPES):
        raise PackError(path, f"expected one entry for each of {list(LOCATION_TYPES)}")
    rules = {}
    for kind, entry in value.items():
        if not isinstance(entry, dict):
            raise PackError(f"{path}.{kind}", "expected an object with severity and consent")
        consent = entry.get("consent")
        if consent is not None and consent not in CONSENTS:
            raise PackError(f"{path}.{kind}.consent", f"unknown consent {consent!r}")
        rules[kind] = LocationRule(
            _severity(entry.get("severity"), f"{path}.{kind}.severity", True), consent
        )
    return rules


def _convert(kind: str, value: Any, path: str) -> Any:
    if kind.endswith("?"):
        return None if value is None else _convert(kind[:-1], value, path)
    if kind == "time":
        return _time(value, path)
    if kind == "int":
        return _int(value, path)
    if kind == "days":
        return _days(value, path)
    if kind == "days_list":
        if not isinstance(value, list):
            raise PackError(path, "expected a list of numbers of days")
        return tuple(_days(v, f"{path}[{i}]") for i, v in enumerate(value))
    if kind == "bool":
        if not isinstance(value, bool):
            raise PackError(path, "expected true or false")
        return value
    if kind == "severity":
        return _severity(value, path)
    if kind == "strings":
        return _strings(value, path)
    if kind == "flags":
        return frozenset(_strings(value, path, FLAGS))
    if kind == "documents":
        return frozenset(_strings(value, path, DOCUMENTS))
    if kind == "locations":
        return _locations(value, path)
    raise AssertionError(kind)


def _params(path: str, params: Any, spec: dict[str, str]) -> dict[str, Any]:
    """Each parameter of `spec` as {value, source, confidence}, its value converted."""
    if not isinstance(params, dict):
        raise PackError(path, "expected an object")
    if unknown := set(params) - set(spec):
        raise PackError(path, f"unknown parameters {sorted(unknown)}")
    values = {}
    for name, kind in spec.items():
        ppath = f"{path}.{name}"
        if name not in params:
            raise PackError(ppath, "missing")
        param = params[name]
        if not isinstance(param, dict) or "value" not in param:
            raise PackError(ppath, "expected {value, source, confidence}")
        if param.get("confidence") not in CONFIDENCE:
            raise PackError(f"{ppath}.confidence", f"expected one of {list(CONFIDENCE)}")
        if not isinstance(param.get("source"), str) or not param["source"].strip():
            raise PackError(f"{ppath}.source", "a source is required")
        values[name] = _convert(kind, param["value"], f"{ppath}.value")
    return values


def _section(path: str, entry: Any, keys: tuple[str, ...]) -> None:
    """An object holding `keys`, with a non-empty citation."""
    if not isinstance(entry, dict):
        raise PackError(path, "expected an object")
    for key in keys:
        if key not in entry:
            raise PackError(f"{path}.{key}", "missing")
    if not isinstance(entry["citation"], str) or not entry["citation"].strip():
        raise PackError(f"{path}.citation", "a citation is required")


def _rule_config(code: str, entry: Any) -> RuleConfig:
    path = f"rules.{code}"
    _section(path, entry, ("applies", "severity", "citation", "params"))
    if not isinstance(entry["applies"], bool):
        raise PackError(f"{path}.applies", "expected true or false")
    values = _params(f"{path}.params", entry["params"], RULE_PARAMS[code])
    config = RuleConfig(
        applies=entry["applies"],
        severity=_severity(entry["severity"], f"{path}.severity"),
        citation=entry["citation"].strip(),
        params=values,
    )
    if "min" in values and values["min"] > values["max"]:
        raise PackError(f"{path}.params.min", "min is greater than max")
    _check_windows(path, values)
    return config


def _check_windows(path: str, values: dict) -> None:
    """A window opens before it closes; the bank's preferred window sits inside the hard one."""
    if "start" in values and values["start"] >= values["end"]:
        raise PackError(f"{path}.params.end", "must be after start")
    policy = [values.get(k) for k in ("policy_start", "policy_end", "policy_severity")]
    if "policy_start" not in values or policy == [None, None, None]:
        return
    if None in policy:
        raise PackError(
            f"{path}.params.policy_start", "set policy start, end and severity together"
        )
    if not values["start"] <= values["policy_start"] < values["policy_end"] <= values["end"]:
        raise PackError(
            f"{path}.params.policy_start", "the policy window must lie inside start–end"
        )


def _complaint_policy(entry: Any) -> ComplaintPolicy:
    path = "complaints"
    _section(path, entry, ("citation", "params"))
    if unknown := sorted(set(entry) - {"citation", "params"}):
        raise PackError(path, f"unknown keys {unknown}")
    values = _params(f"{path}.params", entry["params"], COMPLAINT_PARAMS)
    longest = values["respond_within_days"] + sum(values["extension_days"])
    if longest > values["max_days"]:
        raise PackError(
            f"{path}.params.max_days",
            f"respond_within_days plus every extension is {longest} days, more than max_days",
        )
    return ComplaintPolicy(citation=entry["citation"].strip(), **values)


def policy_from_pack(data: Any) -> Policy:
    """Validate a pack document and build its Policy; PackError names the first bad path."""
    if not isinstance(data, dict):
        raise PackError("pack", "expected an object")
    for key in ("pack", "version", "country", "rules"):
        if not isinstance(data.get(key), str if key != "rules" else dict) or not data.get(key):
            raise PackError(key, "missing or empty")
    rules = data["rules"]
    if missing := [code for code in RULE_PARAMS if code not in rules]:
        raise PackError("rules", f"missing rules {missing}")
    if unknown := sorted(set(rules) - set(RULE_PARAMS)):
        raise PackError("rules", f"unknown rules {unknown}")
    return Policy(
        pack=data["pack"],
        version=data["version"],
        country=data["country"],
        rules={code: _rule_config(code, rules[code]) for code in RULE_PARAMS},
        complaints=_complaint_policy(data.get("complaints")),
    )
