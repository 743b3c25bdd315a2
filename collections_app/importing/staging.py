"""Staging table, set-based checks and the upsert, in SQL on both backends.

PostgreSQL loads the staging table with COPY from a stream fed row by row; SQLite with
batched executemany. Everything after loading is the same SQL: anti-joins for unknown
references, GROUP BY … HAVING for duplicates, then one INSERT … SELECT … ON CONFLICT DO
UPDATE that only rewrites rows whose columns are distinct from the file's.
"""

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
    cur.execute(f"CREATE TEMPORARY TABLE {STAGE} (line integer NOT NULL, {cols})")


def stage_drop(cur) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {STAGE}")


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


class _LineStream:
    """A read()-able file over a generator of COPY lines, so nothing is held whole."""

    def __init__(self, lines: Iterator[str]):
        self.lines = lines
        self.buffer = ""

    def read(self, size: int = -1) -> str:
        parts, have = [self.buffer], len(self.buffer)
        for line in self.lines:
            parts.append(line)
            have += len(line)
            if 0 <= size <= have:
                break
        data = "".join(parts)
        if size < 0:
            self.buffer = ""
            return data
        self.buffer = data[size:]
        return data[:size]

    readline = read


def stage_load(cur, kind: Kind, rows: Iterator[tuple]) -> None:
    """rows: (line, value, value, …) in the order of kind.columns."""
    names = ", ".join(["line", *(c.name for c in kind.columns)])
    if connection.vendor == "postgresql":
        lines = ("\t".join(map(_copy_text, row)) + "\n" for row in rows)
        cur.cursor.copy_expert(f"COPY {STAGE} ({names}) FROM STDIN", _LineStream(lines), 1 << 16)
        cur.execute(f"ANALYZE {STAGE}")
        return
    marks = ", ".join(["%s"] * (len(kind.columns) + 1))
    sql = f"INSERT INTO {STAGE} ({names}) VALUES ({marks})"
    while batch := list(islice(rows, 5000)):
        cur.executemany(sql, [[v if v is None else str(v) for v in row] for row in batch])


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
    """One statement for the whole file. Returns (inserted, updated)."""
    target = table(kind.model)
    extra_cols, extra_exprs, params = _insert_only(kind, now)
    cols = [q(c) for c, _e in kind.targets] + extra_cols
    exprs = [e for _c, e in kind.targets] + extra_exprs
    sets = [f"{q(c)} = EXCLUDED.{q(c)}" for c in kind.update]
    stamped = any(f.name == "updated_at" for f in kind.model._meta.concrete_fields)
    if stamped:
        sets.append(f"{q('updated_at')} = %s")
        params = [
            *params,
            kind.model._meta.get_field("updated_at").get_db_prep_save(now, connection),
        ]
    if kind.name == "installments":
        # A smaller amount due must not leave more paid than due; the refresh re-allocates.
        sets.append(
            f"paid_amount = CASE WHEN {target}.paid_amount > EXCLUDED.amount_due"
            f" THEN EXCLUDED.amount_due ELSE {target}.paid_amount END"
        )
    changed = " OR ".join(f"{target}.{q(c)} IS DISTINCT FROM EXCLUDED.{q(c)}" for c in kind.update)
    conflict = ", ".join(q(c) for c in kind.conflict)
    # "WHERE true" keeps SQLite from reading ON CONFLICT as part of a join.
    sql = f"""
        INSERT INTO {target} ({", ".join(cols)})
        SELECT {", ".join(exprs)} FROM {STAGE} s {_joins(kind.joins)} WHERE true
        ON CONFLICT ({conflict}) DO UPDATE SET {", ".join(sets)} WHERE {changed}
    """
    if connection.vendor == "postgresql":
        cur.execute(
            f"WITH up AS ({sql} RETURNING (xmax = 0) AS inserted)"
            " SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FROM up",
            params,
        )
        inserted, changed_rows = cur.fetchone()
        return inserted, changed_rows - inserted
    key_match = " AND ".join(f"t.{q(c)} = n.{q(c)}" for c in kind.conflict)
    cur.execute(
        f"""
        SELECT COUNT(*) FROM (
            SELECT {", ".join(f"{e} AS {q(c)}" for c, e in kind.targets)}
            FROM {STAGE} s {_joins(kind.joins)}) n
        WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE {key_match})
        """
    )
    inserted = cur.fetchone()[0]
    cur.execute(sql, params)
    return inserted, cur.rowcount - inserted


def affected_loan_ids(cur, kind: Kind) -> list[int]:
    if not kind.loan_join:
        return []
    cur.execute(f"SELECT DISTINCT l.id FROM {STAGE} s {_joins(kind.loan_join)}")
    return [row[0] for row in cur.fetchall()]


def stage_count(cur) -> int:
    cur.execute(f"SELECT COUNT(*) FROM {STAGE}")
    return cur.fetchone()[0]
