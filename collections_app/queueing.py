"""Queue a Celery task after the current transaction commits, without ever failing it.

The row the task works on is already committed (an outbox notice, an import or evidence-pack
job), so a broker outage must not turn the user's request into an error or a 20-second hang:
publish once more after 0.2 s at most, then log one line and leave the row for a sweeper or a
retry. `ignore_result`: nobody waits for the result (the row says how it went), and asking for
one subscribes to the result backend, which retries for 20 s and then fails for good when Redis
is down.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction

logger = logging.getLogger(__name__)

PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue(task, *args, what: str, then: str = "it stays queued") -> bool:
    """Publish now; False (and one log line: `what`, the error, `then`) when the broker
    cannot take it. One line, not a traceback: an outage would fill the log otherwise."""
    # Both options are about publishing: without a broker (tasks run in-process) they only
    # make kombu look for one.
    eager = task.app.conf.task_always_eager
    options = {} if eager else {"ignore_result": True, "retry_policy": PUBLISH_RETRY}
    try:
        task.apply_async(args, **options)
    except Exception as exc:
        logger.warning("Could not queue %s (%s: %s); %s.", what, type(exc).__name__, exc, then)
        return False
    return True


def enqueue_on_commit(task, *args, what: str) -> None:
    transaction.on_commit(lambda: enqueue(task, *args, what=what))


# A job still queued this long after it was created lost its first queueing.
STALE_AFTER = timedelta(minutes=5)


def stale_jobs_requeue(*, now: datetime) -> int:
    """Queue again every import and evidence-pack job left queued since before STALE_AFTER."""
    from collections_app.models import ImportJob
    from collections_app.tasks import import_job_task
    from compliance.models import EvidencePackJob
    from compliance.tasks import evidence_pack_build_task

    queued = 0
    for model, task, what in (
        (ImportJob, import_job_task, "import job"),
        (EvidencePackJob, evidence_pack_build_task, "evidence pack job"),
    ):
        stale = model.objects.filter(status="queued", created_at__lt=now - STALE_AFTER)
        for job_id in stale.values_list("id", flat=True):
            queued += enqueue(task, job_id, what=f"{what} {job_id}")
    return queued
