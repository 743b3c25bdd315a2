"""Rule-pack versions made by compliance officers (issue 6 item 4): a draft copied from a
published version, edited with validation, compared with its source, replayed against the
booked future visits, then published from an effective date.

Publishing never retires the version in force: `RulePack.objects.active_at` picks the newest
published version already effective, so the previous one keeps answering until the new one's
`effective_from`, and keeps answering for every moment before it (history stays right).
Retiring is for versions that must never be in force again (a shipped version superseded from
the same date, see `packs.rulepack_load_defaults`).
"""

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from compliance.display import finding_rows
from compliance.facts import facts_for_visit
from compliance.holidays import with_holidays
from compliance.models import Flag, RulePack
from compliance.rules import (
    PRE_RULES,
    Decision,
    Finding,
    Outcome,
    PackError,
    Policy,
    Severity,
    Stage,
    Verdict,
    policy_from_pack,
)
from compliance.rules.engine import run_rules
from compliance.rules.policy import RULE_PARAMS
from compliance.rules.results import decide
from compliance.services.audit import audit_record
from compliance.services.checks import CheckOutcome, compliance_record
from compliance.services.packs import policy_for
from visits.models import Visit
from visits.models.visits import OPEN_STATUSES

# Document keys that describe a row rather than the rules: never part of a diff.
META_KEYS = ("version", "based_on", "supersedes", "effective_from")
# A version string is a URL segment: letters, digits, dot, dash, underscore.
VERSION_PATTERN = re.compile(r"[A-Za-z0-9._-]+")
VERSION_MAX = RulePack._meta.get_field("version").max_length
SAME_MOMENT = gettext_noop("Another version already takes effect at that moment.")
_RANK = {Decision.ALLOW: 0, Decision.REVIEW: 1, Decision.BLOCK: 2}
_MISSING = object()


def _pack_error(error: PackError) -> ValidationError:
    """The schema's first problem, keyed by its document path (the edit form's field names)."""
    return ValidationError({error.path: [error.message]})


# --- draft -------------------------------------------------------------------------------


def pack_next_draft_version(*, source: RulePack) -> str:
    """`<source>.<n>`, the first free n: a sub-version of the source, so it can never take the
    name of a later shipped version (`CN-2026.3`), which the loader would then skip."""
    taken = set(
        RulePack.objects.filter(version__startswith=f"{source.version}.").values_list(
            "version", flat=True
        )
    )
    n = 1
    while f"{source.version}.{n}" in taken:
        n += 1
    return f"{source.version}.{n}"


def _check_version(version: str, jurisdiction: str) -> None:
    if len(version) > VERSION_MAX or not VERSION_PATTERN.fullmatch(version):
        raise ValidationError(
            {
                "version": _("Use at most %(max)d letters, digits, dots, dashes or underscores.")
                % {"max": VERSION_MAX}
            }
        )
    if not version.startswith(f"{jurisdiction}-"):
        raise ValidationError(
            {"version": _("Start the version with %(prefix)s.") % {"prefix": f"{jurisdiction}-"}}
        )
    if RulePack.objects.filter(version=version).exists():
        raise ValidationError({"version": _("Version %(v)s already exists.") % {"v": version}})


@transaction.atomic
def pack_draft_create(
    *, source: RulePack, by, now: datetime, version: str = "", notes: str = ""
) -> RulePack:
    """A new draft holding a copy of a published version's document, named `version` (or the
    next free `<source>.<n>`), remembering its source in the document's `based_on`."""
    if source.status != RulePack.Status.PUBLISHED:
        raise ValidationError(_("Drafts are copied from a published version."))
    version = version.strip() or pack_next_draft_version(source=source)
    _check_version(version, source.jurisdiction)
    document = copy.deepcopy(source.parameters)
    for key in ("supersedes", "effective_from"):  # the row holds them, not the copy
        document.pop(key, None)
    document.update(version=version, based_on=source.version)
    draft = RulePack(
        jurisdiction=source.jurisdiction,
        version=version,
        status=RulePack.Status.DRAFT,
        parameters=document,
        notes=notes.strip(),
        created_by=by,
    )
    try:
        with transaction.atomic():  # two officers taking the same name at once
            draft.save()
    except IntegrityError:
        raise ValidationError(
            {"version": _("Version %(v)s already exists.") % {"v": version}}
        ) from None
    audit_record(
        actor=by,
        action="rulepack.draft_created",
        obj=draft,
        data={"version": version, "based_on": source.version},
        at=now,
    )
    return draft


