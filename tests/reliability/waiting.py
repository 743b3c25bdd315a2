"""Polling the database for what a worker does (guards against a hang, not time limits)."""

import time


def wait_until_no_pending(notices, describe, *, tries: int = 1800) -> None:
    """Wait until none of `notices` (a queryset) is pending or failed; fail showing `describe()`."""
    left = None
    for _ in range(tries):
        left = notices.filter(status__in=["pending", "failed"]).count()
        if left == 0:
            return
        time.sleep(0.1)
    statuses = list(notices.values_list("status", flat=True))
    raise AssertionError(f"{left} notices still unsent ({statuses[:10]}…):\n{describe()}")


def statuses(notices) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in notices.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts
