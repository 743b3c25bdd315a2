"""The dry-run JSON contract of DESIGN.md §6.2: request → facts, verdict → response.

No Django here either: the CLI and the API share it, and every error names the field.
"""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .packs import JURISDICTIONS
from .rules import facts as f
from .rules.i18n import Translate, untranslated
from .rules.results import Stage, Verdict


class ContractError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class _Reader:
    """Typed access to one JSON object, rejecting unknown keys, naming the path on errors."""

    def __init__(self, data: Any, path: str, allowed: tuple[str, ...]):
        if not isinstance(data, dict):
            raise ContractError(path or "request", "expected a JSON object")
        if unknown := sorted(set(data) - set(allowed)):
            raise ContractError(self._join(path, unknown[0]), "unknown field")
        self.data, self.path = data, path

    @staticmethod
    def _join(path: str, key: str | int) -> str:
        if isinstance(key, int):
            return f"{path}[{key}]"
        return f"{path}.{key}" if path else key

    def field(self, key: str) -> str:
        return self._join(self.path, key)

    def get(self, key: str, kind: type | tuple, default: Any = None, required: bool = False) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise ContractError(self.field(key), "required")
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            expected = {
                "str": "a string",
                "bool": "true or false",
                "int": "a whole number",
                "list": "a list",
                "dict": "an object",
            }.get(names, names)
            raise ContractError(self.field(key), f"expected {expected}")
        return value

    def choice(self, key: str, choices, default: Any = None, required: bool = False) -> Any:
        value = self.get(key, str, default, required)
        if value is not None and value not in choices:
            raise ContractError(
                self.field(key), f"unknown value {value!r}; expected one of {list(choices)}"
            )
        return value

    def moment(self, key: str, required: bool = False) -> datetime | None:
        value = self.get(key, str, required=required)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ContractError(self.field(key), f"not an ISO 8601 date-time: {value!r}") from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise ContractError(self.field(key), "the date-time needs a UTC offset, e.g. +08:00")
        return parsed

    def day(self, key: str, required: bool = False) -> date | None:
        value = self.get(key, str, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ContractError(self.field(key), f"not a date as YYYY-MM-DD: {value!r}") from None

    def clock(self, key: str) -> time:
        value = self.get(key, str, required=True)
        try:
            hours, minutes = value.split(":")
            return time(int(hours), int(minutes))
        except ValueError:
            raise ContractError(self.field(key), f"not a time as HH:MM: {value!r}") from None

    def number(self, key: str, required: bool = False) -> float | None:
        value = self.get(key, (int, float), required=required)
        if isinstance(value, bool):
            raise ContractError(self.field(key), "expected a number")
        return None if value is None else float(value)

    def items(self, key: str, allowed: tuple[str, ...]):
        values = self.get(key, list, [])
        for index, item in enumerate(values):
            yield _Reader(item, self._join(self.field(key), index), allowed)

    def strings(self, key: str, choices=None) -> frozenset[str]:
        values = self.get(key, list, [])
        for index, value in enumerate(values):
            where = self._join(self.field(key), index)
            if not isinstance(value, str):
                raise ContractError(where, "expected a string")
            if choices is not None and value not in choices:
                raise ContractError(
                    where, f"unknown value {value!r}; expected one of {sorted(choices)}"
                )
        return frozenset(values)

    def child(self, key: str, allowed: tuple[str, ...], required: bool = False) -> "_Reader":
        value = self.get(key, dict, {}, required)
        return _Reader(value, self.field(key), allowed)


def _interval(reader: _Reader) -> f.Interval:
    start, end = reader.moment("start", required=True), reader.moment("end", required=True)
    if end <= start:
        raise ContractError(reader.field("end"), "must be after start")
    return f.Interval(start, end)


def _borrower(r: _Reader) -> f.BorrowerFacts:
    zone = r.get("timezone", str, "Asia/Shanghai")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ContractError(r.field("timezone"), f"unknown time zone {zone!r}") from None
    windows = []
    for w in r.items("no_visit_windows", ("weekdays", "start", "end")):
        weekdays = w.get("weekdays", list, required=True)
        if not weekdays or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in weekdays
        ):
            raise ContractError(
                w.field("weekdays"), "expected a list of weekdays 0 (Monday) … 6 (Sunday)"
            )
        start, end = w.clock("start"), w.clock("end")
        if end <= start:
            raise ContractError(w.field("end"), "must be after start")
        windows.append(f.NoVisitWindow(frozenset(weekdays), start, end))
    sensitive = []
    for s in r.items("sensitive_dates", ("date", "reason")):
        on = s.day("date", required=True)
        sensitive.append(f.SensitiveDate(on, on, s.get("reason", str, "other")))
    attempts = r.get("failed_contact_attempts", int, 0)
    if attempts < 0:
        raise ContractError(r.field("failed_contact_attempts"), "must be 0 or more")
    return f.BorrowerFacts(
        timezone=zone,
        flags=r.strings("flags", f.FLAGS),
        no_visit_windows=tuple(windows),
        no_visit_locations=r.strings("no_visit_locations", f.LOCATION_TYPES),
        consents=r.strings("consents", f.CONSENTS),
        sensitive_dates=tuple(sensitive),
        failed_contact_attempts=attempts,
    )


