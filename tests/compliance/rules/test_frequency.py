"""How often (compliance/rules/frequency.py): double bookings, visit caps, the contact budget."""

from datetime import timedelta

import pytest

from compliance.rules import Stage
from compliance.rules.facts import Call, Interval, PastVisit

from .support import BASE, BLOCK, FAIL, PASS, WARN, at, by_rule, case, check_all, collector

H = timedelta(hours=1)
D = timedelta(days=1)
MIN = timedelta(minutes=1)
WEEK = 7 * D


def _start(pack):
    return BASE[Stage.PRE][pack].visit.start


def _busy(pack, begin, end):
    """c2 is booked elsewhere [start + begin, start + end)."""
    start = _start(pack)
    return {
        "visit.collectors": (
            collector("c1"),
            collector("c2", busy=(Interval(start + begin, start + end),)),
        )
    }


def _visits(pack, *rows):
    """Other visits to the borrower, each (offset from the planned start, status)."""
    start = _start(pack)
    return {"visits": tuple(PastVisit(start + offset, status) for offset, status in rows)}


def _calls(pack, *rows):
    start = _start(pack)
    return {"calls": tuple(Call(start + offset, connected) for offset, connected in rows)}


DONE, BOOKED, CANCELLED = "completed", "booked", "cancelled"
CN_WEEK = "in the 7 days up to this one, including it; at most 2"