@transaction.atomic
def pack_draft_update(
    *, draft: RulePack, document: Any, by, now: datetime, notes: str | None = None
) -> RulePack:
    """Replace a draft's document after validating it against the schema (nothing is saved
    when it fails: ValidationError keyed by the path of the first problem)."""
    draft = RulePack.objects.select_for_update().get(pk=draft.pk)
    if draft.status != RulePack.Status.DRAFT:
        raise ValidationError(
            _("%(version)s is %(status)s: only drafts can be edited.")
            % {"version": draft.version, "status": draft.get_status_display()},
            code="immutable",
        )
    if not isinstance(document, dict):
        raise ValidationError({"pack": [_("expected an object")]})
    for key, expected in (("pack", draft.jurisdiction), ("version", draft.version)):
        if document.get(key) != expected:
            raise ValidationError({key: [_("must stay %(value)s") % {"value": expected}]})
    document = {**document, "based_on": draft.parameters.get("based_on")}
    if document["based_on"] is None:
        del document["based_on"]
    try:
        policy_from_pack(document)
    except PackError as error:
        raise _pack_error(error) from None
    changes = pack_diff(old=draft.parameters, new=document)
    draft.parameters = document
    if notes is not None:
        draft.notes = notes.strip()
    # updated_at moves with every save: policy_for's cache key, so no stale Policy is served.
    draft.save(update_fields=["parameters", "notes", "updated_at"])
    audit_record(
        actor=by,
        action="rulepack.draft_changed",
        obj=draft,
        data={"version": draft.version, "paths": [c.path for c in changes]},
        at=now,
    )
    return draft


# --- diff --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    path: str  # e.g. "rules.VISIT_WINDOW.params.end.value"
    old: Any
    new: Any

    @property
    def rule(self) -> str:
        parts = self.path.split(".")
        return parts[1] if parts[0] == "rules" and len(parts) > 1 else ""

    @property
    def old_text(self) -> str:
        return show_value(self.old)

    @property
    def new_text(self) -> str:
        return show_value(self.new)


def show_value(value: Any) -> str:
    """A document value as a person reads it."""
    if value is _MISSING:
        return _("(absent)")
    if value is None:
        return _("(none)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value) or _("(empty)")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {show_value(v)}" for k, v in value.items()) or _("(empty)")
    return str(value)


def pack_diff(*, old: dict, new: dict) -> list[Change]:
    """Every leaf that differs between two pack documents, in schema order: the rules as
    RULE_PARAMS lists them (applies, severity, citation, then each parameter), then the other
    sections by name. Lists compare as whole values. (Not the documents' own key order:
    PostgreSQL's jsonb does not keep it.)"""
    changes: list[Change] = []
    _walk((), old, new, changes)
    return changes


_ENTRY_ORDER = ("applies", "severity", "citation", "params")


def _ordered(parts: tuple[str, ...], keys: list[str]) -> list[str]:
    if not parts:
        first = ["rules"]
    elif parts == ("rules",):
        first = list(RULE_PARAMS)
    elif len(parts) == 2 and parts[0] == "rules":
        first = list(_ENTRY_ORDER)
    elif len(parts) == 3 and parts[0] == "rules" and parts[2] == "params":
        first = list(RULE_PARAMS.get(parts[1], {}))
    else:
        first = ["value", "source", "confidence"]
    present = set(keys)
    return [k for k in first if k in present] + sorted(present - set(first))


