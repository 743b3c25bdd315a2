"""A notice written by a real booking, delivered by a real Celery worker through Redis.

Run with:
    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/fieldvisit \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/pytest tests/visits/test_worker.py

The booking runs at the real current time (the worker sends what is due by its own clock),
so the plan, the credentials and the loan are dated relative to today.
"""

import time
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

from compliance.facts import VisitPlan
from tests import factories as f
from tests.worker import NEEDS_WORKER, celery_worker
from visits.models import Notice
from visits.services.booking import VisitPlace, visit_book
from visits.tasks import notice_sweep_task

pytestmark = NEEDS_WORKER
SH = ZoneInfo("Asia/Shanghai")


def test_worker_delivers_the_notice_a_booking_wrote(transactional_db, team, agent, tmp_path):
    now = timezone.now()
    plan, place = _bookable_plan(team, agent, now)

    # default_queue: the booking's on-commit .delay() goes to this test's worker.
    with celery_worker(tmp_path, default_queue=True, FIELDVISIT_SMS_GATEWAY="console") as worker:
        result = visit_book(plan=plan, place=place, by=agent, now=now)
        assert result.booked, result.verdict
        (notice,) = result.visit.notices.all()
        status = _wait_for_status(notice, "delivered", worker.log_path)
        swept = worker.result(notice_sweep_task.apply_async(queue=worker.queue), "sweep")

    assert status == "delivered"
    notice.refresh_from_db()
    assert (notice.gateway, notice.attempts, notice.recipient) == ("console", 1, "13812345678")
    assert notice.delivered_at is not None and notice.body
    # Really done by the worker, not eagerly in this process.
    text = worker.log()
    assert "Task visits.tasks.notice_send_task[" in text
    assert "succeeded" in text and "'delivered'" in text
    assert "Notice via console to 138****5678" in text
    assert swept == {"tried": 0}


def _wait_for_status(notice: Notice, wanted: str, log_path) -> str:
    status = ""
    for _ in range(600):  # a guard against a hung worker, not a performance limit
        status = Notice.objects.filter(pk=notice.pk).values_list("status", flat=True).get()
        if status == wanted:
            return status
        time.sleep(0.1)
    raise AssertionError(f"notice still {status}:\n{log_path.read_text()}")


def _bookable_plan(team, agent, now: datetime) -> tuple[VisitPlan, VisitPlace]:
    """10:00–11:00 Shanghai time on the first working day at least two days ahead."""
    day = (now.astimezone(SH) + timedelta(days=2)).date()
    cn_holidays = holidays.country_holidays("CN", years=[day.year, day.year + 1])
    while day in cn_holidays:
        day += timedelta(days=1)
    partner = f.make_user(role="collector", team=team, username="partner")
    for collector in (agent, partner):
        for kind in ("work_id", "authorization", "training"):
            f.make_credential(
                collector=collector,
                kind=kind,
                valid_from=day - timedelta(days=30),
                valid_until=day + timedelta(days=365),
            )
    borrower = f.make_borrower(name="王小明")
    address = f.make_address(borrower=borrower)
    f.make_loan(borrower=borrower, schedule=[(day - timedelta(days=60), "1000.00")])
    case = f.make_case(
        borrower=borrower, assigned_collector=agent, team=team, opened_on=day - timedelta(days=30)
    )
    start = datetime.combine(day, clock(10, 0), tzinfo=SH)
    plan = VisitPlan(
        case=case,
        start=start,
        end=start + timedelta(hours=1),
        location_type="home",
        purpose=f.VISIT_PURPOSE,
        recorder=True,
        collector_ids=(agent.pk, partner.pk),
    )
    return plan, VisitPlace(address=address)
