"""core_import: one core-banking file in, all of it or nothing."""

import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from openpyxl.utils.exceptions import InvalidFileException

from collections_app.services.ledger import RefreshResult, ledger_refresh
from compliance.services.audit import audit_record

from . import staging
from .kinds import KINDS, Kind
from .reading import RowError, open_source

PROGRESS_EVERY = 20_000  # rows between progress callbacks


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    dry_run: bool = False
    import_seconds: float = 0.0
    refresh_seconds: float = 0.0
    refresh: RefreshResult | None = None
    affected_loans: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def unchanged(self) -> int:
        return self.rows - self.inserted - self.updated

    @property
    def changed(self) -> int:
        return self.inserted + self.updated

    def summary(self) -> str:
        if not self.ok:
            return (
                f"{self.kind}: {self.error_count} error(s) in {self.rows} row(s); nothing imported"
            )
        verb = "would be" if self.dry_run else "were"
        return (
            f"{self.kind}: {self.rows} row(s) valid; {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged ({self.changed} changed; "
            f"{verb} written in {self.import_seconds:.2f} s)"
        )


class _Rollback(Exception):
    pass


def core_import(
    *,
    kind: str,
    path: str | Path,
    encoding: str = "utf-8",
    dry_run: bool = False,
    by=None,
    now: datetime | None = None,
    progress: Callable[[float], None] | None = None,
    refresh: bool = True,
    subject=None,
) -> ImportResult:
    """Validate and upsert every row of `path`; any error (or a dry run) commits nothing.

    On success the affected loans' DPD, buckets and cases are refreshed set-based, in
    their own transaction and timed apart from the import. `by` is the user importing
    (None from the command line); `progress` gets the fraction of the file read so far.
    A committed import is audited, as `subject` (the upload page's job) if given, else as
    the file.
    """
    spec = KINDS[kind]
    now = now or timezone.now()
    result = ImportResult(kind=kind, dry_run=dry_run)
    started = time.perf_counter()
    loan_ids: list[int] = []
    try:
        with transaction.atomic(), connection.cursor() as cur:
            try:
                loan_ids = _import(cur, spec, path, encoding, now, result, progress)
            finally:
                staging.stage_drop(cur)
            if dry_run or not result.ok:
                raise _Rollback
            _audit(result, path=Path(path), encoding=encoding, by=by, now=now, subject=subject)
    except _Rollback:
        loan_ids = []
    result.import_seconds = time.perf_counter() - started
    result.affected_loans = len(loan_ids)
    if refresh and loan_ids and result.changed:
        started = time.perf_counter()
        result.refresh = ledger_refresh(as_of=timezone.localdate(now), loan_ids=loan_ids)
        result.refresh_seconds = time.perf_counter() - started
    return result


def _audit(result: ImportResult, *, path: Path, encoding: str, by, now, subject) -> None:
    """One event per committed import, last in its transaction (the audit lock is held
    until commit)."""
    where = (
        {"obj": subject}
        if subject is not None
        else {
            "object_type": "collections_app.import_file",
            "object_id": path.name[-64:],
        }
    )
    audit_record(
        actor=by,
        action="core_import.committed",
        data={
            "kind": result.kind,
            "file": path.name,
            "encoding": encoding,
            "rows": result.rows,
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
        at=now,
        **where,
    )


def _import(cur, spec: Kind, path, encoding, now, result, progress) -> list[int]:
    try:
        source = open_source(path, encoding)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError):
        result.errors.append(RowError(1, "", "", "not a readable .xlsx workbook"))
        result.error_count = 1
        return []
    with source:
        try:
            header = source.read_header()
        except UnicodeDecodeError:
            header = None
            result.errors.append(RowError(1, "", "", f"not valid {encoding} text"))

        if header is not None and not _header_errors(spec, header, result.errors):
            staging.stage_create(cur, spec)
            rows = _parsed_rows(spec, source, result, progress)
            staging.stage_load(cur, spec, rows)
    result.error_count = len(result.errors) + (result.error_count or 0)
    if not result.rows and not result.errors:
        return []
    if result.error_count:
        # Keep checking the rows that parsed, so one report lists every kind of error.
        if header is not None and not _header_errors(spec, header, []):
            more, total = staging.stage_errors(cur, spec)
            _add(result, more, total)
        return []
    more, total = staging.stage_errors(cur, spec)
    _add(result, more, total)
    if result.error_count:
        return []
    try:
        with transaction.atomic():
            staging.upsert_lock(cur, spec)
            left = staging.moved_loan_ids(cur, spec)
            result.inserted, result.updated = staging.upsert(cur, spec, now)
    except DatabaseError as exc:
        _add(result, [RowError(0, "", "", f"rejected by the database: {exc}".strip())], 1)
        return []
    return sorted({*staging.affected_loan_ids(cur, spec), *left})


def _add(result: ImportResult, errors: list[RowError], total: int) -> None:
    room = staging.MAX_REPORTED - len(result.errors)
    result.errors.extend(errors[: max(room, 0)])
    result.error_count += total


def _header_errors(spec: Kind, header: list[str], errors: list[RowError]) -> bool:
    known = {c.name for c in spec.columns}
    before = len(errors)
    for name in header:
        if name not in known:
            errors.append(RowError(1, name, name, "unknown column"))
    if len(set(header)) != len(header):
        errors.append(RowError(1, "", ",".join(header), "a column appears twice"))
    for column in spec.columns:
        if column.required and column.name not in header:
            errors.append(RowError(1, column.name, "", "required column missing"))
    return len(errors) > before


def _parsed_rows(spec: Kind, source, result: ImportResult, progress):
    """Yield staged tuples for good rows; record every cell error of the bad ones."""
    header = source.header
    cols = [
        (c.name, c.parse, header.index(c.name) if c.name in header else None) for c in spec.columns
    ]
    present = [(name, parse, pos) for name, parse, pos in cols if pos is not None]
    absent = [(name, parse("")) for name, parse, pos in cols if pos is None]
    names = [name for name, _parse, _pos in present] + [name for name, _v in absent]
    order = [names.index(c.name) for c in spec.columns]
    defaults = [value for _name, value in absent]
    width, check = len(header), spec.row_check
    for number, cells in source.rows(result.errors):
        result.rows += 1
        if progress and result.rows % PROGRESS_EVERY == 0:
            progress(source.fraction_read())
        if len(cells) != width:
            _row_error(result, RowError(number, "", "", f"{len(cells)} cells, expected {width}"))
            continue
        try:  # the fast path: every cell parses
            values = [parse(cells[pos].strip()) for _name, parse, pos in present] + defaults
        except ValueError:
            _cell_errors(present, cells, number, result)
            continue
        if check is not None:
            row = dict(zip(names, values, strict=True))
            problems = check(row)
            for name, reason in problems:
                shown = "" if row[name] is None else str(row[name])
                _row_error(result, RowError(number, name, shown, reason))
            if problems:
                continue
            values = [row[name] for name in names]
        yield (number, *(values[i] for i in order))
    if progress:
        progress(1.0)


def _cell_errors(present, cells, number: int, result: ImportResult) -> None:
    for name, parse, pos in present:
        raw = cells[pos].strip()
        try:
            parse(raw)
        except ValueError as exc:
            _row_error(result, RowError(number, name, raw, str(exc)))


def _row_error(result: ImportResult, error: RowError) -> None:
    if len(result.errors) < staging.MAX_REPORTED:
        result.errors.append(error)
    else:
        result.error_count += 1  # counted, not listed