# fmt: off
CASES = [
    # SCHEDULE_CONFLICT — half-open intervals: touching is fine
    case("conflict-none", "SCHEDULE_CONFLICT", "cn", {}, PASS, BLOCK,
         "None of the 2 collectors is booked elsewhere"),
    case("conflict-busy-ends-at-start", "SCHEDULE_CONFLICT", "cn", _busy("cn", -H, 0 * H),
         PASS, BLOCK, "None of the 2"),
    case("conflict-busy-starts-at-end", "SCHEDULE_CONFLICT", "us", _busy("us", H, 2 * H),
         PASS, BLOCK, "None of the 2"),
    case("conflict-overlaps-start-by-a-minute", "SCHEDULE_CONFLICT", "cn", _busy("cn", -H, MIN),
         FAIL, BLOCK, "Collector c2 is already booked 09:00–10:01 on 2026-03-10"),
    case("conflict-overlaps-end-by-a-minute", "SCHEDULE_CONFLICT", "uk",
         _busy("uk", H - MIN, 2 * H),
         FAIL, BLOCK, "already booked 10:59–12:00"),
    case("conflict-inside", "SCHEDULE_CONFLICT", "in", _busy("in", 10 * MIN, 20 * MIN),
         FAIL, BLOCK, "Collector c2"),
    case("conflict-same-interval", "SCHEDULE_CONFLICT", "cn", _busy("cn", 0 * H, H),
         FAIL, BLOCK, "10:00–11:00"),
    # VISIT_FREQUENCY — CN ≤ 1 per local day and ≤ 2 per rolling 7 days
    case("freq-cn-first", "VISIT_FREQUENCY", "cn", {}, PASS, BLOCK,
         "1 visit(s) that day and 1 in 7 days including this one; caps 1 a day, 2 a week"),
    case("freq-cn-second-in-7-days-ok", "VISIT_FREQUENCY", "cn", _visits("cn", (-3 * D, DONE)),
         PASS, BLOCK, "1 visit(s) that day and 2 in 7 days"),
    case("freq-cn-third-in-7-days-blocked", "VISIT_FREQUENCY", "cn",
         _visits("cn", (-3 * D, DONE), (-5 * D, BOOKED)), FAIL, BLOCK,
         f"3 visits to the borrower {CN_WEEK}"),
    case("freq-cn-cancelled-not-counted-in-week", "VISIT_FREQUENCY", "cn",
         _visits("cn", (-3 * D, DONE), (-5 * D, CANCELLED)), PASS, BLOCK, "2 in 7 days"),
    case("freq-cn-week-starts-at-start-minus-168h", "VISIT_FREQUENCY", "cn",
         _visits("cn", (-3 * D, DONE), (-WEEK, DONE)), FAIL, BLOCK, "3 visits"),
    case("freq-cn-168h-and-a-minute-ago-outside", "VISIT_FREQUENCY", "cn",
         _visits("cn", (-3 * D, DONE), (-WEEK - MIN, DONE)), PASS, BLOCK, "2 in 7 days"),
    case("freq-cn-later-in-week-not-counted", "VISIT_FREQUENCY", "cn",
         _visits("cn", (-3 * D, DONE), (2 * D, BOOKED)), PASS, BLOCK, "2 in 7 days"),
    case("freq-cn-earlier-same-day", "VISIT_FREQUENCY", "cn", _visits("cn", (-2 * H, DONE)),
         FAIL, BLOCK,
         "2 visits to the borrower on 2026-03-10 including this one; at most 1 per day"),
    case("freq-cn-later-same-day-counts", "VISIT_FREQUENCY", "cn", _visits("cn", (5 * H, BOOKED)),
         FAIL, BLOCK, "2 visits to the borrower on 2026-03-10"),
    case("freq-cn-later-same-day-cancelled", "VISIT_FREQUENCY", "cn",
         _visits("cn", (5 * H, CANCELLED)), PASS, BLOCK, "1 visit(s) that day"),
    case("freq-cn-same-local-day-different-utc-day", "VISIT_FREQUENCY", "cn",
         {"visits": (PastVisit(at("cn", "00:30"), DONE),)}, FAIL, BLOCK, "on 2026-03-10"),
    case("freq-cn-previous-local-day", "VISIT_FREQUENCY", "cn",
         {"visits": (PastVisit(at("cn", "23:59", -1), DONE),)}, PASS, BLOCK, "2 in 7 days"),
    # IN ≤ 1 per local day, no weekly cap
    case("freq-in-yesterday-ok", "VISIT_FREQUENCY", "in", _visits("in", (-D, DONE), (-2 * D, DONE)),
         PASS, BLOCK,
         "1 visit(s) that day and 3 in 7 days including this one; caps 1 a day, — a week"),
    case("freq-in-same-local-day", "VISIT_FREQUENCY", "in",
         {"visits": (PastVisit(at("in", "02:00"), DONE),)}, FAIL, BLOCK, "at most 1 per day"),
    # US / UK ≤ 1 per 7 days
    case("freq-us-6-days-ago", "VISIT_FREQUENCY", "us", _visits("us", (-6 * D, DONE)),
         FAIL, BLOCK,
         "2 visits to the borrower in the 7 days up to this one, including it; at most 1"),
    case("freq-us-8-days-ago", "VISIT_FREQUENCY", "us", _visits("us", (-8 * D, DONE)),
         PASS, BLOCK, "1 in 7 days"),
    case("freq-uk-cancelled", "VISIT_FREQUENCY", "uk", _visits("uk", (-2 * D, CANCELLED)),
         PASS, BLOCK, "1 in 7 days"),
    case("freq-uk-168h-ago", "VISIT_FREQUENCY", "uk", _visits("uk", (-WEEK, BOOKED)),
         FAIL, BLOCK, "at most 1"),
    # CONTACT_BUDGET — connected calls + visits that local day + this one, ≤ 3, warn
    case("budget-empty", "CONTACT_BUDGET", "cn", {}, PASS, WARN,
         "1 contacts on 2026-03-10 with this visit (0 connected calls, 0 other visits); at most 3"),
    case("budget-two-calls-ok", "CONTACT_BUDGET", "cn", _calls("cn", (-2 * H, True), (-H, True)),
         PASS, WARN, "3 contacts"),
    case("budget-three-calls-warns", "CONTACT_BUDGET", "cn",
         _calls("cn", (-3 * H, True), (-2 * H, True), (3 * H, True)), FAIL, WARN,
         "4 contacts on 2026-03-10 with this visit (3 connected calls, 0 other visits)"),
    case("budget-unconnected-and-other-days-ignored", "CONTACT_BUDGET", "uk",
         _calls("uk", (-2 * H, False), (-H, False), (-D, True), (D, True), (H, True)),
         PASS, WARN, "2 contacts"),
    case("budget-calls-and-visit", "CONTACT_BUDGET", "in",
         {**_calls("in", (-3 * H, True), (-2 * H, True)), **_visits("in", (4 * H, BOOKED))},
         FAIL, WARN,
         "4 contacts on 2026-03-10 with this visit (2 connected calls, 1 other visits)"),
    case("budget-cancelled-visit-ignored", "CONTACT_BUDGET", "us",
         {**_calls("us", (-3 * H, True), (-2 * H, True)), **_visits("us", (4 * H, CANCELLED))},
         PASS, WARN, "3 contacts"),
]
# fmt: on


@pytest.mark.parametrize("rows", by_rule(CASES))
def test_rule(rows):
    check_all(rows)
