"""A notice written by a real booking, delivered by a real Celery worker through Redis.

Run with:
    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/fieldvisit \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/pytest tests/visits/test_worker.py

The booking runs at the real current time (the worker sends what is due by its own clock),
so the plan, the credentials and the loan are dated relative to today.
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock
from urllib.parse import quote
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from collections_app.celery import app
from compliance.facts import VisitPlan
from tests import factories as f
from visits.models import Notice
from visits.services.booking import VisitPlace, visit_book
from visits.tasks import notice_sweep_task

pytestmark = [
    pytest.mark.worker,
    pytest.mark.usefixtures("restore_roles"),  # transactional_db empties the role groups
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL,
        reason="needs a broker: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)",
    ),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="needs PostgreSQL: a worker process cannot see the SQLite test database "
        "(set DATABASE_URL=postgres://…)",
    ),
]
SH = ZoneInfo("Asia/Shanghai")


def _test_database_url() -> str:
    """The URL of the database this test session really uses (test_…), for the worker."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


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


def test_worker_delivers_the_notice_a_booking_wrote(transactional_db, team, agent, tmp_path):
    now = timezone.now()
    plan, place = _bookable_plan(team, agent, now)

    queue = f"fv-test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collections_app.settings",
        "DATABASE_URL": _test_database_url(),
        "DJANGO_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND or settings.CELERY_BROKER_URL,
        "FIELDVISIT_SMS_GATEWAY": "console",
    }
    log_path = tmp_path / "worker.log"
    eager, default_queue = app.conf.task_always_eager, app.conf.task_default_queue
    with log_path.open("w") as log:
        worker = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "collections_app",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            # The booking's on-commit .delay() goes to this test's queue, not to `celery`.
            app.conf.task_always_eager = False
            app.conf.task_default_queue = queue
            result = visit_book(plan=plan, place=place, by=agent, now=now)
            assert result.booked, result.verdict
            (notice,) = result.visit.notices.all()
            status = _wait_for_status(notice, "delivered", log_path)
            sweep = notice_sweep_task.apply_async(queue=queue)
            try:
                swept = sweep.get(timeout=60)
            except Exception as exc:
                raise AssertionError(f"no sweep answer: {exc!r}\n{log_path.read_text()}") from exc
            sweep.forget()
        finally:
            app.conf.task_always_eager = eager
            app.conf.task_default_queue = default_queue
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            with app.connection_for_write() as conn:  # leave no bindings behind in the broker
                bound = app.amqp.queues[queue](conn.default_channel)
                bound.declare()
                bound.delete()

    assert status == "delivered"
    notice.refresh_from_db()
    assert (notice.gateway, notice.attempts, notice.recipient) == ("console", 1, "13812345678")
    assert notice.delivered_at is not None and notice.body
    # Really done by the worker, not eagerly in this process.
    text = log_path.read_text()
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
