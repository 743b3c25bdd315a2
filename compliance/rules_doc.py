"""docs/compliance-rules.md from the shipped rule packs: every rule, per pack, in engine order.

`render_rules_doc` is pure (packs in, Markdown out, no Django, no clock), so the committed file can
be compared with a fresh rendering in a test and by `manage.py compliance_rules_doc --check`.
"""

import re
from typing import Any

from .rules.engine import POST_RULES, PRE_RULES, TIME_BASED
from .rules.policy import COMPLAINT_PARAMS, RULE_PARAMS, policy_from_pack

COMMAND = "python manage.py compliance_rules_doc"

# One line per rule on what it checks (DESIGN.md §6.1).
DESCRIPTIONS: dict[str, str] = {
    "VISIT_WINDOW": (
        "The whole visit lies inside the pack's allowed local hours (hard window → the rule's "
        "severity; optional policy window → its own severity)."
    ),
    "BORROWER_PREFERENCES": "The visit avoids the borrower's recorded no-visit windows and "
    "no-visit locations.",
    "SENSITIVE_DATE": "The visit date is none of the borrower's sensitive dates and, where the "
    "pack says so, no national public holiday of the pack's country.",
    "ADVANCE_NOTICE": "A notice was delivered at least N hours before the start, or the start is "
    "at least N hours after now so one can still be.",
    "PURPOSE_STATED": "A purpose of at least the minimum length is given for the visit.",
    "LOCATION_ALLOWED": "The location type is allowed by the pack; some types are allowed only "
    "with the borrower's recorded consent.",
    "TEAM_SIZE": "The number of collectors is within [min, max].",
    "COLLECTOR_CREDENTIALS": "Every collector's required documents (work ID, authorization) are "
    "valid on the visit's local date, and any required certifications are held.",
    "COLLECTOR_TRAINING": "Every collector's training is valid on the visit's local date, and any "
    "required certifications are held.",
    "SCHEDULE_CONFLICT": "No collector is double-booked (busy times are half-open intervals).",
    "VISIT_FREQUENCY": "Visits to the borrower per local day and per rolling 7 days (booked and "
    "completed, not cancelled), counting the proposed one.",
    "CONTACT_BUDGET": "Connected calls plus visits on the visit's local day against the daily cap.",
    "CEASE_CONTACT": "No cease-contact or do-not-visit request is on file.",
    "REPRESENTED": "The borrower is not represented by a lawyer or debt adviser.",
    "DISPUTE_OPEN": "No open dispute or open complaint (the flags listed) is on file.",
    "VULNERABILITY": "No vulnerability or capacity concern is on file.",
    "DECEASED": "The borrower is not recorded as deceased.",
    "TARGET_IS_DEBTOR": "The visit targets the borrower or a guarantor; a third party only for "
    "locating the borrower, after the minimum number of failed attempts to reach them.",
    "RECORDER_REQUIRED": "A recording device is assigned to the visit.",
    "TIME_BARRED": "The debt is not past the limitation period, counted from the later of the "
    "oldest unpaid due date and the last acknowledgement.",
    "ACTUAL_WINDOW": "The actual check-in and check-out lie inside the allowed local hours.",
    "NOTICE_DELIVERED": "A notice stating the purpose was delivered at least N hours before the "
    "planned start.",
    "TEAM_PRESENT": "The number of collectors present is within [min, max].",
    "PRESENCE_VERIFIED": "A check-in location was recorded within the maximum distance of the "
    "visit address.",
    "DISCLOSURE_AT_START": "At the start the collectors showed ID, named the institution and "
    "stated the purpose.",
    "ENTRY_CONSENT": "Premises were entered only with consent, and the collectors left when asked.",
    "PROHIBITED_CONDUCT": "The conduct checklist (threats, insults, violence, impersonating "
    "authorities, fake legal papers) and a scan of the notes for the pack's prohibited terms "
    "(Chinese as substrings, English case-insensitively with inflections).",
    "THIRD_PARTY_DISCLOSURE": "No debt information was disclosed to third parties.",
    "NO_CASH_OR_FEES": "No cash or fees were taken outside the official repayment channels.",
    "VISIT_DURATION": "Check-out minus check-in is within the maximum duration.",
    "REPORT_TIMELY": "The report was submitted within N hours of check-out.",
    "RECORDING_ATTACHED": "Recording evidence is attached to the report.",
    "VULNERABILITY_OBSERVED": "A vulnerability reported on the visit sends it to review and "
    "flags the borrower.",
    "EVIDENCE_METADATA": "Each photo's EXIF time lies within [check-in − max hours, check-out (or "
    "check-in) + max hours] and its EXIF position within the maximum distance of the check-in "
    "location; the first photo that does not match is named. Not applicable without photos "
    "carrying EXIF data; a comparison whose check-in time or location is missing is skipped.",
    "EVIDENCE_REUSED": "No evidence file (by SHA-256) attached to the report was also uploaded "
    "for another visit. Not applicable without evidence.",
}

