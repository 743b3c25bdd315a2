"""Time `allocate_cases` on a team with many unassigned cases, and count its queries.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/fv_bench_alloc \
        .venv/bin/python bench/allocation_10k.py [--cases 10000] [--collectors 20]

Use a database of its own: the script migrates it, builds one team with --collectors
collectors (each covering one of five Kunming districts, capacity enough for all), and
--cases unassigned open cases with a primary address, all inside a transaction that is
rolled back at the end. Prints the time and SQL query count of a dry run and of the run.
"""

import argparse
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_app.settings")

DISTRICTS = {
    "五华区": (25.043, 102.704),
    "盘龙区": (25.070, 102.720),
    "官渡区": (25.015, 102.745),
    "西山区": (25.030, 102.665),
    "呈贡区": (24.885, 102.820),
}


class Rollback(Exception):
    pass


def build(cases: int, collectors: int):
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from collections_app.models import Address, Borrower, Case, StaffProfile, Team

    rng = random.Random(8)
    team = Team.objects.create(
        name="bench-team", office_lat=Decimal("25.04"), office_lng=Decimal("102.71")
    )
    group = Group.objects.get(name="collector")
    names = list(DISTRICTS)
    for n in range(collectors):
        user = get_user_model().objects.create(username=f"bench-c{n}")
        user.groups.add(group)
        StaffProfile.objects.create(
            user=user,
            employee_number=f"BENCH{n:04d}",
            team=team,
            capacity=cases,
            district=names[n % len(names)] if n % 7 else "",
        )
    borrowers = Borrower.objects.bulk_create(
        Borrower(customer_number=f"BENCH{n:08d}", name="测试", national_id="", mobile="")
        for n in range(cases)
    )
    addresses = []
    for b in borrowers:
        district = rng.choice([*names, "晋宁区"])
        lat, lng = DISTRICTS.get(district, (24.67, 102.6))
        addresses.append(
            Address(
                borrower=b,
                district=district,
                street="x",
                lat=Decimal(f"{lat + rng.uniform(-0.02, 0.02):.6f}"),
                lng=Decimal(f"{lng + rng.uniform(-0.02, 0.02):.6f}"),
                is_primary=True,
            )
        )
    Address.objects.bulk_create(addresses, batch_size=2000)
    Case.objects.bulk_create(
        (
            Case(
                borrower=b,
                team=team,
                opened_on=date(2026, 1, 1),
                overdue_amount=Decimal(rng.randint(100, 90000)),
                expected_recovery=Decimal(rng.randint(0, 9000)),
            )
            for b in borrowers
        ),
        batch_size=2000,
    )
    return team


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--collectors", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from collections_app.services.allocation import allocate_cases

    call_command("migrate", verbosity=0)
    try:
        with transaction.atomic():
            team = build(args.cases, args.collectors)
            for dry_run in (True, False):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    plan = allocate_cases(team=team, by=None, now=timezone.now(), dry_run=dry_run)
                    seconds = time.perf_counter() - started
                label = "dry run" if dry_run else "run"
                if os.environ.get("BENCH_SLOWEST"):
                    slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]
                    for q in slow:
                        print(f"  {q['time']} s  {q['sql'][:150]}")
                print(
                    f"{label}: {len(plan.placements)} cases, {len(queries.captured_queries)} "
                    f"queries, {seconds:.2f} s ({connection.vendor})"
                )
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
