"""Shared baseline for the rule tables: the shipped packs, one clean Facts per pack and stage.

No database and no fixtures (STYLE.md §10): everything here is built once at import, and each
table row varies the baseline with `change(facts, {"dotted.path": value})`, which applies
`dataclasses.replace` level by level.
"""

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import pytest

from compliance.packs import shipped_pack
from compliance.rules import (
    POST_RULES,
    PRE_RULES,
    Facts,
    Finding,
    Outcome,
    Severity,
    Stage,
    policy_from_pack,
)
from compliance.rules.base import not_required
from compliance.rules.facts import (
    BorrowerFacts,
    Checklist,
    CollectorFacts,
    DebtFacts,
    EvidenceFacts,
    GeoPoint,
    Notice,
    ReportFacts,
    VisitFacts,
)

PACK_DATA = {code: shipped_pack(code) for code in ("cn", "us", "uk", "in")}
POLICIES = {code: policy_from_pack(data) for code, data in PACK_DATA.items()}
ZONES = {
    "cn": "Asia/Shanghai",
    "us": "America/New_York",
    "uk": "Europe/London",
    "in": "Asia/Kolkata",
}

PASS, FAIL, NA = Outcome.PASS, Outcome.FAIL, Outcome.NA
BLOCK, REVIEW, WARN = Severity.BLOCK, Severity.REVIEW, Severity.WARN

RULES = {r.code: r for r in PRE_RULES + POST_RULES}
POST_CODES = frozenset(r.code for r in POST_RULES)

DAY = date(2026, 3, 10)  # a Tuesday, no holiday in the baseline
VALID_UNTIL = date(2026, 12, 31)
HOME = GeoPoint(25.0389, 102.7183, accuracy_m=8)  # Kunming


def sha(name: str) -> str:
    """A realistic SHA-256 for a named test file."""
    return hashlib.sha256(name.encode()).hexdigest()


def at(pack: str, hhmm: str, days: int = 0) -> datetime:
    """An aware datetime at local `hhmm` on DAY + days in the pack's baseline zone."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(DAY + timedelta(days=days), time(hours, minutes), ZoneInfo(ZONES[pack]))


def planned(pack: str, start: str, end: str, end_days: int = 0) -> dict[str, datetime]:
    """Overrides that move the planned visit to local start–end on DAY."""
    return {"visit.start": at(pack, start), "visit.end": at(pack, end, end_days)}


def collector(ident: str, **overrides: Any) -> CollectorFacts:
    base = CollectorFacts(
        id=ident,
        work_id_valid_until=VALID_UNTIL,
        authorization_valid_until=VALID_UNTIL,
        training_valid_until=VALID_UNTIL,
        certifications=frozenset({"IIBF"}),
    )
    return replace(base, **overrides)


def team(size: int) -> tuple[CollectorFacts, ...]:
    return tuple(collector(f"c{n}") for n in range(1, size + 1))


def _pre(pack: str) -> Facts:
    start = at(pack, "10:00")
    return Facts(
        now=start - timedelta(days=4),
        visit=VisitFacts(
            start=start,
            end=start + timedelta(hours=1),
            location_type="home",
            target="borrower",
            purpose="Discuss the overdue instalments and a repayment plan",
            recorder=True,
            collectors=team(2),
        ),
        borrower=BorrowerFacts(timezone=ZONES[pack]),
        debt=DebtFacts(oldest_unpaid_due_date=date(2025, 1, 15)),
        notices=(
            Notice(
                "sms",
                sent_at=start - timedelta(days=3),
                delivered_at=start - timedelta(days=3),
                states_purpose=True,
            ),
        ),
    )


def _post(pack: str) -> Facts:
    facts = _pre(pack)
    start = facts.visit.start
    report = ReportFacts(
        check_in_at=start + timedelta(minutes=5),
        check_out_at=start + timedelta(minutes=50),
        check_in_location=HOME,
        address_location=HOME,
        collectors_present=("c1", "c2"),
        checklist=Checklist(id_shown=True, institution_named=True, purpose_stated=True),
        notes="Borrower agreed to pay 500 on Friday. 借款人同意周五还款。",
        submitted_at=start + timedelta(hours=3),
        recording_attached=True,
        # A photo taken at the door during the visit and the visit's recording.
        evidence=(
            EvidenceFacts("photo", sha("door.jpg"), start + timedelta(minutes=10), HOME),
            EvidenceFacts("audio", sha("visit.m4a")),
        ),
    )
    return replace(facts, now=start + timedelta(days=1), report=report)


BASE = {
    Stage.PRE: {pack: _pre(pack) for pack in POLICIES},
    Stage.POST: {pack: _post(pack) for pack in POLICIES},
}


def change(obj: Any, overrides: dict[str, Any]) -> Any:
    """`dataclasses.replace` with dotted paths: {"report.checklist.id_shown": False}."""
    direct: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for path, value in overrides.items():
        head, _, rest = path.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = value
    for head, sub in nested.items():
        direct[head] = change(direct.get(head, getattr(obj, head)), sub)
    return replace(obj, **direct)


def facts_for(pack: str, overrides: dict[str, Any] | None = None, stage: Stage = Stage.PRE):
    return change(BASE[stage][pack], overrides or {})


def finding(code: str, pack: str, overrides: dict[str, Any] | None = None) -> Finding:
    """The finding for `code`; a rule the pack does not apply is n/a, as in the engine."""
    stage = Stage.POST if code in POST_CODES else Stage.PRE
    facts = facts_for(pack, overrides, stage)
    policy = POLICIES[pack]
    if not policy.rule(code).applies:
        return not_required(code, policy)
    return RULES[code](facts, policy)


class Row(NamedTuple):
    ident: str
    code: str
    pack: str
    overrides: dict[str, Any]
    outcome: Outcome
    severity: Severity
    fragment: str
    bug: str | None = None


def case(ident, code, pack, overrides, outcome, severity, fragment, bug=None) -> Row:
    """One table row. `bug` marks a DESIGN.md behaviour the rules do not have yet."""
    return Row(ident, code, pack, overrides, outcome, severity, fragment, bug)


def by_rule(rows: list[Row]) -> list:
    """The rows grouped per rule code, one test each.

    A test per row would cost ~20x more in pytest(-django) per-test overhead than the rules
    themselves; `run_table` still reports every failing row by its id.
    """
    codes = dict.fromkeys(row.code for row in rows if not row.bug)
    return [pytest.param([r for r in rows if r.code == c and not r.bug], id=c) for c in codes]


def known_bugs(rows: list[Row]) -> list:
    bugs = [row for row in rows if row.bug]
    return [
        pytest.param(
            row, id=row.ident, marks=pytest.mark.xfail(strict=True, reason=f"BUG: {row.bug}")
        )
        for row in bugs
    ]


def check(row: Row) -> None:
    result = finding(row.code, row.pack, row.overrides)
    message = result.message.render()
    got = (result.rule, result.outcome, result.severity)
    assert got == (row.code, row.outcome, row.severity) and row.fragment in message, (
        f"expected {row.outcome}/{row.severity} saying {row.fragment!r}; "
        f"got {result.outcome}/{result.severity}: {message!r}"
    )
    assert result.citation


def run_table(cases, test: Callable[..., None]) -> None:
    """Run `test(*args)` for each (id, *args) case; fail once, naming every failing id."""
    failures = []
    for ident, *args in cases:
        try:
            test(*args)
        except Exception as error:  # reported below, with the case id
            failures.append(f"{ident}: {type(error).__name__}: {error}")
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)


def check_all(rows: list[Row]) -> None:
    run_table([(row.ident, row) for row in rows], check)
