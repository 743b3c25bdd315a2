"""Redis stops while visits are booked: every booking stands, every notice waits in the
outbox, and once Redis is back the sweeper sends each one exactly once.

The worker stays up throughout, as in production, and reconnects by itself. Redis comes back
empty (nothing is persisted), so nothing queued before the outage helps: only the outbox does.
The send goes to a fake SMS gateway over HTTP that counts requests by idempotency key.
"""

import logging

from django.utils import timezone

from compliance.models import AuditEvent
from tests.fake_sms_gateway import FakeSmsGateway
from tests.worker import celery_worker
from visits.models import Notice
from visits.services.booking import visit_book
from visits.tasks import notice_sweep_task

from .conftest import NEEDS_PRIVATE_REDIS, bookable, visit_day
from .waiting import statuses, wait_until_no_pending

pytestmark = NEEDS_PRIVATE_REDIS
BOOKINGS = 100


def test_notices_booked_while_redis_is_down_are_swept_once_it_is_back(
    transactional_db, team, agent, tmp_path, private_redis, caplog
):
    now = timezone.now()
    plans = bookable(team=team, agent=agent, day=visit_day(now), borrowers=BOOKINGS)
    caplog.set_level(logging.WARNING, logger="visits.services.notices")

    with (
        FakeSmsGateway() as gateway,
        celery_worker(
            tmp_path,
            default_queue=True,
            broker_url=private_redis.url,
            FIELDVISIT_SMS_GATEWAY="sms_http",
            FIELDVISIT_SMS_HTTP_URL=gateway.url,
        ) as worker,
    ):
        private_redis.stop()
        results = [visit_book(plan=p, place=at, by=agent, now=timezone.now()) for p, at in plans]

        booked = [r for r in results if r.booked]
        notices = Notice.objects.filter(visit__in=[r.visit for r in booked])
        assert len(booked) == BOOKINGS
        assert statuses(notices) == {"pending": BOOKINGS}
        queue_failures = [r for r in caplog.records if "the sweeper will send it" in r.message]
        assert len(queue_failures) == BOOKINGS
        assert gateway.total_requests == 0

        private_redis.start()
        # What beat does every minute, through the worker once it has reconnected.
        notice_sweep_task.apply_async(queue=worker.queue, ignore_result=True)
        wait_until_no_pending(notices, worker.log)

    keys = {str(k) for k in notices.values_list("idempotency_key", flat=True)}
    assert statuses(notices) == {"sent": BOOKINGS}
    assert set(notices.values_list("attempts", flat=True)) == {1}
    assert set(gateway.requests) == keys  # none lost
    assert gateway.total_requests == gateway.delivered == BOOKINGS  # none sent twice
    assert AuditEvent.objects.filter(action="notice.sent").count() == BOOKINGS
    assert "Task visits.tasks.notice_sweep_task[" in worker.log()
    print(
        f"\nbroker outage: bookings attempted {len(plans)}, succeeded {len(booked)}; "
        f"notices queued {notices.count()}, delivered {gateway.delivered}, "
        f"duplicated {len(gateway.repeated_keys)}; gateway requests {gateway.total_requests} "
        f"for {gateway.delivered} distinct keys"
    )
