"""Rule-pack versions: loading the shipped defaults, finding the version in force, its Policy."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from compliance.models import RulePack
from compliance.packs import shipped_packs
from compliance.rules import Policy, policy_from_pack
from compliance.services.audit import audit_record


class NoPackInForce(LookupError):
    """No published version of a jurisdiction's pack is effective at the moment asked."""


@transaction.atomic
def rulepack_load_defaults(*, documents: list[dict] | None = None) -> int:
    """Publish each shipped pack file (or the `documents` given) whose version is not in the
    database yet (idempotent).

    A shipped file naming the version it `supersedes` retires that version first: the old row
    keeps its parameters (published versions are immutable) and the new one takes its place
    from the same effective date, so fresh and existing databases agree on the version in force.
    """
    known = set(RulePack.objects.values_list("version", flat=True))
    created = 0
    for document in shipped_packs() if documents is None else documents:
        if document["version"] in known:
            continue
        policy_from_pack(document)  # a broken shipped pack must fail loudly, never load
        _retire_superseded(document)
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


def _retire_superseded(document: dict) -> None:
    old = document.get("supersedes")
    if not old:
        return
    for pack in RulePack.objects.select_for_update().filter(
        version=old, status=RulePack.Status.PUBLISHED
    ):
        pack.status = RulePack.Status.RETIRED
        pack.notes = _("Superseded by the shipped version %(version)s.") % {
            "version": document["version"]
        }
        pack.save(update_fields=["status", "notes", "updated_at"])
        audit_record(
            actor=None,
            action="rulepack.retired",
            obj=pack,
            data={"version": pack.version, "superseded_by": document["version"]},
        )


def rulepack_in_force(*, jurisdiction: str, at: datetime) -> RulePack:
    pack = RulePack.objects.active_at(jurisdiction, at).first()
    if pack is None:
        raise NoPackInForce(
            _("No published %(pack)s rule pack is in force at %(at)s.")
            % {"pack": jurisdiction, "at": at.isoformat()}
        )
    return pack


# Versions are immutable once published and a draft's save moves updated_at: the pair is a
# safe key for the validated Policy.
_POLICIES: dict[tuple[int, datetime], Policy] = {}


def policy_for(pack: RulePack) -> Policy:
    """Validated Policy of a version, built once per (version, last change)."""
    key = (pack.pk, pack.updated_at)
    if key not in _POLICIES:
        if len(_POLICIES) >= 64:
            _POLICIES.clear()
        _POLICIES[key] = policy_from_pack(pack.parameters)
    return _POLICIES[key]
