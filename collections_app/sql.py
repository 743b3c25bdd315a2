"""Small SQL builders shared by the set-based ledger refresh and the score's features, so
that both speak the same dialect on PostgreSQL and SQLite."""

from django.db import connection


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def cents(expr: str) -> str:
    """Money summed in integer cents: SQLite stores decimals as floats."""
    return f"CAST(ROUND(({expr}) * 100) AS BIGINT)"


def days_between(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
