"""The error report: a CSV with row, column, value and reason, one line per problem."""

import csv
from pathlib import Path

from .reading import RowError


def error_report_write(*, errors: list[RowError], path: str | Path) -> Path:
    path = Path(path)
    with open(path, "w", encoding="utf-8-sig", newline="") as out:  # BOM: Excel opens it right
        writer = csv.writer(out)
        writer.writerow(["row", "column", "value", "reason"])
        for e in sorted(errors, key=lambda e: (e.row, e.column)):
            writer.writerow([e.row, e.column, e.value, e.reason])
    return path