CONFIDENCE_LEGEND = (
    ("P", "Primary text read (statute, regulator rulebook, or a regulator-hosted page)."),
    (
        "S",
        "Secondary source read (news report, law-firm or exam-prep summary, translation); very "
        "likely right, but check the article numbering against the official text.",
    ),
    (
        "unconfirmed",
        "No source found: the value is a proposal and must be checked before going live.",
    ),
    ("policy", "The bank's own choice where the law sets no number."),
)

STAGES = (
    ("pre", "Pre-booking checks (`pre`)", PRE_RULES),
    ("post", "Post-visit checks (`post`)", POST_RULES),
)

UNITS = {
    "hours": "h",
    "max_hours": "h",
    "max_minutes": "min",
    "max_distance_m": "m",
    "years": "years",
    "respond_within_days": "days",
    "max_days": "days",
}
NONE = "—"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _label(value: str) -> str:
    return value.replace("_", " ")


def _location_policy(locations: dict[str, dict[str, Any]]) -> str:
    lines = []
    for kind, entry in locations.items():
        severity, consent = entry["severity"], entry.get("consent")
        if severity == "allow":
            text = "allowed"
        elif consent:
            text = f"allowed with consent `{consent}`, else {severity}"
        else:
            text = severity
        lines.append(f"{_label(kind)}: {text}")
    return "<br>".join(lines)


def _value(name: str, value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        unit = UNITS.get(name)
        return f"{value} {unit}" if unit else str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "none"
    if isinstance(value, dict):  # LOCATION_ALLOWED.locations, the only object-valued parameter
        return _location_policy(value)
    return str(value)  # times are already HH:MM; severities and names read as they are


def _param(param: dict[str, Any], name: str) -> str:
    value = _value(name, param["value"])
    # A multi-line value (location policies) gets its label on a line of its own.
    joiner = "<br>" if "<br>" in value else " "
    return f"{value}{joiner}({param['confidence']})"


def _rule_table(code: str, packs: list[dict[str, Any]]) -> list[str]:
    entries = [p["rules"][code] for p in packs]
    rows = [
        ["applies", *("yes" if e["applies"] else "n/a" for e in entries)],
        ["severity", *(e["severity"] for e in entries)],
    ]
    for name in RULE_PARAMS[code]:
        rows.append([f"`{name}`", *(_param(e["params"][name], name) for e in entries)])
    rows.append(["citation", *(e["citation"] for e in entries)])
    header = ["", *(p["pack"] for p in packs)]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return lines


def _complaint_table(packs: list[dict[str, Any]]) -> list[str]:
    sections = [p["complaints"] for p in packs]
    rows = []
    for name in COMPLAINT_PARAMS:
        cells = []
        for section in sections:
            param = section["params"][name]
            value = param["value"]
            if isinstance(value, list):  # extension_days: one step per extension, in order
                value = " then ".join(f"+{v} days" for v in value) or "none"
            else:
                value = _value(name, value)
            cells.append(f"{value} ({param['confidence']})")
        rows.append([f"`{name}`", *cells])
    rows.append(["citation", *(s["citation"] for s in sections)])
    header = ["", *(p["pack"] for p in packs)]
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows),
    ]


