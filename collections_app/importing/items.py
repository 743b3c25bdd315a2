"""A few rows sent as JSON (the ledger API's batch upserts) through the same machinery as
a file: the kind's parsers and row checks, the staging table's reference checks and the
set-based upsert. Any problem → nothing is written, and the first one is raised."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collections_app.services.ledger import ledger_refresh

from . import staging
from .kinds import KINDS, Kind
from .reading import RowError


class ItemRejected(Exception):
    """`error.row` is the item's index in the batch."""

    def __init__(self, error: RowError):
        super().__init__(f"[{error.row}].{error.column}: {error.reason}")
        self.error = error


@dataclass(frozen=True)
class ItemsResult:
    inserted: int
    updated: int
    unchanged: int


def items_upsert(*, kind: str, items: list[dict], now: datetime) -> ItemsResult:
    """Upsert `items` (dicts of the kind's file columns) by natural key; refresh the
    affected loans' ledger in the same transaction."""
    spec = KINDS[kind]
    rows = [_parsed(spec, index, item) for index, item in enumerate(items)]
    _unique(spec, rows)
    if not rows:
        return ItemsResult(0, 0, 0)
    with transaction.atomic(), connection.cursor() as cur:
        # On an error the rollback takes the (temporary) staging table with it.
        staging.stage_create(cur, spec)
        staging.stage_load(cur, spec, iter(rows))
        errors, _total = staging.stage_errors(cur, spec)
        if errors:
            raise ItemRejected(_reference_error(spec, errors[0]))
        staging.upsert_lock(cur, spec)
        left = staging.moved_loan_ids(cur, spec)
        inserted, updated = staging.upsert(cur, spec, now)
        loan_ids = sorted({*staging.affected_loan_ids(cur, spec), *left})
        staging.stage_drop(cur)
        if loan_ids and (inserted or updated):
            ledger_refresh(as_of=timezone.localdate(now), loan_ids=loan_ids)
    return ItemsResult(inserted, updated, len(rows) - inserted - updated)


def _parsed(spec: Kind, index: int, item: dict) -> tuple:
    known = {c.name for c in spec.columns}
    if unknown := sorted(set(item) - known):
        raise ItemRejected(RowError(index, unknown[0], "", _("Unknown field.")))
    values = {}
    for column in spec.columns:
        if column.name not in item and column.required:
            raise ItemRejected(RowError(index, column.name, "", _("This field is required.")))
        raw = _cell(index, column.name, item.get(column.name))
        try:
            values[column.name] = column.parse(raw)
        except ValueError as exc:
            raise ItemRejected(RowError(index, column.name, raw, str(exc))) from None
    if spec.row_check is not None and (problems := spec.row_check(values)):
        name, reason = problems[0]
        raise ItemRejected(RowError(index, name, str(values[name]), reason))
    return (index, *(values[c.name] for c in spec.columns))


def _cell(index: int, name: str, value) -> str:
    """A JSON value as the text a file's cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise ItemRejected(RowError(index, name, "", _("Not a single value.")))
    # What a database text column cannot hold (as DRF's CharField refuses it).
    if "\x00" in value or _unencodable(value):
        raise ItemRejected(RowError(index, name, "", _("Contains characters that are not text.")))
    return value.strip()


def _unencodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return True
    return False


def _unique(spec: Kind, rows: list[tuple]) -> None:
    positions = [1 + [c.name for c in spec.columns].index(k) for k in spec.key]
    seen: dict[tuple, int] = {}
    for row in rows:
        key = tuple(row[p] for p in positions)
        if key in seen:
            message = _("Repeats item %(i)d.") % {"i": seen[key]}
            raise ItemRejected(RowError(row[0], spec.key[-1], "", message))
        seen[key] = row[0]


def _reference_error(spec: Kind, error: RowError) -> RowError:
    ref = next((r for r in spec.refs if r.column == error.column), None)
    if ref is None:
        return error
    message = _("No %(model)s with this %(field)s.") % {
        "model": ref.model._meta.verbose_name,
        "field": ref.model._meta.get_field(ref.field).verbose_name,
    }
    return RowError(error.row, error.column, error.value, message)
