"""The audit chain: appending, verifying, tampering, the command, and the PostgreSQL guards."""

import hashlib
import itertools
import json
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from collections_app.models import Team
from compliance.models import AuditEvent, RulePack
from compliance.services.audit import GENESIS_HASH, audit_record, audit_verify
from tests import factories as f

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only and immutability triggers exist on PostgreSQL only",
)

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
_pack_days = itertools.count()


@contextmanager
def tampering():
    """Edit the log as someone with raw table access would: past the trigger on PostgreSQL."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE compliance_auditevent DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE compliance_auditevent ENABLE TRIGGER USER")


@pytest.fixture
def officer(db):
    # No role group: a transactional test in this module empties them (see restore_roles).
    return f.make_user(username="auditing_officer")


@pytest.fixture
def chain(officer) -> list[AuditEvent]:
    """Five events: users and the system, objects with and without a public id."""
    team = f.make_team(name="审计组")
    events = [
        audit_record(actor=officer, action="team.create", obj=team, at=T0),
        audit_record(actor=None, action="team.rename", obj=team, data={"name": "审计组"}),
        audit_record(actor=officer, action="user.lock", obj=officer, data={"why": "test"}),
        audit_record(
            actor=None,
            action="rulepack.publish",
            object_type="compliance.rulepack",
            object_id="cn-2026.1",
            data={"effective_from": date(2026, 4, 1)},
        ),
        audit_record(actor=officer, action="team.archive", obj=team),
    ]
    return [AuditEvent.objects.get(pk=event.pk) for event in events]


def verified(**expected):
    result = audit_verify()
    for name, value in expected.items():
        assert getattr(result, name) == value, (name, result)
    return result


# --- appending ---------------------------------------------------------------------------


def test_chain_of_events_verifies(chain):
    assert [event.pk for event in chain] == sorted(event.pk for event in chain)
    assert chain[0].prev_hash == GENESIS_HASH
    assert [event.prev_hash for event in chain[1:]] == [event.hash for event in chain[:-1]]
    verified(ok=True, checked=5, first_broken_id=None)


def test_empty_log_verifies(db):
    verified(ok=True, checked=0)


def test_hash_is_sha256_of_prev_hash_and_canonical_json(chain, officer):
    first = chain[0]
    canonical = json.dumps(
        {
            "id": first.pk,
            "at": "2026-03-02T01:30:00+00:00",
            "actor_id": officer.pk,
            "actor_label": "auditing_officer",
            "action": "team.create",
            "object_type": "collections_app.team",
            "object_id": first.object_id,
            "data": {},
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert first.hash == hashlib.sha256((GENESIS_HASH + canonical).encode()).hexdigest()


def test_subject_and_actor_are_named(chain, officer):
    team_event, system_event, user_event, named_event = chain[:4]
    team = Team.objects.get(name="审计组")
    assert (team_event.object_type, team_event.object_id) == (
        "collections_app.team",
        str(team.public_id),
    )
    assert (team_event.actor_id, team_event.actor_label) == (officer.pk, "auditing_officer")
    assert (system_event.actor_id, system_event.actor_label) == (None, "system")
    # No public id: the primary key.
    assert (user_event.object_type, user_event.object_id) == ("auth.user", str(officer.pk))
    assert (named_event.object_type, named_event.object_id) == ("compliance.rulepack", "cn-2026.1")


def test_data_is_stored_as_hashed_and_reverifies_after_a_round_trip(db):
    ref = uuid.uuid4()
    event = audit_record(
        actor=None,
        action="payment.record",
        object_type="test.thing",
        object_id="1",
        data={
            "amount": Decimal("1200.50"),
            "due": date(2026, 1, 15),
            "ref": ref,
            "at": datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
            "ratio": 0.25,
            "big": 1e16,
            "whole": 2.0,
            "name": "王小明",
            3: ["a", {"b": 1.5}],
        },
    )
    stored = AuditEvent.objects.get(pk=event.pk).data
    assert (
        stored
        == event.data
        == {
            "amount": "1200.50",
            "due": "2026-01-15",
            "ref": str(ref),
            "at": "2026-01-15 09:00:00+00:00",
            "ratio": 0.25,
            "big": 10**16,
            "whole": 2,
            "name": "王小明",
            "3": ["a", {"b": 1.5}],
        }
    )
    verified(ok=True, checked=1)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"object_type": "x.y", "object_id": "1", "obj": "team"}, TypeError),
        ({"object_type": "x.y"}, TypeError),
        ({}, TypeError),
        ({"obj": "unsaved"}, ValueError),
        ({"object_type": "x.y", "object_id": "1", "at": datetime(2026, 1, 1)}, ValueError),
    ],
)
def test_bad_arguments_are_refused(db, kwargs, error):
    objects = {"team": f.make_team(), "unsaved": Team(name="unsaved")}
    if "obj" in kwargs:
        kwargs["obj"] = objects[kwargs["obj"]]
    with pytest.raises(error):
        audit_record(actor=None, action="x.happened", **kwargs)
    assert not AuditEvent.objects.exists()


# --- tampering ---------------------------------------------------------------------------


def test_changed_row_is_the_first_broken(chain):
    with tampering():
        AuditEvent.objects.filter(pk=chain[2].pk).update(data={"why": "nothing to see"})
    result = verified(ok=False, first_broken_id=chain[2].pk, checked=3)
    assert "changed" in result.reason


@pytest.mark.parametrize("position", [0, 2])
def test_deleted_row_breaks_the_next_one(chain, position):
    with tampering():
        AuditEvent.objects.filter(pk=chain[position].pk).delete()
    result = verified(ok=False, first_broken_id=chain[position + 1].pk)
    assert "deleted" in result.reason


def _swap(a: AuditEvent, b: AuditEvent, fields: list[str]) -> None:
    values = {
        event.pk: AuditEvent.objects.filter(pk=event.pk).values(*fields).get() for event in (a, b)
    }
    with tampering():
        if "hash" in fields:  # the hash is unique: park one first
            AuditEvent.objects.filter(pk=a.pk).update(hash="f" * 64)
        AuditEvent.objects.filter(pk=b.pk).update(**values[a.pk])
        AuditEvent.objects.filter(pk=a.pk).update(**values[b.pk])


def test_reordered_rows_break_at_the_first_swapped(chain):
    everything = [
        field.attname for field in AuditEvent._meta.concrete_fields if not field.primary_key
    ]
    _swap(chain[1], chain[3], everything)  # as if the two rows' ids were swapped
    result = verified(ok=False, first_broken_id=chain[1].pk, checked=2)
    assert "reordered" in result.reason


def test_swapped_payloads_with_chain_columns_kept_break_at_the_first_swapped(chain):
    _swap(chain[1], chain[3], ["at", "actor_id", "actor_label", "action", "object_type", "data"])
    verified(ok=False, first_broken_id=chain[1].pk, checked=2)


# --- the command -------------------------------------------------------------------------


def test_verify_audit_command_intact(chain):
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue() == "Audit chain intact: 5 events.\n"


def test_verify_audit_command_broken(chain):
    with tampering():
        AuditEvent.objects.filter(pk=chain[3].pk).update(object_id="cn-2025.9")
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit", stdout=out, stderr=err)
    assert exit_info.value.code == 1
    assert out.getvalue() == ""
    message = err.getvalue()
    assert message.count("\n") == 1
    assert f"#{chain[3].pk} (rulepack.publish compliance.rulepack:cn-2025.9)" in message
    assert "changed" in message


# --- PostgreSQL guards -------------------------------------------------------------------


@postgres_only
@pytest.mark.parametrize(
    "write",
    [
        lambda event: AuditEvent.objects.filter(pk=event.pk).update(action="team.delete"),
        lambda event: event.save(),
        lambda event: event.delete(),
        lambda event: AuditEvent.objects.all().delete(),
    ],
    ids=["queryset-update", "save", "delete", "queryset-delete"],
)
def test_audit_rows_cannot_be_updated_or_deleted(chain, write):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        write(chain[2])
    assert AuditEvent.objects.count() == 5
    verified(ok=True, checked=5)


def _pack(status: str, **overrides) -> RulePack:
    fields = {
        "jurisdiction": "CN",
        "version": f"cn-test-{uuid.uuid4().hex[:8]}",
        "status": status,
        # One published version per moment: give each pack its own day.
        "effective_from": datetime(2031, 1, 1, tzinfo=UTC) + timedelta(days=next(_pack_days)),
        "parameters": {"max_visits_per_week": 2},
    }
    fields.update(overrides)
    return RulePack.objects.create(**fields)


@postgres_only
@pytest.mark.parametrize("status", ["published", "retired"])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("parameters", {"max_visits_per_week": 5}),
        ("version", "cn-rewritten"),
        ("jurisdiction", "US"),
        ("effective_from", datetime(2020, 1, 1, tzinfo=UTC)),
        ("status", "draft"),
    ],
)
def test_released_pack_cannot_be_changed(db, status, field, value):
    pack = _pack(status)
    setattr(pack, field, value)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        pack.save()
    pack.refresh_from_db()
    assert pack.status == status and pack.parameters == {"max_visits_per_week": 2}


@postgres_only
def test_published_pack_can_be_retired_and_annotated(db):
    pack = _pack("published")
    pack.status = RulePack.Status.RETIRED
    pack.notes = "Superseded."
    pack.save()
    pack.refresh_from_db()
    assert (pack.status, pack.notes) == ("retired", "Superseded.")


@postgres_only
def test_draft_pack_is_editable_and_deletable_but_released_ones_are_kept(db):
    draft, published, retired = _pack("draft"), _pack("published"), _pack("retired")
    draft.parameters = {"max_visits_per_week": 3}
    draft.save()
    for pack in (published, retired):
        with pytest.raises(DatabaseError, match="only drafts"), transaction.atomic():
            pack.delete()
    draft.delete()
    assert set(RulePack.objects.values_list("status", flat=True)) == {"published", "retired"}


# --- concurrency (keep last: a transactional test empties the tables) ---------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("restore_roles")
def test_concurrent_appends_form_one_chain():
    threads_count, per_thread = 8, 10
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                audit_record(
                    actor=None,
                    action="test.append",
                    object_type="test.thread",
                    object_id=str(n),
                    data={"i": i},
                )
        except BaseException as error:  # reported by the assert below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEvent.objects.count() == threads_count * per_thread
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == len(prev_hashes)  # no fork: each row has one successor
    verified(ok=True, checked=threads_count * per_thread)