def _sources(pack: dict[str, Any]) -> list[str]:
    params = [p for rule in pack["rules"].values() for p in rule["params"].values()]
    params += pack["complaints"]["params"].values()
    found = {
        part.strip() for param in params for part in param["source"].split(";") if part.strip()
    }

    def natural(key: str) -> tuple:
        return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key))

    # Source keys such as CN-1 first, in number order; other sources (bank policy) after them.
    return sorted(found, key=lambda k: (not re.fullmatch(r"[A-Z]+-\d+", k), natural(k)))


def render_rules_doc(packs: list[dict[str, Any]]) -> str:
    """The whole Markdown document for these packs (in the order given). Deterministic."""
    for pack in packs:
        policy_from_pack(pack)  # PackError names the first bad path; never document a bad pack
    out = [
        "# Compliance rules by pack",
        "",
        "<!-- Generated from compliance/packs/*.json: do not edit by hand. -->",
        "",
        "This file is generated from the shipped rule packs in `compliance/packs/*.json`. Do not "
        f"edit it by hand: change the pack files and regenerate it with `{COMMAND}` "
        f"(`{COMMAND} --check` tells whether it is current; a test fails when it is not).",
        "",
        "Rules are listed per stage in the order the engine evaluates and reports them "
        "(DESIGN.md §6.1). For each rule the table shows, per pack: whether the pack applies it "
        "(*n/a*: the rule is reported as not required and its parameters, shown for reference, "
        "are not used), the severity of a failure, every parameter with its confidence label "
        "(see [Sources and confidence](#sources-and-confidence)), and the citation. "
        f"{NONE} means no value. A pre-booking check blocks if a failed finding has severity "
        "*block*, else goes to review if one has *review*; a post-visit check is flagged on any "
        "failed *block* or *review* finding; *warn* never changes a decision. These are the "
        "defaults: compliance officers publish new pack versions in the application.",
        "",
        "| pack | version | title | time zone | effective from |",
        "|---|---|---|---|---|",
    ]
    out.extend(
        "| "
        + " | ".join(
            _cell(str(p[k])) for k in ("pack", "version", "title", "timezone", "effective_from")
        )
        + " |"
        for p in packs
    )
    for _stage, title, rules in STAGES:
        out += ["", f"## {title}"]
        for rule in rules:
            code = rule.code
            line = DESCRIPTIONS[code]
            if code in TIME_BASED:
                line += " *Time-based: considered when searching for the next allowed start.*"
            out += ["", f"### `{code}`", "", line, "", *_rule_table(code, packs)]
    out += [
        "",
        "## Complaint deadlines (`complaints`)",
        "",
        "Not a rule but the clock of the complaint register (rule 29 `COMPLAINT_SLA` of the "
        "research notes). A complaint is due at the end of the borrower's local day "
        "`respond_within_days` calendar days after the day it was received (that day not "
        "counted). Each extension, granted in order with a recorded reason before the deadline "
        "passes, adds its days; together they never pass `max_days`. The pack version in force "
        "when the complaint was received sets its clock.",
        "",
        *_complaint_table(packs),
        "",
        "## Sources and confidence",
        "",
        "Every parameter carries a source and a confidence label. Source keys such as `CN-1` "
        "refer to the source list of the compliance research notes (REGULATIONS.md §4).",
        "",
        "| label | meaning |",
        "|---|---|",
        *(f"| {label} | {meaning} |" for label, meaning in CONFIDENCE_LEGEND),
        "",
        "| pack | sources of its parameters |",
        "|---|---|",
        *(f"| {p['pack']} | {_cell('; '.join(_sources(p)))} |" for p in packs),
        "",
    ]
    return "\n".join(out)