def _collector(c: _Reader) -> f.CollectorFacts:
    busy = tuple(_interval(b) for b in c.items("busy", ("start", "end")))
    return f.CollectorFacts(
        id=c.get("id", str, required=True),
        work_id_valid_until=c.day("work_id_valid_until"),
        authorization_valid_until=c.day("authorization_valid_until"),
        training_valid_until=c.day("training_valid_until"),
        certifications=c.strings("certifications"),
        busy=busy,
    )


def _visit(v: _Reader) -> f.VisitFacts:
    span = _interval(v)
    collectors = tuple(
        _collector(c)
        for c in v.items(
            "collectors",
            (
                "id",
                "work_id_valid_until",
                "authorization_valid_until",
                "training_valid_until",
                "certifications",
                "busy",
            ),
        )
    )
    ids = [c.id for c in collectors]
    if len(ids) != len(set(ids)):
        raise ContractError(v.field("collectors"), "collector ids must be unique")
    return f.VisitFacts(
        start=span.start,
        end=span.end,
        location_type=v.choice("location_type", f.LOCATION_TYPES, "home"),
        target=v.choice("target", f.TARGETS, "borrower"),
        locate_only=v.get("locate_only", bool, False),
        purpose=v.get("purpose", str, ""),
        recorder=v.get("recorder", bool, False),
        collectors=collectors,
    )


def _point(r: _Reader, key: str) -> f.GeoPoint | None:
    if r.data.get(key) is None:
        return None
    p = r.child(key, ("lat", "lng", "accuracy_m"))
    lat, lng = p.number("lat", required=True), p.number("lng", required=True)
    if not -90 <= lat <= 90:
        raise ContractError(p.field("lat"), "must be between -90 and 90")
    if not -180 <= lng <= 180:
        raise ContractError(p.field("lng"), "must be between -180 and 180")
    return f.GeoPoint(lat, lng, p.number("accuracy_m"))


CHECKLIST = tuple(f.Checklist.__dataclass_fields__)
OPTIONAL_BOOLS = ("consent_to_enter", "left_when_asked")
HEX = frozenset("0123456789abcdef")


def _evidence(e: _Reader) -> f.EvidenceFacts:
    kind = e.choice("kind", f.EVIDENCE_KINDS, required=True)
    digest = e.get("sha256", str, required=True).lower()
    if len(digest) != 64 or not set(digest) <= HEX:
        raise ContractError(e.field("sha256"), "expected 64 hexadecimal characters")
    return f.EvidenceFacts(
        kind=kind,
        sha256=digest,
        taken_at=e.moment("taken_at"),
        taken_location=_point(e, "taken_location"),
        used_on_other_visits=e.get("used_on_other_visits", bool, False),
    )


