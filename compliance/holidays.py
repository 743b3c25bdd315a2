"""Public holidays as facts: the national days of a pack's country, from the `holidays` library."""

from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache

import holidays as holiday_library

from .rules.engine import LOOK_AHEAD
from .rules.facts import Facts, Holiday


@lru_cache(maxsize=64)
def _national(country: str, year: int) -> tuple[Holiday, ...]:
    # No subdivision: national days only (no state or province days, DESIGN.md §6.1).
    days = holiday_library.country_holidays(country, years=year, language="en_US")
    return tuple(Holiday(day, name) for day, name in sorted(days.items()))


def holidays_between(country: str, first: date, last: date) -> tuple[Holiday, ...]:
    found = []
    for year in range(first.year, last.year + 1):
        found.extend(h for h in _national(country, year) if first <= h.day <= last)
    return tuple(found)


def with_holidays(facts: Facts, country: str) -> Facts:
    """Facts plus the holidays from the visit date through the next-allowed-start look-ahead."""
    first = facts.local_start.date() - timedelta(days=1)
    last = facts.local_end.date() + LOOK_AHEAD + timedelta(days=1)
    return replace(facts, holidays=holidays_between(country, first, last))
