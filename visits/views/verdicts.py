"""A verdict as the panel shows it (used by the live panel and after a refused booking)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from compliance.display import finding_rows
from compliance.rules import Verdict
from visits.forms.planning import LOCAL_INPUT


def verdict_context(verdict: Verdict, zone_name: str, duration: timedelta) -> dict:
    """The verdict, its findings failing first, and the next allowed slot as form values."""
    context = {"verdict": verdict, "findings": finding_rows(verdict.findings)}
    if verdict.next_allowed_start is not None:
        start = verdict.next_allowed_start.astimezone(ZoneInfo(zone_name))
        context["next_start"] = start
        context["next_start_input"] = start.strftime(LOCAL_INPUT)
        context["next_end_input"] = (start + duration).strftime(LOCAL_INPUT)
    return context
