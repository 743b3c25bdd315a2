"""Small helpers every rule module shares: building findings and formatting facts in words."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from .facts import Facts
from .i18n import Text, _
from .policy import Policy
from .results import Finding, Outcome, Severity

Rule = Callable[[Facts, Policy], Finding]

LOCATION_LABELS = {
    "home": _("home"),
    "agreed_place": _("agreed place"),
    "workplace": _("workplace"),
    "hospital": _("hospital"),
    "public_place": _("public place"),
}
WEEKDAYS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))


def rule(code: str) -> Callable[[Rule], Rule]:
    """Register the stable code on the rule function (the engine reads it)."""

    def decorate(fn: Rule) -> Rule:
        fn.code = code  # type: ignore[attr-defined]
        return fn

    return decorate


def not_required(code: str, policy: Policy) -> Finding:
    """A pack that does not apply a rule still reports it, as n/a."""
    message = Text(_("Not required by the %(pack)s pack."), {"pack": policy.pack})
    return not_applicable(code, policy, message)


def result(
    code: str, ok: bool, policy: Policy, message: Text, severity: Severity | None = None
) -> Finding:
    config = policy.rules[code]
    outcome = Outcome.PASS if ok else Outcome.FAIL
    return Finding(code, outcome, severity or config.severity, message, config.citation)


def not_applicable(code: str, policy: Policy, message: Text) -> Finding:
    config = policy.rules[code]
    return Finding(code, Outcome.NA, config.severity, message, config.citation)


@lru_cache(maxsize=256)
def clock(value: time) -> str:
    """A pack's time of day as HH:MM (few distinct values, formatted once)."""
    return value.strftime("%H:%M")


def hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def day(value: date) -> str:
    return value.isoformat()


def hours(delta: timedelta) -> str:
    """Hours in words-friendly form: 24, 23.5, -1.25."""
    value = round(delta.total_seconds() / 3600, 2)
    return f"{value:g}"


def location(kind: str) -> Text:
    return Text(LOCATION_LABELS.get(kind, kind))


def add_years(start: date, years: int) -> date:
    """The same calendar day N years later (29 Feb → 28 Feb)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)
