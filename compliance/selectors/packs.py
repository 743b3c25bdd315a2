"""Read side of rule-pack versions for the workbench: versions per jurisdiction, one version's
document laid out for reading (rules by stage, parameters, other sections)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404

from collections_app.models.borrowers import Jurisdiction
from compliance.models import RulePack
from compliance.rules import POST_RULES, PRE_RULES
from compliance.rules.policy import RULE_PARAMS
from compliance.services.pack_versions import show_value

# Top-level keys of a pack document shown in its header, not as a section.
HEADER_KEYS = (
    "pack",
    "version",
    "country",
    "title",
    "timezone",
    "effective_from",
    "supersedes",
    "based_on",
    "rules",
)
STAGES = (("pre", [r.code for r in PRE_RULES]), ("post", [r.code for r in POST_RULES]))


@dataclass
class JurisdictionPacks:
    code: str
    label: str
    in_force: RulePack | None = None
    upcoming: list[RulePack] = field(default_factory=list)  # published, not yet effective
    earlier: list[RulePack] = field(default_factory=list)  # published, overtaken by a later one
    drafts: list[RulePack] = field(default_factory=list)
    retired: list[RulePack] = field(default_factory=list)


def pack_overview(*, now: datetime) -> list[JurisdictionPacks]:
    """Every version, grouped per jurisdiction (one query; documents not loaded)."""
    groups = {code: JurisdictionPacks(code, label) for code, label in Jurisdiction.choices}
    packs = RulePack.objects.defer("parameters").select_related("created_by")
    # Newest effective first, as active_at orders: the first effective one is in force.
    for pack in packs.order_by("-effective_from", "-id"):
        group = groups[pack.jurisdiction]
        if pack.status == RulePack.Status.DRAFT:
            group.drafts.append(pack)
        elif pack.status == RulePack.Status.RETIRED:
            group.retired.append(pack)
        elif pack.effective_from > now:
            group.upcoming.insert(0, pack)  # soonest first
        elif group.in_force is None:
            group.in_force = pack
        else:
            group.earlier.append(pack)
    return [g for g in groups.values() if g.in_force or g.upcoming or g.drafts or g.retired]


def pack_get(*, version: str) -> RulePack:
    return get_object_or_404(RulePack.objects.select_related("created_by"), version=version)


def pack_draft_get(*, version: str) -> RulePack:
    """Editing, replaying and publishing are for drafts: any other version is not found."""
    return get_object_or_404(RulePack, version=version, status=RulePack.Status.DRAFT)


def pack_source(*, pack: RulePack) -> RulePack:
    """The version a draft was copied from (404 when it has none)."""
    based_on = pack.parameters.get("based_on") if isinstance(pack.parameters, dict) else None
    if not based_on:
        raise Http404("no source version")
    return get_object_or_404(RulePack, version=based_on)


@dataclass(frozen=True)
class ParamRow:
    name: str
    kind: str
    value: str
    source: str
    confidence: str


@dataclass(frozen=True)
class RuleRow:
    code: str
    applies: bool
    severity: str
    citation: str
    params: tuple[ParamRow, ...]


@dataclass(frozen=True)
class Section:
    name: str
    rows: tuple[tuple[str, str], ...]  # (dotted key, value as read)


@dataclass(frozen=True)
class PackDocument:
    header: tuple[tuple[str, str], ...]
    stages: tuple[tuple[str, tuple[RuleRow, ...]], ...]
    sections: tuple[Section, ...]


def pack_document(*, pack: RulePack) -> PackDocument:
    """A version's document for reading. Tolerates documents the schema would refuse (a draft
    edited in the admin): what is there is shown, what is missing is left out."""
    document = pack.parameters if isinstance(pack.parameters, dict) else {}
    rules = document.get("rules") if isinstance(document.get("rules"), dict) else {}
    stages = tuple(
        (stage, tuple(_rule_row(code, rules[code]) for code in codes if code in rules))
        for stage, codes in STAGES
    )
    sections = tuple(
        Section(key, tuple(_flatten(value)))
        for key, value in document.items()
        if key not in HEADER_KEYS
    )
    header = tuple((key, show_value(document[key])) for key in HEADER_KEYS[:-1] if key in document)
    return PackDocument(header, stages, sections)


def _rule_row(code: str, entry: Any) -> RuleRow:
    entry = entry if isinstance(entry, dict) else {}
    params = entry.get("params") if isinstance(entry.get("params"), dict) else {}
    spec = RULE_PARAMS.get(code, {})
    return RuleRow(
        code=code,
        applies=entry.get("applies") is True,
        severity=str(entry.get("severity", "")),
        citation=str(entry.get("citation", "")),
        # In schema order (jsonb keeps no key order), then any the schema does not know.
        params=tuple(
            _param_row(name, spec.get(name, ""), params[name])
            for name in [n for n in spec if n in params] + sorted(set(params) - set(spec))
        ),
    )


def _param_row(name: str, kind: str, param: Any) -> ParamRow:
    if not isinstance(param, dict):
        return ParamRow(name, kind, show_value(param), "", "")
    return ParamRow(
        name,
        kind,
        show_value(param.get("value")),
        str(param.get("source", "")),
        str(param.get("confidence", "")),
    )


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Any section as (dotted key, value) rows, so sections the page does not know still show."""
    if isinstance(value, dict) and value:
        rows = []
        for key, item in value.items():
            rows += _flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return rows
    return [(prefix, show_value(value))]
