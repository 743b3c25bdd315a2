"""Celery interfaces for the ledger. Tasks take ids and dates, never personal data."""

from dataclasses import asdict
from datetime import date

from celery import shared_task
from django.utils import timezone


@shared_task(name="collections_app.tasks.ledger_refresh_task")
def ledger_refresh_task(as_of: str | None = None) -> dict:
    """Nightly: re-derive every loan's DPD and bucket, cases and promise outcomes."""
    from collections_app.services.ledger import ledger_refresh

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    result = ledger_refresh(as_of=day)
    return asdict(result)