def _report(r: _Reader) -> f.ReportFacts:
    c = r.child("checklist", CHECKLIST)
    checklist = f.Checklist(
        **{name: c.get(name, bool, None if name in OPTIONAL_BOOLS else False) for name in CHECKLIST}
    )
    check_in, check_out = r.moment("check_in_at"), r.moment("check_out_at")
    if check_in and check_out and check_out < check_in:
        raise ContractError(r.field("check_out_at"), "must not be before check_in_at")
    return f.ReportFacts(
        check_in_at=check_in,
        check_out_at=check_out,
        check_in_location=_point(r, "check_in_location"),
        address_location=_point(r, "address_location"),
        collectors_present=tuple(sorted(r.strings("collectors_present"))),
        checklist=checklist,
        notes=r.get("notes", str, ""),
        submitted_at=r.moment("submitted_at"),
        recording_attached=r.get("recording_attached", bool, False),
        vulnerability_observed=r.get("vulnerability_observed", bool, False),
        evidence=tuple(_evidence(e) for e in r.items("evidence", EVIDENCE_KEYS)),
    )


REPORT_KEYS = (
    "check_in_at",
    "check_out_at",
    "check_in_location",
    "address_location",
    "collectors_present",
    "checklist",
    "notes",
    "submitted_at",
    "recording_attached",
    "vulnerability_observed",
    "evidence",
)
EVIDENCE_KEYS = ("kind", "sha256", "taken_at", "taken_location", "used_on_other_visits")


def parse_request(data: Any) -> tuple[Stage, str, f.Facts]:
    """Validate a §6.2 request; the facts come back without public holidays (see with_holidays)."""
    r = _Reader(
        data,
        "",
        ("stage", "pack", "now", "borrower", "debt", "visit", "notices", "history", "report"),
    )
    stage = Stage(r.choice("stage", [s.value for s in Stage], required=True))
    pack = r.choice("pack", JURISDICTIONS, required=True)
    now = r.moment("now", required=True)
    borrower = _borrower(
        r.child(
            "borrower",
            (
                "timezone",
                "flags",
                "no_visit_windows",
                "no_visit_locations",
                "consents",
                "sensitive_dates",
                "failed_contact_attempts",
            ),
        )
    )
    d = r.child("debt", ("oldest_unpaid_due_date", "last_acknowledged_on"))
    debt = f.DebtFacts(d.day("oldest_unpaid_due_date"), d.day("last_acknowledged_on"))
    visit = _visit(
        r.child(
            "visit",
            (
                "start",
                "end",
                "location_type",
                "target",
                "locate_only",
                "purpose",
                "recorder",
                "collectors",
            ),
            required=True,
        )
    )
    notices = []
    for n in r.items("notices", ("channel", "sent_at", "delivered_at", "states_purpose")):
        sent, delivered = n.moment("sent_at"), n.moment("delivered_at")
        if sent and delivered and delivered < sent:
            raise ContractError(n.field("delivered_at"), "must not be before sent_at")
        notices.append(
            f.Notice(
                n.choice("channel", f.CHANNELS, required=True),
                sent,
                delivered,
                n.get("states_purpose", bool, False),
            )
        )
    h = r.child("history", ("visits", "calls"))
    visits = tuple(
        f.PastVisit(
            v.moment("start", required=True), v.choice("status", f.VISIT_STATUSES, required=True)
        )
        for v in h.items("visits", ("start", "status"))
    )
    calls = tuple(
        f.Call(c.moment("at", required=True), c.get("connected", bool, False))
        for c in h.items("calls", ("at", "connected"))
    )
    report = None
    if stage is Stage.POST:
        report = _report(r.child("report", REPORT_KEYS, required=True))
    facts = f.Facts(
        now=now,
        visit=visit,
        borrower=borrower,
        debt=debt,
        notices=tuple(notices),
        visits=visits,
        calls=calls,
        report=report,
    )
    return stage, pack, facts


