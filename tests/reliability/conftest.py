"""Shared pieces of the reliability tests: a private Redis, the fake SMS gateway, and
bookable cases dated from the real clock (workers and servers judge by their own clock)."""

from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.conf import settings

from compliance.facts import VisitPlan
from tests import factories as f
from tests.worker import NEEDS_WORKER
from visits.services.booking import VisitPlace

from .pg import restored_db  # noqa: F401  (a fixture for the backup tests)
from .private_redis import REDIS_SERVER, PrivateRedis

SH = ZoneInfo("Asia/Shanghai")

# Servers in other processes read the test database: PostgreSQL, committed data.
NEEDS_POSTGRES = [
    pytest.mark.usefixtures("restore_roles"),  # transactional_db empties the role groups
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="needs PostgreSQL: other processes cannot see the SQLite test database "
        "(set DATABASE_URL=postgres://…)",
    ),
]

NEEDS_PRIVATE_REDIS = [
    *NEEDS_WORKER,
    pytest.mark.skipif(
        REDIS_SERVER is None, reason="needs redis-server on PATH (a Redis the test may stop)"
    ),
]


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def visit_day(now: datetime) -> date:
    """The first working day at least two days ahead (CN asks a day's notice)."""
    day = (now.astimezone(SH) + timedelta(days=2)).date()
    cn_holidays = holidays.country_holidays("CN", years=[day.year, day.year + 1])
    while day in cn_holidays or day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def credentialed_collector(team, day: date, **fields):
    """A collector of `team` with work ID, authorization and training valid on `day`."""
    collector = f.make_user(role="collector", team=team, **fields)
    return credentialed_on(collector, day)


def credentialed_on(collector, day: date):
    for kind in ("work_id", "authorization", "training"):
        f.make_credential(
            collector=collector,
            kind=kind,
            valid_from=day - timedelta(days=30),
            valid_until=day + timedelta(days=365),
        )
    return collector


def bookable(*, team, agent, day: date, borrowers: int):
    """One allowed plan (10:00-11:00 on `day`) per new borrower, with the place to go.

    Each visit has a crew of its own (CN sends two), as the same pair cannot be at two
    places at 10:00 (SCHEDULE_CONFLICT).
    """
    start = datetime.combine(day, clock(10, 0), tzinfo=SH)
    plans = []
    for n in range(borrowers):
        crew = (credentialed_collector(team, day), credentialed_collector(team, day))
        borrower = f.make_borrower(name="王小明", mobile=f"138{n:08d}")
        address = f.make_address(borrower=borrower)
        f.make_loan(borrower=borrower, schedule=[(day - timedelta(days=60), "1000.00")])
        case = f.make_case(
            borrower=borrower,
            assigned_collector=agent,
            team=team,
            opened_on=day - timedelta(days=30),
        )
        plan = VisitPlan(
            case=case,
            start=start,
            end=start + timedelta(hours=1),
            location_type="home",
            purpose=f.VISIT_PURPOSE,
            recorder=True,
            collector_ids=tuple(c.pk for c in crew),
        )
        plans.append((plan, VisitPlace(address=address)))
    return plans
