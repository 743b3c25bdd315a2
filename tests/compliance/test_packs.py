"""Rule-pack versions: shipped defaults loaded on migrate, the version in force, validation."""

import copy
from datetime import UTC, datetime

import pytest

from compliance.admin import RulePackForm
from compliance.models import AuditEvent, RulePack
from compliance.packs import shipped_packs
from compliance.rules import Policy
from compliance.services.packs import (
    NoPackInForce,
    policy_for,
    rulepack_in_force,
    rulepack_load_defaults,
)

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def test_migrate_publishes_every_shipped_pack_once(db):
    versions = dict(RulePack.objects.values_list("jurisdiction", "version"))
    assert versions == {"CN": "CN-2026.3", "US": "US-2026.3", "UK": "UK-2026.3", "IN": "IN-2026.3"}
    assert set(RulePack.objects.values_list("status", flat=True)) == {"published"}
    assert rulepack_load_defaults() == 0  # idempotent
    assert RulePack.objects.count() == 4


def test_version_in_force_is_one_query(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        pack = rulepack_in_force(jurisdiction="CN", at=NOW)
    assert pack.version == "CN-2026.3"
    assert isinstance(policy_for(pack), Policy)


def _new_version(version: str, *, status: str, effective_from: datetime | None) -> RulePack:
    document = copy.deepcopy(RulePack.objects.get(version="CN-2026.3").parameters)
    document["version"] = version
    return RulePack.objects.create(
        jurisdiction="CN",
        version=version,
        status=status,
        effective_from=effective_from,
        parameters=document,
    )


def test_later_published_version_takes_over_on_its_date_drafts_never(db):
    later = datetime(2027, 1, 1, tzinfo=UTC)
    _new_version("CN-2027.1", status="published", effective_from=later)
    _new_version("CN-2027.2-draft", status="draft", effective_from=None)
    assert rulepack_in_force(jurisdiction="CN", at=NOW).version == "CN-2026.3"
    assert rulepack_in_force(jurisdiction="CN", at=later).version == "CN-2027.1"


def test_nothing_in_force_before_the_first_version(db):
    with pytest.raises(NoPackInForce, match="CN"):
        rulepack_in_force(jurisdiction="CN", at=datetime(2020, 1, 1, tzinfo=UTC))


def test_admin_form_validates_parameters_against_the_schema(db):
    document = shipped_packs()[0]
    broken = copy.deepcopy(document)
    broken["rules"]["VISIT_WINDOW"]["params"]["end"]["value"] = "25:99"
    form = RulePackForm(
        data={"jurisdiction": "CN", "version": "CN-x", "status": "draft", "parameters": broken}
    )
    assert not form.is_valid()
    assert "rules.VISIT_WINDOW.params.end.value" in str(form.errors["parameters"])
    good = RulePackForm(
        data={"jurisdiction": "CN", "version": "CN-y", "status": "draft", "parameters": document}
    )
    assert good.is_valid(), good.errors


def _shipped(version: str, **changes) -> dict:
    document = copy.deepcopy(shipped_packs()[0])
    document.update(version=version, effective_from="2031-01-01", **changes)
    return document


def test_a_shipped_version_superseding_another_retires_it_and_takes_its_place(db):
    """How a changed default reaches an existing database: a new version from the same date.

    The old row is retired, never edited (published versions are immutable; on PostgreSQL the
    trigger allows only the status and notes to move), so checks made under it keep pointing at
    the parameters they used.
    """
    old = _shipped("CN-2031.1")
    old["rules"]["REPORT_TIMELY"]["params"]["hours"]["value"] = 48  # whatever it held before
    assert rulepack_load_defaults(documents=[old]) == 1
    in_june = datetime(2031, 6, 1, tzinfo=UTC)
    before = RulePack.objects.get(version="CN-2031.1")
    assert rulepack_in_force(jurisdiction="CN", at=in_june) == before

    new = _shipped("CN-2031.2", supersedes="CN-2031.1")
    assert rulepack_load_defaults(documents=[new]) == 1

    retired = RulePack.objects.get(version="CN-2031.1")
    assert retired.status == RulePack.Status.RETIRED
    assert (retired.parameters, retired.effective_from) == (
        before.parameters,
        before.effective_from,
    )
    assert "CN-2031.2" in retired.notes
    current = rulepack_in_force(jurisdiction="CN", at=in_june)
    assert (current.version, current.effective_from) == ("CN-2031.2", before.effective_from)
    event = AuditEvent.objects.get(action="rulepack.retired")
    assert (event.object_id, event.actor_id) == (str(retired.pk), None)
    assert event.data == {"version": "CN-2031.1", "superseded_by": "CN-2031.2"}
    # Idempotent: nothing happens on the next migrate.
    assert rulepack_load_defaults(documents=[old, new]) == 0
    assert AuditEvent.objects.filter(action="rulepack.retired").count() == 1


def test_superseding_a_version_the_database_never_had_just_publishes(db):
    assert rulepack_load_defaults(documents=[_shipped("CN-2031.2", supersedes="CN-2031.1")]) == 1
    assert not RulePack.objects.filter(version="CN-2031.1").exists()
    assert not AuditEvent.objects.filter(action="rulepack.retired").exists()


def test_shipped_packs_supersede_the_versions_without_complaint_deadlines():
    for document in shipped_packs():
        assert document["version"] == f"{document['pack']}-2026.3"
        assert document["supersedes"] == f"{document['pack']}-2026.2"
        assert document["effective_from"] == "2025-01-01"
