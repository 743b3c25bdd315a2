"""Staging table, set-based checks and the upsert, in SQL on both backends.

PostgreSQL loads the staging table with COPY from a stream fed row by row; SQLite with
batched executemany. Everything after loading is the same SQL: anti-joins for unknown
references, GROUP BY … HAVING for duplicates, then one set-based
UPDATE … WHERE (columns) IS DISTINCT FROM (the file's) and an INSERT of the new keys.
"""

import csv
import io
from collections.abc import Iterator
from itertools import islice

from django.db import connection

from collections_app.models import Borrower, Loan

from .kinds import Kind
from .reading import RowError

STAGE = "fv_import_stage"
MAX_REPORTED = 10_000  # errors listed in the report; the summary still counts them all


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model) -> str:
    return q(model._meta.db_table)


def _joins(sql: str) -> str:
    return sql.format(borrower=table(Borrower), loan=table(Loan))


def stage_create(cur, kind: Kind) -> None:
    cols = ", ".join(f"{c.name} {c.sql_type}" for c in kind.columns)
    cur.execute(f"DROP TABLE IF EXISTS {STAGE}")
    if connection.vendor == "postgresql":
        # Duplicate and reference checks hash the whole file: let them do it in memory.
        cur.execute("SET LOCAL work_mem = '128MB'")
    cur.execute(f"CREATE TEMPORARY TABLE {STAGE} (line integer NOT NULL, {cols})")


def stage_drop(cur) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {STAGE}")


class _CsvStream:
    """A read()-able file over a generator of rows, written as CSV a chunk at a time,
    so that COPY streams the file and nothing is ever held whole."""

    def __init__(self, rows: Iterator[tuple], chunk: int = 2000):
        self.rows, self.chunk = rows, chunk
        self.out = io.StringIO()
        self.writer = csv.writer(self.out, lineterminator="\n")
        self.buffer = ""

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self.buffer) < size:
            batch = list(islice(self.rows, self.chunk))
            if not batch:
                break
            self.out.seek(0)
            self.out.truncate()
            self.writer.writerows(batch)
            self.buffer += self.out.getvalue()
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    readline = read


def stage_load(cur, kind: Kind, rows: Iterator[tuple]) -> None:
    """rows: (line, value, value, …) in the order of kind.columns."""
    names = ", ".join(["line", *(c.name for c in kind.columns)])
    if connection.vendor == "postgresql":
        # In CSV an empty cell is NULL; text columns keep it as "" (None never reaches them).
        texts = ", ".join(c.name for c in kind.columns if c.sql_type == "text")
        cur.cursor.copy_expert(
            f"COPY {STAGE} ({names}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({texts}))",
            _CsvStream(rows),
            1 << 16,
        )
        cur.execute(f"ANALYZE {STAGE}")
        return
    marks = ", ".join(["%s"] * (len(kind.columns) + 1))
    sql = f"INSERT INTO {STAGE} ({names}) VALUES ({marks})"
    while batch := list(islice(rows, 5000)):
        cur.executemany(sql, [[_sqlite_value(v) for v in row] for row in batch])


def _sqlite_value(value):
    # Decimals as text keep every digit; booleans as 0/1, which SQLite compares as such.
    if value is None or isinstance(value, bool | int):
        return value
    return str(value)


