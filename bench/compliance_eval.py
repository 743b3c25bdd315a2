"""Time the compliance engine on a realistic CN pre-visit check.

    .venv/bin/python bench/compliance_eval.py [--n 5000] [--blocked-n 50] [--skip-db]

Pure part (no database, no Django set-up): one Kunming borrower, two collectors with
credentials and busy times, a weekday lunch no-visit window and the weekend, two sensitive
dates, a week of visits and calls, a delivered notice, as a §6.2 request turned into Facts
with `compliance.contract.parse_request` and `compliance.holidays.with_holidays`. It measures
`evaluate("pre", facts, policy)` on one core (pinned where the OS allows): a warm-up, then the
best of 5 runs of --n evaluations (evaluations/s and µs per evaluation). It also times a
blocked request (21:30, past the 22:00 limit on a Friday) whose verdict needs the
next_allowed_start search over the weekend and a busy Monday morning (ms per evaluation).

Database part (left out with --skip-db): one planned visit of an open, assigned case of the
configured database (seed it first: `manage.py seed_demo`), checked end to end as booking will
do it — facts from the ORM, evaluation, persistence of the check and its findings — inside a
transaction that is rolled back; prints ms per check and its SQL query count.
"""

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_app.settings")

from compliance.contract import parse_request  # noqa: E402
from compliance.holidays import with_holidays  # noqa: E402
from compliance.packs import shipped_pack  # noqa: E402
from compliance.rules import Facts, Policy, Verdict, evaluate, policy_from_pack  # noqa: E402
from compliance.rules.engine import STEP  # noqa: E402

RUNS = 5
TZ = "+08:00"


def _at(day: str, clock: str) -> str:
    return f"2026-12-{day}T{clock}:00{TZ}"


def _busy(*spans: tuple[str, str, str]) -> list[dict]:
    return [{"start": _at(day, start), "end": _at(day, end)} for day, start, end in spans]


def cn_request(start: str, end: str) -> dict:
    """A planned CN visit (Thursday 3 Dec 2026 by default) with a week of context."""
    return {
        "stage": "pre",
        "pack": "CN",
        "now": _at("01", "15:00"),
        "borrower": {
            "timezone": "Asia/Shanghai",
            "flags": ["hardship"],
            "no_visit_windows": [
                {"weekdays": [0, 1, 2, 3, 4], "start": "12:00", "end": "14:00"},
                {"weekdays": [5, 6], "start": "00:00", "end": "23:59"},
            ],
            "no_visit_locations": ["workplace"],
            "consents": [],
            "sensitive_dates": [
                {"date": "2026-12-10", "reason": "bereavement"},
                {"date": "2026-12-24", "reason": "wedding"},
            ],
            "failed_contact_attempts": 1,
        },
        "debt": {"oldest_unpaid_due_date": "2026-08-15", "last_acknowledged_on": "2026-10-02"},
        "visit": {
            "start": start,
            "end": end,
            "location_type": "home",
            "target": "borrower",
            "locate_only": False,
            "purpose": "Discuss the overdue instalments and a repayment plan",
            "recorder": True,
            "collectors": [
                {
                    "id": "c1",
                    "work_id_valid_until": "2027-06-30",
                    "authorization_valid_until": "2027-01-31",
                    "training_valid_until": "2027-03-01",
                    "certifications": [],
                    "busy": _busy(
                        ("02", "09:00", "10:30"),
                        ("03", "14:00", "15:00"),
                        ("04", "09:00", "11:00"),
                        ("07", "08:00", "10:00"),
                        ("08", "15:00", "16:30"),
                    ),
                },
                {
                    "id": "c2",
                    "work_id_valid_until": "2027-12-31",
                    "authorization_valid_until": "2027-02-28",
                    "training_valid_until": "2027-05-15",
                    "certifications": ["CBA-collection"],
                    "busy": _busy(
                        ("02", "14:00", "15:30"),
                        ("03", "16:00", "17:00"),
                        ("07", "09:30", "10:45"),
                        ("08", "10:00", "11:00"),
                    ),
                },
            ],
        },
        "notices": [
            {
                "channel": "sms",
                "sent_at": _at("01", "10:00"),
                "delivered_at": _at("01", "10:01"),
                "states_purpose": True,
            },
            {
                "channel": "letter",
                "sent_at": "2026-11-27T09:00:00+08:00",
                "delivered_at": None,
                "states_purpose": True,
            },
        ],
        "history": {
            "visits": [
                {"start": "2026-11-24T10:00:00+08:00", "status": "completed"},
                {"start": "2026-11-26T15:00:00+08:00", "status": "cancelled"},
                {"start": "2026-11-30T10:00:00+08:00", "status": "cancelled"},
            ],
            "calls": [
                {"at": f"2026-{md}T{hm}:00+08:00", "connected": connected}
                for md, hm, connected in (
                    ("11-25", "10:15", True),
                    ("11-25", "16:40", False),
                    ("11-26", "09:05", False),
                    ("11-27", "11:20", True),
                    ("11-28", "10:00", False),
                    ("11-30", "09:30", True),
                    ("11-30", "18:10", False),
                    ("12-01", "09:45", True),
                    ("12-02", "10:30", False),
                    ("12-03", "08:30", True),
                )
            ],
        },
    }


def load_policy(pack: str = "CN") -> Policy:
    return policy_from_pack(shipped_pack(pack))