def finding_json(finding, translate: Translate = untranslated) -> dict:
    return {
        "rule": finding.rule,
        "outcome": finding.outcome.value,
        "severity": finding.severity.value,
        "message": finding.message.render(translate),
        "citation": finding.citation,
    }


def verdict_json(verdict: Verdict, translate: Translate = untranslated) -> dict:
    return {
        "stage": verdict.stage.value,
        "decision": verdict.decision.value,
        "pack": verdict.pack,
        "pack_version": verdict.pack_version,
        "findings": [finding_json(x, translate) for x in verdict.findings],
        "next_allowed_start": verdict.next_allowed_start.isoformat()
        if verdict.next_allowed_start
        else None,
    }


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def request_json(stage: Stage, pack: str, facts: f.Facts) -> dict:
    """Facts back in the §6.2 request shape: the snapshot a check stores, replayable as is."""
    b, v = facts.borrower, facts.visit
    sensitive = [
        {"date": date.fromordinal(d).isoformat(), "reason": s.reason}
        for s in b.sensitive_dates
        for d in range(s.first.toordinal(), s.last.toordinal() + 1)
    ]
    data = {
        "stage": stage.value,
        "pack": pack,
        "now": facts.now.isoformat(),
        "borrower": {
            "timezone": b.timezone,
            "flags": sorted(b.flags),
            "no_visit_windows": [
                {"weekdays": sorted(w.weekdays), "start": _clock(w.start), "end": _clock(w.end)}
                for w in b.no_visit_windows
            ],
            "no_visit_locations": sorted(b.no_visit_locations),
            "consents": sorted(b.consents),
            "sensitive_dates": sensitive,
            "failed_contact_attempts": b.failed_contact_attempts,
        },
        "debt": {
            "oldest_unpaid_due_date": _iso(facts.debt.oldest_unpaid_due_date),
            "last_acknowledged_on": _iso(facts.debt.last_acknowledged_on),
        },
        "visit": {
            "start": v.start.isoformat(),
            "end": v.end.isoformat(),
            "location_type": v.location_type,
            "target": v.target,
            "locate_only": v.locate_only,
            "purpose": v.purpose,
            "recorder": v.recorder,
            "collectors": [
                {
                    "id": c.id,
                    "work_id_valid_until": _iso(c.work_id_valid_until),
                    "authorization_valid_until": _iso(c.authorization_valid_until),
                    "training_valid_until": _iso(c.training_valid_until),
                    "certifications": sorted(c.certifications),
                    "busy": [
                        {"start": i.start.isoformat(), "end": i.end.isoformat()} for i in c.busy
                    ],
                }
                for c in v.collectors
            ],
        },
        "notices": [
            {
                "channel": n.channel,
                "sent_at": _iso(n.sent_at),
                "delivered_at": _iso(n.delivered_at),
                "states_purpose": n.states_purpose,
            }
            for n in facts.notices
        ],
        "history": {
            "visits": [{"start": p.start.isoformat(), "status": p.status} for p in facts.visits],
            "calls": [{"at": c.at.isoformat(), "connected": c.connected} for c in facts.calls],
        },
    }
    if facts.report is not None:
        r = facts.report

        def point(p):
            return None if p is None else {"lat": p.lat, "lng": p.lng, "accuracy_m": p.accuracy_m}

        data["report"] = {
            "check_in_at": _iso(r.check_in_at),
            "check_out_at": _iso(r.check_out_at),
            "check_in_location": point(r.check_in_location),
            "address_location": point(r.address_location),
            "collectors_present": list(r.collectors_present),
            "checklist": {name: getattr(r.checklist, name) for name in CHECKLIST},
            "notes": r.notes,
            "submitted_at": _iso(r.submitted_at),
            "recording_attached": r.recording_attached,
            "vulnerability_observed": r.vulnerability_observed,
            "evidence": [
                {
                    "kind": e.kind,
                    "sha256": e.sha256,
                    "taken_at": _iso(e.taken_at),
                    "taken_location": point(e.taken_location),
                    "used_on_other_visits": e.used_on_other_visits,
                }
                for e in r.evidence
            ],
        }
    return data
