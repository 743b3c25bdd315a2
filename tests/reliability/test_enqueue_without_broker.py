"""With the broker unreachable, a booking still books: queueing the send fails after the
commit, is logged in one line, and the notice waits in the outbox for the sweeper.

No worker and no Redis here (the broker URL points at a closed port), so this runs on
every database; test_broker_outage.py shows the sweeper then sending them.
"""

import logging
import socket

from visits.models import Notice
from visits.services.booking import visit_book

from ..visits.conftest import NOW
from ..worker import app, app_broker
from .conftest import bookable, visit_day


def test_a_booking_stands_when_the_broker_is_down(
    team, agent, caplog, django_capture_on_commit_callbacks
):
    ((plan, place),) = bookable(team=team, agent=agent, day=visit_day(NOW), borrowers=1)
    caplog.set_level(logging.WARNING, logger="visits.services.notices")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with app_broker(f"redis://127.0.0.1:{_closed_port()}/0"):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                result = visit_book(plan=plan, place=place, by=agent, now=NOW)
    finally:
        app.conf.task_always_eager = eager

    assert result.booked and len(callbacks) == 1
    (notice,) = Notice.objects.filter(visit=result.visit)
    assert (notice.status, notice.attempts, notice.next_attempt_at) == ("pending", 0, NOW)
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert record.getMessage().startswith(f"Could not queue notice {notice.pk} (")
    assert record.getMessage().endswith("the sweeper will send it.")
    assert record.exc_info is None  # one line, not a traceback per notice


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