def build_facts(request: dict, country: str) -> Facts:
    _stage, _pack, facts = parse_request(request)
    return with_holidays(facts, country)


def best_of(fn: Callable[[], object], n: int, runs: int = RUNS) -> float:
    """Seconds per call: the fastest of `runs` runs of `n` calls each."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - started)
    return best / n


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this OS)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def _summary(verdict: Verdict) -> str:
    failed = [f"{f.rule} ({f.severity.value})" for f in verdict.findings if f.failed]
    return f"{verdict.decision.value}; failed: {', '.join(failed) or 'none'}"


def run_pure(n: int, blocked_n: int) -> list[str]:
    policy = load_policy("CN")
    request = cn_request(_at("03", "10:00"), _at("03", "11:00"))
    blocked_request = cn_request(_at("04", "21:30"), _at("04", "22:30"))
    facts = build_facts(request, policy.country)
    blocked = build_facts(blocked_request, policy.country)

    verdict = evaluate("pre", facts, policy)
    blocked_verdict = evaluate("pre", blocked, policy)
    if blocked_verdict.next_allowed_start is None:
        raise SystemExit("the blocked scenario no longer needs the next_allowed_start search")
    steps = (blocked_verdict.next_allowed_start - blocked.visit.start) / STEP

    for _ in range(max(n // 10, 100)):  # warm-up: caches, zoneinfo, branch predictors
        evaluate("pre", facts, policy)
    evaluate("pre", blocked, policy)

    per_eval = best_of(lambda: evaluate("pre", facts, policy), n)
    per_blocked = best_of(lambda: evaluate("pre", blocked, policy), blocked_n)
    per_facts = best_of(lambda: build_facts(request, policy.country), max(n // 5, 1))

    return [
        f"Scenario      CN pre-visit, {len(facts.visit.collectors)} collectors, "
        f"{len(facts.visits)} past visits, {len(facts.calls)} calls, {len(facts.notices)} "
        f"notices, {len(facts.holidays)} holidays in range; {len(verdict.findings)} rules",
        f"Verdict       {_summary(verdict)}",
        f"evaluate      {1 / per_eval:,.0f} evaluations/s  ({per_eval * 1e6:,.1f} µs each; "
        f"best of {RUNS} × {n:,})",
        f"Blocked       {blocked.local_start:%a %d %b %H:%M} → next allowed start "
        f"{blocked_verdict.next_allowed_start.astimezone(blocked.zone):%a %d %b %H:%M} "
        f"({steps:.0f} steps of 15 min); {_summary(blocked_verdict)}",
        f"evaluate      {per_blocked * 1e3:,.2f} ms per blocked evaluation with the search "
        f"(best of {RUNS} × {blocked_n:,})",
        f"facts         {per_facts * 1e6:,.1f} µs per parse_request + with_holidays "
        f"(request dict → Facts)",
    ]


def run_db(n: int) -> list[str]:
    import django

    django.setup()
    from datetime import timedelta

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from collections_app.models import Case
    from compliance.facts import VisitPlan
    from compliance.services.checks import compliance_check_plan, compliance_record

    case = (
        Case.objects.open()
        .filter(assigned_collector__isnull=False, team__isnull=False)
        .select_related("borrower", "team")
        .order_by("id")
        .first()
    )
    if case is None:
        return ["Database     no open assigned case: run `manage.py seed_demo` first"]
    mates = list(
        case.team.members.exclude(user_id=case.assigned_collector_id).values_list(
            "user_id", flat=True
        )[:1]
    )
    now = timezone.now()
    start = (now + timedelta(days=2)).replace(
        hour=2, minute=0, second=0, microsecond=0
    )  # 10:00 CST
    plan = VisitPlan(
        case=case,
        start=start,
        end=start + timedelta(hours=1),
        location_type="home",
        purpose="Discuss the overdue instalments and a repayment plan",
        recorder=True,
        collector_ids=(case.assigned_collector_id, *mates),
    )

    def check():
        outcome = compliance_check_plan(plan=plan, now=now)
        compliance_record(outcome=outcome, borrower=case.borrower, case=case)
        return outcome

    with transaction.atomic():
        outcome = check()  # warm-up: policy cache, holiday tables
        with CaptureQueriesContext(connection) as queries:
            check()
        per_check = best_of(check, n)
        transaction.set_rollback(True)
    return [
        f"Database     {connection.vendor}: one planned visit of case {case.public_id} "
        f"({len(plan.collector_ids)} collectors) → {_summary(outcome.verdict)}",
        f"full check   {per_check * 1e3:,.2f} ms per check (facts + evaluation + persistence), "
        f"{len(queries.captured_queries)} SQL queries (best of {RUNS} × {n})",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="evaluations per run (5000)")
    parser.add_argument(
        "--blocked-n", type=int, default=50, help="blocked evaluations per run (50)"
    )
    parser.add_argument(
        "--skip-db",
        action="store_true",
        help="leave out the database-backed check",
    )
    parser.add_argument("--db-n", type=int, default=50, help="database checks per run (50)")
    args = parser.parse_args()
    if args.n < 1 or args.blocked_n < 1:
        parser.error("--n and --blocked-n must be at least 1")
    pinned = pin_to_one_core()
    lines = [
        f"compliance_eval: Python {platform.python_version()} ({platform.python_implementation()})"
        f" on {platform.machine()}, {pinned}",
        *run_pure(args.n, args.blocked_n),
    ]
    if not args.skip_db:
        lines += run_db(args.db_n)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
