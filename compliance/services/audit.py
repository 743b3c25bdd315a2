"""The audit chain (DESIGN.md §7): append one event per state change, verify the chain.

Each row's hash is SHA-256(prev_hash + canonical JSON of the event). The canonical event
includes the row's id, so the id is reserved *before* hashing and the row is inserted once,
with that explicit id (rows are never updated: a PostgreSQL trigger refuses it):

- PostgreSQL: `pg_advisory_xact_lock` serialises appenders until their transaction ends, then
  `nextval` of the table's own sequence gives the id. Ids are therefore increasing in chain
  order; gaps (a rolled-back appender) are harmless, because the chain links by prev_hash.
- SQLite: a no-op write takes the database write lock first, then id = last id + 1.

The lock is held until the *outermost* transaction commits, so callers should record the event
late in their transaction. Appending relies on READ COMMITTED (Django's default on
PostgreSQL): the tail is read after the lock is granted and must see the previous appender.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.models import AuditEvent

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR_LABEL = "system"
# Key of the PostgreSQL advisory lock that serialises appends ("FVAUDIT" in ASCII).
ADVISORY_LOCK_KEY = 0x46_56_41_55_44_49_54
VERIFY_CHUNK_SIZE = 2000
# What the hash covers: everything but the chain columns themselves.
_HASHED_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "data",
)


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    data: dict | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain and return it.

    `obj` names the subject ("app_label.modelname" and its public_id, else pk); without it,
    pass `object_type` and `object_id`. `actor` is a User, or None for the system.
    """
    if obj is not None:
        if object_type is not None or object_id is not None:
            raise TypeError("Pass either obj or object_type/object_id, not both.")
        if obj.pk is None:
            raise ValueError("Cannot audit an unsaved object.")
        object_type = obj._meta.label_lower
        object_id = str(getattr(obj, "public_id", None) or obj.pk)
    elif object_type is None or object_id is None:
        raise TypeError("Pass obj, or both object_type and object_id.")
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("Audit times must be timezone-aware.")

    event = AuditEvent(
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor.get_username() if actor is not None else SYSTEM_ACTOR_LABEL,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        # Stored exactly as hashed: what comes back from the database re-hashes the same.
        data=_canonical_data(data or {}),
        at=at,
    )
    # `data` may legitimately be {}, which full_clean() would call blank; uniqueness of the
    # hash is the database's job.
    event.full_clean(exclude=["data", "prev_hash", "hash"], validate_unique=False)

    with transaction.atomic():
        event.id = _lock_and_reserve_id()
        tail = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = tail or GENESIS_HASH
        event.hash = chain_hash(event.prev_hash, _event_fields(event))
        event.save(force_insert=True)
    return event


def audit_verify() -> AuditVerification:
    """Recompute the chain in id order and name the first row that does not fit.

    A changed row fails its own hash; a deleted, inserted or reordered row breaks the link
    (prev_hash) of the row that follows it in id order; ids are part of the hash, so moving
    a row's content to another id fails too. A deleted *tail* cannot be seen from inside the
    chain: compare `checked` with a count kept elsewhere for that.
    """
    expected_prev = GENESIS_HASH
    checked = 0
    rows = AuditEvent.objects.order_by("id").values(*_HASHED_FIELDS, "prev_hash", "hash")
    for row in rows.iterator(chunk_size=VERIFY_CHUNK_SIZE):
        checked += 1
        if row["prev_hash"] != expected_prev:
            return AuditVerification(
                ok=False,
                checked=checked,
                first_broken_id=row["id"],
                reason=_(
                    "its previous hash does not match the row before it "
                    "(a row was deleted, inserted or reordered)"
                ),
            )
        if chain_hash(row["prev_hash"], row) != row["hash"]:
            return AuditVerification(
                ok=False,
                checked=checked,
                first_broken_id=row["id"],
                reason=_("its hash does not match its content (the row was changed)"),
            )
        expected_prev = row["hash"]
    return AuditVerification(ok=True, checked=checked)


def chain_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 hex of prev_hash + the canonical JSON of the event's hashed fields."""
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode()).hexdigest()


def canonical_json(fields: dict[str, Any]) -> str:
    event = {name: fields[name] for name in _HASHED_FIELDS}
    event["at"] = event["at"].astimezone(UTC).isoformat()
    return json.dumps(
        event,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=str,
    )


def _event_fields(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in _HASHED_FIELDS}


def _canonical_data(data: dict) -> dict:
    """Plain JSON that survives a database round trip unchanged.

    Dates, Decimals and UUIDs become strings (default=str), keys become strings. JSON has one
    number type and PostgreSQL's jsonb keeps numbers as numeric, so an integral float (1e16,
    2.0) would come back as an int and hash differently: it is stored as an int from the start.
    """
    plain = json.loads(json.dumps(data, allow_nan=False, default=str))
    return _integral_floats_to_int(plain)


def _integral_floats_to_int(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats_to_int(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats_to_int(item) for item in value]
    return value


def _lock_and_reserve_id() -> int:
    """Serialise appenders for the rest of the transaction and return the next row id."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            return cursor.fetchone()[0]
        # SQLite: a write that changes nothing still takes the database write lock, so
        # concurrent appenders queue (busy timeout) instead of both reading the same tail.
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"UPDATE {quoted} SET id = id WHERE 0")
        cursor.execute(f"SELECT MAX(id) FROM {quoted}")
        return (cursor.fetchone()[0] or 0) + 1
