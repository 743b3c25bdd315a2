"""Rule-pack versions: loading the shipped defaults, finding the version in force, its Policy."""

import json
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from compliance.models import RulePack
from compliance.rules import Policy, policy_from_pack

PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"


class NoPackInForce(LookupError):
    """No published version of a jurisdiction's pack is effective at the moment asked."""


def default_pack_documents() -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(PACKS_DIR.glob("*.json"))
    ]


@transaction.atomic
def rulepack_load_defaults() -> int:
    """Publish each shipped pack file whose version is not in the database yet (idempotent)."""
    known = set(RulePack.objects.values_list("version", flat=True))
    created = 0
    for document in default_pack_documents():
        if document["version"] in known:
            continue
        policy_from_pack(document)  # a broken shipped pack must fail loudly, never load
        effective = datetime.combine(
            date.fromisoformat(document["effective_from"]),
            time(0),
            ZoneInfo(document["timezone"]),
        )
        RulePack.objects.create(
            jurisdiction=document["pack"],
            version=document["version"],
            status=RulePack.Status.PUBLISHED,
            effective_from=effective,
            published_at=effective,
            parameters=document,
            notes=_("Shipped default pack."),
        )
        created += 1
    return created


def rulepack_in_force(*, jurisdiction: str, at: datetime) -> RulePack:
    pack = RulePack.objects.active_at(jurisdiction, at).first()
    if pack is None:
        raise NoPackInForce(
            _("No published %(pack)s rule pack is in force at %(at)s.")
            % {"pack": jurisdiction, "at": at.isoformat()}
        )
    return pack


@lru_cache(maxsize=64)
def _policy(pack_id: int, version: str, updated_at: datetime, parameters: str) -> Policy:
    return policy_from_pack(json.loads(parameters))


def policy_for(pack: RulePack) -> Policy:
    """Validated Policy of a version, cached: published versions never change."""
    return _policy(
        pack.pk, pack.version, pack.updated_at, json.dumps(pack.parameters, sort_keys=True)
    )