def _walk(parts: tuple[str, ...], old: Any, new: Any, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in _ordered(parts, list(old) + list(new)):
            if not parts and key in META_KEYS:
                continue
            _walk((*parts, key), old.get(key, _MISSING), new.get(key, _MISSING), out)
    elif old != new or type(old) is not type(new):
        out.append(Change(".".join(parts), old, new))


# --- replay ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleChange:
    rule: str
    old: str  # "pass", "n/a" or the severity of a failure ("block", "review", "warn")
    new: str


@dataclass(frozen=True)
class ReplayRow:
    visit: Visit
    old: Decision
    new: Decision
    rules: tuple[RuleChange, ...]

    @property
    def worse(self) -> bool:
        return _RANK[self.new] > _RANK[self.old]


@dataclass
class Replay:
    draft: RulePack
    baseline: RulePack
    evaluated: int = 0
    changed: list[ReplayRow] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.evaluated - len(self.changed)

    @property
    def by_kind(self) -> list[tuple[str, str, int]]:
        """(old decision, new decision, how many), most frequent first."""
        counts: dict[tuple[str, str], int] = {}
        for row in self.changed:
            key = (row.old.value, row.new.value)
            counts[key] = counts.get(key, 0) + 1
        return sorted(((o, n, c) for (o, n), c in counts.items()), key=lambda t: -t[2])


def _effect(finding: Finding) -> str:
    return finding.severity.value if finding.outcome is Outcome.FAIL else finding.outcome.value


def _run(facts, policy: Policy) -> tuple[Decision, tuple[Finding, ...]]:
    # The decision only: no next-allowed-start search, which can cost a thousand evaluations.
    findings = run_rules(Stage.PRE, with_holidays(facts, policy.country), policy)
    return decide(Stage.PRE, findings), findings


def _open_visits(jurisdiction: str, after: datetime):
    return (
        Visit.objects.filter(
            status__in=OPEN_STATUSES,
            planned_start__gt=after,
            borrower__jurisdiction=jurisdiction,
        )
        .select_related("case", "borrower")
        .order_by("planned_start", "pk")
    )


def _compare(visit: Visit, now: datetime, old: Policy, new: Policy):
    _plan, facts = facts_for_visit(visit=visit, now=now)
    old_decision, old_findings = _run(facts, old)
    new_decision, new_findings = _run(facts, new)
    before = {f.rule: _effect(f) for f in old_findings}
    rules = tuple(
        RuleChange(f.rule, before.get(f.rule, "n/a"), _effect(f))
        for f in new_findings
        if _effect(f) != before.get(f.rule, "n/a")
    )
    row = ReplayRow(visit, old_decision, new_decision, rules)
    return row, facts, new_findings


def pre_rules_differ(old: Policy, new: Policy) -> bool:
    """Whether any pre-booking decision can differ: a pre rule's switch, severity or
    parameters, or the country (its public holidays). Citations never decide."""
    if old.country != new.country:
        return True
    return any(
        (a.applies, a.severity, a.params) != (b.applies, b.severity, b.params)
        for a, b in ((old.rules[r.code], new.rules[r.code]) for r in PRE_RULES)
    )


def _in_force(jurisdiction: str, at: datetime) -> RulePack:
    pack = RulePack.objects.active_at(jurisdiction, at).first()
    if pack is None:
        raise ValidationError(
            _("No published %(pack)s rule pack is in force now.") % {"pack": jurisdiction}
        )
    return pack


def _draft_policy(draft: RulePack) -> Policy:
    try:
        return policy_for(draft)
    except PackError as error:  # a draft edited in the admin past the form: say where
        raise _pack_error(error) from None


def pack_replay(*, draft: RulePack, now: datetime) -> Replay:
    """The pre-booking check of every booked future visit of the draft's jurisdiction under
    the version in force now and under the draft; the visits whose decision would change.
    Reads only: nothing is recorded. About ten queries per visit (the facts)."""
    new = _draft_policy(draft)
    baseline = _in_force(draft.jurisdiction, now)
    old = policy_for(baseline)
    replay = Replay(draft=draft, baseline=baseline)
    visits = _open_visits(draft.jurisdiction, now)
    if not pre_rules_differ(old, new):  # no decision can change: skip the facts
        replay.evaluated = visits.count()
        return replay
    for visit in visits:
        row, _facts, _findings = _compare(visit, now, old, new)
        replay.evaluated += 1
        if row.old != row.new:
            replay.changed.append(row)
    return replay


# --- publish -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    pack: RulePack
    replaced: RulePack | None  # the version that would otherwise be in force from then on
    flags: tuple[Flag, ...]


@transaction.atomic
def pack_publish(*, draft: RulePack, effective_from: datetime, by, now: datetime) -> Published:
    """Publish a draft from `effective_from` (never in the past) and flag the booked visits
    from then on whose decision the new version makes worse (allow → review/block,
    review → block): one open flag per rule that newly fails, with the check that found it."""
    pack = RulePack.objects.select_for_update().get(pk=draft.pk)
    if pack.status != RulePack.Status.DRAFT:
        raise ValidationError(
            _("%(version)s is %(status)s: only drafts can be published.")
            % {"version": pack.version, "status": pack.get_status_display()},
            code="immutable",
        )
    if effective_from is None or timezone.is_naive(effective_from):
        raise ValidationError({"effective_from": _("Give a date and time.")})
    if effective_from < now:
        raise ValidationError(
            {
                "effective_from": _(
                    "A version cannot take effect in the past (no retroactive rules)."
                )
            }
        )
    if RulePack.objects.filter(
        jurisdiction=pack.jurisdiction,
        status=RulePack.Status.PUBLISHED,
        effective_from=effective_from,
    ).exists():
        raise ValidationError({"effective_from": _(SAME_MOMENT)})
    new = _draft_policy(pack)
    baseline = _in_force(pack.jurisdiction, now)  # before this one joins: the comparison
    replaced = RulePack.objects.active_at(pack.jurisdiction, effective_from).first()
    pack.status = RulePack.Status.PUBLISHED
    pack.effective_from = effective_from
    pack.published_at = now
    try:
        with transaction.atomic():  # another draft published for the same moment meanwhile
            pack.save(update_fields=["status", "effective_from", "published_at", "updated_at"])
    except IntegrityError:
        raise ValidationError({"effective_from": _(SAME_MOMENT)}) from None
    audit_record(
        actor=by,
        action="rulepack.published",
        obj=pack,
        data={
            "version": pack.version,
            "effective_from": effective_from.isoformat(),
            "based_on": pack.parameters.get("based_on"),
            "replaces": replaced.version if replaced else None,
        },
        at=now,
    )
    flags = _flag_worse_visits(pack, new, policy_for(baseline), by, now)
    return Published(pack, replaced, tuple(flags))


def _flag_worse_visits(pack: RulePack, new: Policy, old: Policy, by, now: datetime) -> list:
    """Synchronous: ~10 queries per booked visit after the effective date (a bank with tens of
    thousands of them would move this into a Celery task taking the pack id)."""
    flags = []
    if not pre_rules_differ(old, new):
        return flags
    visits = _open_visits(pack.jurisdiction, now).filter(planned_start__gte=pack.effective_from)
    for visit in visits:
        row, facts, findings = _compare(visit, now, old, new)
        if not row.worse:
            continue
        verdict = Verdict(Stage.PRE, row.new, new.pack, new.version, findings, None)
        facts = with_holidays(facts, new.country)
        check = compliance_record(
            outcome=CheckOutcome(pack, facts, verdict),
            borrower=visit.borrower,
            case=visit.case,
            visit=visit,
            by=by,
        )
        flags += _raise(visit, check, row, pack, now)
    return flags


def _raise(visit: Visit, check, row: ReplayRow, pack: RulePack, now: datetime) -> list[Flag]:
    worse = {c.rule for c in row.rules if c.new in (Severity.BLOCK, Severity.REVIEW)}
    open_rules = set(
        Flag.objects.filter(visit=visit)
        .exclude(status=Flag.Status.RESOLVED)
        .values_list("rule", flat=True)
    )
    when = timezone.localtime(pack.effective_from).strftime("%Y-%m-%d %H:%M")
    flags = []
    for finding in check.findings.filter(rule__in=worse - open_rules).order_by("position"):
        flag = Flag.objects.create(
            borrower=visit.borrower,
            case=visit.case,
            visit=visit,
            finding=finding,
            rule=finding.rule,
            severity=finding.severity,
            summary=_("Rule pack %(version)s, in force from %(when)s: %(message)s")
            % {
                "version": pack.version,
                "when": when,
                "message": finding_rows([finding])[0].message,
            },
        )
        audit_record(
            actor=None,
            action="flag.raised",
            obj=flag,
            data={"rule": flag.rule, "visit": str(visit.public_id), "pack": pack.version},
            at=now,
        )
        flags.append(flag)
    return flags
