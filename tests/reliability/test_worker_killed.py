"""A worker killed with SIGKILL in the middle of a send: after a restart every notice
reaches the gateway, and none reaches a phone twice.

The fake gateway holds one request open and the test kills the worker while it waits, so
the gateway has accepted a message whose sender never learnt it and never committed it. The
row's lock goes with the dead connection and the row is still pending; the sweeper of the
restarted worker sends it again with the same idempotency key, and the gateway answers the
repeat without delivering it twice. Requests and distinct keys are both counted, so the
repeat is visible rather than hidden.
"""

import signal

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
BOOKINGS = 30
KILLED_AT = 10  # the gateway request during which the worker dies


def test_a_worker_killed_mid_send_delivers_each_notice_once_after_restart(
    transactional_db, team, agent, tmp_path, private_redis
):
    now = timezone.now()
    plans = bookable(team=team, agent=agent, day=visit_day(now), borrowers=BOOKINGS)
    gateway = FakeSmsGateway(delay=0.02, hold_at=KILLED_AT, hold_seconds=30)
    worker_env = {"FIELDVISIT_SMS_GATEWAY": "sms_http", "FIELDVISIT_SMS_HTTP_URL": gateway.url}

    with (
        gateway,
        celery_worker(
            tmp_path,
            default_queue=True,
            broker_url=private_redis.url,
            log_name="killed.log",
            **worker_env,
        ) as first,
    ):
        results = [visit_book(plan=p, place=at, by=agent, now=timezone.now()) for p, at in plans]
        notices = Notice.objects.filter(visit__in=[r.visit for r in results if r.booked])
        assert notices.count() == BOOKINGS
        assert gateway.held.wait(120), first.log()
        first.process.send_signal(signal.SIGKILL)
        assert first.process.wait(timeout=20) == -signal.SIGKILL
        in_flight = gateway.total_requests
        assert in_flight == KILLED_AT
        sent_before_kill = statuses(notices).get("sent", 0)
        assert sent_before_kill == KILLED_AT - 1  # the held one never committed

        # A new worker on the same queue takes what is still queued; the sweeper (what beat
        # runs every minute) takes what the dead worker had taken off the queue.
        with celery_worker(
            tmp_path,
            default_queue=True,
            broker_url=private_redis.url,
            queue=first.queue,
            log_name="restarted.log",
            **worker_env,
        ) as second:
            notice_sweep_task.apply_async(queue=second.queue, ignore_result=True)
            wait_until_no_pending(notices, lambda: first.log() + second.log())

    keys = {str(k) for k in notices.values_list("idempotency_key", flat=True)}
    assert statuses(notices) == {"sent": BOOKINGS}
    assert set(gateway.requests) == keys  # every notice reached the gateway
    assert gateway.delivered == BOOKINGS  # once each, by key
    # Only the request the kill cut off was repeated (the gateway had it, the database did
    # not), once, and the gateway's key check kept it from reaching the phone again.
    assert list(gateway.repeated_keys.values()) == [2]
    assert gateway.total_requests == BOOKINGS + len(gateway.repeated_keys)
    # The interrupted attempt left no trace in the database: one attempt and one audit each.
    assert set(notices.values_list("attempts", flat=True)) == {1}
    assert AuditEvent.objects.filter(action="notice.sent").count() == BOOKINGS
    print(
        f"\nworker killed: notices queued {BOOKINGS}, sent before the kill {sent_before_kill}, "
        f"delivered {gateway.delivered}, duplicated deliveries 0; gateway requests "
        f"{gateway.total_requests} for {gateway.delivered} distinct keys "
        f"(repeated keys: {len(gateway.repeated_keys)})"
    )
