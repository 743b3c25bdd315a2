"""Celery interface for the score. Takes a date string, never personal data."""

from datetime import date

from celery import shared_task
from django.utils import timezone


@shared_task(name="scoring.tasks.score_cases_task")
def score_cases_task(as_of: str | None = None) -> int:
    """Nightly, after the ledger refresh: score every open case with the active model.
    Without an active model there is nothing to do (and nothing to retry)."""
    from scoring.services import NoActiveModel, cases_score, score_history_thin

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    score_history_thin(today=day)
    try:
        return cases_score(as_of=day, now=timezone.now()).scored
    except NoActiveModel:
        return 0