def stage_errors(cur, kind: Kind) -> tuple[list[RowError], int]:
    """Duplicates within the file and references found neither in the database."""
    errors, total = [], 0
    keys = ", ".join(kind.key)
    cur.execute(f"SELECT 1 FROM {STAGE} GROUP BY {keys} HAVING COUNT(*) > 1 LIMIT 1")
    if cur.fetchone():
        cur.execute(
            f"""
            SELECT line, {keys}, first FROM (
                SELECT line, {keys}, MIN(line) OVER (PARTITION BY {keys}) AS first
                FROM {STAGE}) d
            WHERE line > first ORDER BY line
            """
        )
        for row in cur.fetchall():
            total += 1
            if len(errors) < MAX_REPORTED:
                value = " / ".join(str(v) for v in row[1:-1])
                reason = f"duplicate of row {row[-1]}"
                errors.append(RowError(row[0], "+".join(kind.key), value, reason))
    if (one := kind.one_primary) is not None:
        cur.execute(
            f"""
            SELECT line, {one.per}, first FROM (
                SELECT line, {one.per}, MIN(line) OVER (PARTITION BY {one.per}) AS first
                FROM {STAGE} WHERE {one.flag}) d
            WHERE line > first ORDER BY line
            """
        )
        for line, value, first in cur.fetchall():
            total += 1
            if len(errors) < MAX_REPORTED:
                reason = f"a second {one.flag} row for this {one.per} (first in row {first})"
                errors.append(RowError(line, one.flag, str(value), reason))
    for ref in kind.refs:
        cur.execute(
            f"""
            SELECT s.line, s.{ref.column} FROM {STAGE} s
            WHERE NOT EXISTS (SELECT 1 FROM {table(ref.model)} r
                              WHERE r.{q(ref.field)} = s.{ref.column})
            ORDER BY s.line
            """
        )
        for line, value in cur.fetchall():
            total += 1
            if len(errors) < MAX_REPORTED:
                reason = f"no {ref.model._meta.model_name} with this {ref.field}"
                errors.append(RowError(line, ref.column, value, reason))
    return errors, total


def _insert_only(kind: Kind, now) -> tuple[list[str], list[str], list]:
    """Columns the file does not carry: defaults, a fresh public id, timestamps."""
    given = {col for col, _expr in kind.targets}
    cols, exprs, params = [], [], []
    for f in kind.model._meta.concrete_fields:
        if f.primary_key or f.column in given:
            continue
        cols.append(q(f.column))
        if f.name == "public_id":
            exprs.append(
                "gen_random_uuid()"
                if connection.vendor == "postgresql"
                else "lower(hex(randomblob(16)))"
            )
            continue
        exprs.append("%s")
        value = now if f.name in ("created_at", "updated_at") else f.get_default()
        params.append(f.get_db_prep_save(value, connection))
    return cols, exprs, params


def upsert(cur, kind: Kind, now) -> tuple[int, int]:
    """Update the rows whose columns differ, then insert the new ones: two set-based
    statements (two more where a kind has a primary flag). Returns (inserted, updated).

    Not INSERT … ON CONFLICT: its speculative insertion cost half as much again as a
    plain INSERT for new rows (measured, see docs/import.md). Call upsert_lock first: the
    lock keeps a concurrent import of the same kind from slipping a row in between.
    """
    target = table(kind.model)
    key_match = _key_match(kind, target)
    changed = " OR ".join(f"{target}.{q(c)} IS DISTINCT FROM n.{q(c)}" for c in kind.update)
    sets = [f"{q(c)} = n.{q(c)}" for c in kind.update]
    stamp, set_params = _stamp(kind, now)
    sets += stamp
    if (one := kind.one_primary) is not None:
        # This pass may only clear the flag: setting it waits until every other row of the
        # parent has lost it (the partial unique index is checked row by row).
        sets[kind.update.index(one.flag)] = (
            f"{q(one.flag)} = {target}.{q(one.flag)} AND n.{q(one.flag)}"
        )
    if kind.name == "installments":
        # A smaller amount due must not leave more paid than due; the refresh re-allocates.
        sets.append(
            f"paid_amount = CASE WHEN {target}.paid_amount > n.amount_due"
            f" THEN n.amount_due ELSE {target}.paid_amount END"
        )
    cur.execute(
        f"UPDATE {target} SET {', '.join(sets)} FROM {_source(kind)}"
        f" WHERE {key_match} AND ({changed})",
        set_params,
    )
    updated = cur.rowcount
    if one is not None:
        _primary_move(cur, kind, one, target, stamp, set_params)
    extra_cols, extra_exprs, params = _insert_only(kind, now)
    cols = [q(c) for c, _e in kind.targets] + extra_cols
    exprs = [e for _c, e in kind.targets] + extra_exprs
    exists = " AND ".join(f"t.{q(c)} = {e}" for c, e in kind.targets if c in kind.conflict)
    cur.execute(
        f"""
        INSERT INTO {target} ({", ".join(cols)})
        SELECT {", ".join(exprs)} FROM {STAGE} s {_joins(kind.joins)}
        WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE {exists})
        """,
        params,
    )
    return cur.rowcount, updated


def upsert_lock(cur, kind: Kind) -> None:
    """Taken before anything reads the target for the upsert; held until commit."""
    if connection.vendor == "postgresql":
        cur.execute(f"LOCK TABLE {table(kind.model)} IN SHARE ROW EXCLUSIVE MODE")


def _source(kind: Kind) -> str:
    """The staged rows as the target's columns, aliased `n`."""
    return (
        f"(SELECT {', '.join(f'{e} AS {q(c)}' for c, e in kind.targets)}"
        f" FROM {STAGE} s {_joins(kind.joins)}) n"
    )


def _key_match(kind: Kind, target: str) -> str:
    return " AND ".join(f"{target}.{q(c)} = n.{q(c)}" for c in kind.conflict)


def _stamp(kind: Kind, now) -> tuple[list[str], list]:
    if not any(f.name == "updated_at" for f in kind.model._meta.concrete_fields):
        return [], []
    value = kind.model._meta.get_field("updated_at").get_db_prep_save(now, connection)
    return [f"{q('updated_at')} = %s"], [value]


def _primary_move(cur, kind: Kind, one, target: str, stamp: list[str], params: list) -> None:
    """Where the file names a parent's primary row, the parent's other rows (those the file
    does not list) lose the flag; then the file's primary rows get it."""
    flag, parent = q(one.flag), q(one.parent)
    parent_expr = dict(kind.targets)[one.parent]
    joins = _joins(kind.joins)
    listed = " AND ".join(f"{target}.{q(c)} = {e}" for c, e in kind.targets if c in kind.conflict)
    cur.execute(
        f"""
        UPDATE {target} SET {", ".join([f"{flag} = FALSE", *stamp])}
        WHERE {target}.{flag}
          AND {target}.{parent} IN (SELECT {parent_expr} FROM {STAGE} s {joins} WHERE s.{flag})
          AND NOT EXISTS (SELECT 1 FROM {STAGE} s {joins} WHERE {listed})
        """,
        params,
    )
    cur.execute(
        f"UPDATE {target} SET {', '.join([f'{flag} = TRUE', *stamp])} FROM {_source(kind)}"
        f" WHERE {_key_match(kind, target)} AND n.{flag} AND NOT {target}.{flag}",
        params,
    )


def moved_loan_ids(cur, kind: Kind) -> list[int]:
    """Loans that rows of the file are about to leave (a repayment re-imported against
    another loan): their ledger needs a refresh as much as the loans the rows go to."""
    if "loan_id" not in kind.update:
        return []
    target = table(kind.model)
    cur.execute(
        f"SELECT DISTINCT {target}.loan_id FROM {_source(kind)} JOIN {target}"
        f" ON {_key_match(kind, target)} WHERE {target}.loan_id <> n.loan_id"
    )
    return [row[0] for row in cur.fetchall()]


def affected_loan_ids(cur, kind: Kind) -> list[int]:
    if not kind.loan_join:
        return []
    cur.execute(f"SELECT DISTINCT l.id FROM {STAGE} s {_joins(kind.loan_join)}")
    return [row[0] for row in cur.fetchall()]


def stage_count(cur) -> int:
    cur.execute(f"SELECT COUNT(*) FROM {STAGE}")
    return cur.fetchone()[0]
