"""Time one full ledger refresh on the current database (expects seeded data).

    DATABASE_URL=postgres://… .venv/bin/python bench/ledger_refresh.py [--as-of YYYY-MM-DD]
        [--rollback]

Prints the number of loans and instalments, the wall time and the number of SQL
statements. The refresh is set-based, so the statement count must not grow with the data.
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_app.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from collections_app.models import Installment, Loan  # noqa: E402
from collections_app.services.ledger import ledger_refresh  # noqa: E402


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    parser.add_argument(
        "--rollback", action="store_true", help="undo the refresh, so runs can be repeated"
    )
    args = parser.parse_args()
    as_of = args.as_of or timezone.localdate()
    loans, installments = Loan.objects.count(), Installment.objects.count()
    if not loans:
        sys.exit("No loans: run `manage.py seed_demo` first.")
    started = time.perf_counter()
    try:
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            result = ledger_refresh(as_of=as_of)
            if args.rollback:
                raise _Rollback
    except _Rollback:
        pass
    seconds = time.perf_counter() - started  # includes the commit (or the rollback)
    print(
        f"ledger_refresh as of {as_of} on {connection.vendor}: {loans:,} loans, "
        f"{installments:,} instalments, {seconds:.2f} s wall, {len(queries)} SQL statements "
        f"({result})"
    )


if __name__ == "__main__":
    main()
