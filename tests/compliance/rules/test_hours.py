"""When a visit may happen (compliance/rules/hours.py): DESIGN.md §6.1 windows, dates, notice."""

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from compliance.rules import Stage
from compliance.rules.facts import Holiday, Notice, NoVisitWindow, SensitiveDate

from .support import (
    BASE,
    BLOCK,
    DAY,
    FAIL,
    NA,
    PASS,
    REVIEW,
    WARN,
    at,
    by_rule,
    case,
    check_all,
    planned,
)

CST = timezone(timedelta(hours=8))
H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def _start(pack):
    return BASE[Stage.PRE][pack].visit.start


def _notice(pack, before, states_purpose=True, delivered=True):
    sent = _start(pack) - before
    return Notice(
        "sms", sent_at=sent, delivered_at=sent if delivered else None, states_purpose=states_purpose
    )


def _notice_case(pack, before, now_before=H, **kw):
    """Only this notice, and `now` so close to the start that it cannot rescue the rule."""
    return {"notices": (_notice(pack, before, **kw),), "now": _start(pack) - now_before}


def _report(pack, check_in, check_out, **more):
    return {"report.check_in_at": check_in, "report.check_out_at": check_out, **more}


def _checked(pack, start, end, end_days=0):
    return _report(pack, at(pack, start), at(pack, end, end_days))


def _in_minutes(pack, minutes):
    check_in = _start(pack)
    return _report(pack, check_in, check_in + timedelta(minutes=minutes))


def _submitted(pack, after, submitted=True):
    check_out = BASE[Stage.POST][pack].report.check_out_at
    if submitted:
        return {"report.submitted_at": check_out + after}
    return {"report.submitted_at": None, "now": check_out + after}


def _no_visits(weekday, begin, end):
    begin, end = (time.fromisoformat(t) for t in (begin, end))
    return {"borrower.no_visit_windows": (NoVisitWindow(frozenset({weekday}), begin, end),)}


TUESDAY, WEDNESDAY = DAY.weekday(), DAY.weekday() + 1
ALLOWED_CN = "allowed 08:00–22:00"
SOFT = "outside the bank's preferred hours"

# fmt: off
CASES = [
    # VISIT_WINDOW — CN hard window 08:00–22:00 (end inclusive), policy window 09:00–20:00 warn
    case("cn-0900-inside-both-windows", "VISIT_WINDOW", "cn", planned("cn", "09:00", "10:00"),
         PASS, BLOCK, "Visit runs 09:00–10:00 local time (Asia/Shanghai); allowed 08:00–22:00"),
    case("cn-0759-start-blocks", "VISIT_WINDOW", "cn", planned("cn", "07:59", "08:59"),
         FAIL, BLOCK, f"Visit starts at 07:59 local time; {ALLOWED_CN}"),
    case("cn-0800-start-only-warns", "VISIT_WINDOW", "cn", planned("cn", "08:00", "09:00"),
         FAIL, WARN, SOFT),
    case("cn-end-2159-warns", "VISIT_WINDOW", "cn", planned("cn", "21:00", "21:59"),
         FAIL, WARN, f"Visit ends at 21:59 local time: {SOFT} 09:00–20:00"),
    case("cn-end-2200-exactly-not-blocked", "VISIT_WINDOW", "cn", planned("cn", "21:00", "22:00"),
         FAIL, WARN, "within the allowed 08:00–22:00"),
    case("cn-end-2201-blocks", "VISIT_WINDOW", "cn", planned("cn", "21:01", "22:01"),
         FAIL, BLOCK, f"Visit ends at 22:01 local time; {ALLOWED_CN}"),
    case("cn-policy-window-exact-passes", "VISIT_WINDOW", "cn", planned("cn", "09:00", "20:00"),
         PASS, BLOCK, "09:00–20:00"),
    case("cn-policy-start-0859-warns", "VISIT_WINDOW", "cn", planned("cn", "08:59", "09:30"),
         FAIL, WARN, "Visit starts at 08:59"),
    case("cn-policy-end-2001-warns", "VISIT_WINDOW", "cn", planned("cn", "19:30", "20:01"),
         FAIL, WARN, "Visit ends at 20:01"),
    case("cn-crossing-midnight-blocks", "VISIT_WINDOW", "cn", planned("cn", "21:30", "00:30", 1),
         FAIL, BLOCK, "Runs past midnight, from 21:30 on 2026-03-10 to 00:30 on 2026-03-11"),
    case("cn-urumqi-0900+08-is-0700-local", "VISIT_WINDOW", "cn",
         {"borrower.timezone": "Asia/Urumqi",
          "visit.start": datetime(2026, 3, 10, 9, tzinfo=CST),
          "visit.end": datetime(2026, 3, 10, 10, tzinfo=CST)},
         FAIL, BLOCK, "Visit starts at 07:00 local time"),
    case("cn-urumqi-1100+08-is-0900-local", "VISIT_WINDOW", "cn",
         {"borrower.timezone": "Asia/Urumqi",
          "visit.start": datetime(2026, 3, 10, 11, tzinfo=CST),
          "visit.end": datetime(2026, 3, 10, 12, tzinfo=CST)},
         PASS, BLOCK, "09:00–10:00 local time (Asia/Urumqi)"),
    case("cn-utc-input-read-in-borrower-zone", "VISIT_WINDOW", "cn",
         {"visit.start": datetime(2026, 3, 10, 13, 30, tzinfo=UTC),
          "visit.end": datetime(2026, 3, 10, 14, 30, tzinfo=UTC)},
         FAIL, BLOCK, "Visit ends at 22:30"),
    # IN 08:00–19:00
    case("in-end-1859-passes", "VISIT_WINDOW", "in", planned("in", "18:00", "18:59"),
         PASS, BLOCK, "allowed 08:00–19:00"),
    case("in-end-1900-exactly-passes", "VISIT_WINDOW", "in", planned("in", "18:00", "19:00"),
         PASS, BLOCK, "18:00–19:00"),
    case("in-start-1859-end-1929-blocks", "VISIT_WINDOW", "in", planned("in", "18:59", "19:29"),
         FAIL, BLOCK, "Visit ends at 19:29 local time; allowed 08:00–19:00"),
    case("in-end-1901-blocks", "VISIT_WINDOW", "in", planned("in", "18:01", "19:01"),
         FAIL, BLOCK, "Visit ends at 19:01"),
    case("in-0759-blocks", "VISIT_WINDOW", "in", planned("in", "07:59", "08:30"),
         FAIL, BLOCK, "Visit starts at 07:59"),
    # US / UK 08:00–21:00, no policy window
    *[
        row
        for pack in ("us", "uk")
        for row in (
            case(f"{pack}-0800-passes", "VISIT_WINDOW", pack, planned(pack, "08:00", "09:00"),
                 PASS, BLOCK, "allowed 08:00–21:00"),
            case(f"{pack}-0759-blocks", "VISIT_WINDOW", pack, planned(pack, "07:59", "09:00"),
                 FAIL, BLOCK, "Visit starts at 07:59"),
            case(f"{pack}-end-2100-passes", "VISIT_WINDOW", pack, planned(pack, "20:00", "21:00"),
                 PASS, BLOCK, "20:00–21:00"),
            case(f"{pack}-end-2101-blocks", "VISIT_WINDOW", pack, planned(pack, "20:01", "21:01"),
                 FAIL, BLOCK, "Visit ends at 21:01 local time; allowed 08:00–21:00"),
        )
    ],
    # BORROWER_PREFERENCES — no-visit windows are half-open, places are absolute
    case("prefs-none-on-file", "BORROWER_PREFERENCES", "cn", {}, PASS, BLOCK,
         "(0 windows, 0 places on file)"),
    case("prefs-window-covers-visit", "BORROWER_PREFERENCES", "cn",
         _no_visits(TUESDAY, "09:00", "12:00"),
         FAIL, BLOCK, "no visits on Tue 09:00–12:00; the visit runs 10:00–11:00 on 2026-03-10"),
    case("prefs-window-touching-after", "BORROWER_PREFERENCES", "cn",
         _no_visits(TUESDAY, "11:00", "12:00"),
         PASS, BLOCK, "1 windows"),
    case("prefs-window-touching-before", "BORROWER_PREFERENCES", "uk",
         _no_visits(TUESDAY, "08:00", "10:00"),
         PASS, BLOCK, "1 windows"),
    case("prefs-window-other-weekday", "BORROWER_PREFERENCES", "cn",
         _no_visits(WEDNESDAY, "00:00", "23:59"),
         PASS, BLOCK, "No recorded no-visit window"),
    case("prefs-window-2359-means-end-of-day", "BORROWER_PREFERENCES", "cn",
         {**planned("cn", "21:00", "21:59"), **_no_visits(TUESDAY, "21:30", "23:59")},
         FAIL, BLOCK, "Tue 21:30–23:59"),
    case("prefs-place-blocks", "BORROWER_PREFERENCES", "in",
         {"borrower.no_visit_locations": frozenset({"home"})},
         FAIL, BLOCK, "asked not to be visited at their home"),
    case("prefs-other-place-ok", "BORROWER_PREFERENCES", "us",
         {"borrower.no_visit_locations": frozenset({"workplace"})},
         PASS, BLOCK, "1 places on file"),
    # SENSITIVE_DATE — personal dates and public holidays; IN blocks, the others review
    case("sensitive-none", "SENSITIVE_DATE", "cn", {}, PASS, REVIEW,
         "2026-03-10 is neither a sensitive date"),
    case("sensitive-personal-cn-review", "SENSITIVE_DATE", "cn",
         {"borrower.sensitive_dates": (SensitiveDate(DAY, DAY, "bereavement"),)},
         FAIL, REVIEW, "2026-03-10 is a sensitive date for the borrower (bereavement)"),
    case("sensitive-range-ended-yesterday", "SENSITIVE_DATE", "cn",
         {"borrower.sensitive_dates": (
             SensitiveDate(DAY - timedelta(days=5), DAY - timedelta(days=1), "wedding"),)},
         PASS, REVIEW, "neither"),
    case("sensitive-holiday-uk-review", "SENSITIVE_DATE", "uk",
         {"holidays": (Holiday(DAY, "Test Bank Holiday"),)},
         FAIL, REVIEW, "public holiday (Test Bank Holiday)"),
    case("sensitive-holiday-in-blocks", "SENSITIVE_DATE", "in",
         {"holidays": (Holiday(DAY, "Holi"),)}, FAIL, BLOCK, "public holiday (Holi)"),
    case("sensitive-personal-in-blocks", "SENSITIVE_DATE", "in",
         {"borrower.sensitive_dates": (SensitiveDate(DAY, DAY, "hospital_stay"),)},
         FAIL, BLOCK, "(hospital stay)"),
    case("sensitive-us-review", "SENSITIVE_DATE", "us",
         {"holidays": (Holiday(DAY, "Test Day"),)}, FAIL, REVIEW, "public holiday"),
    # ADVANCE_NOTICE — ≥ N h between delivery (or now) and the start
    case("notice-cn-start-exactly-24h-away", "ADVANCE_NOTICE", "cn",
         {"notices": (), "now": _start("cn") - 24 * H}, PASS, BLOCK,
         "The start is 24 h away, time enough to deliver the 24 h notice"),
    case("notice-cn-start-23h59-away", "ADVANCE_NOTICE", "cn",
         {"notices": (), "now": _start("cn") - 24 * H + MIN}, FAIL, BLOCK,
         "No notice delivered 24 h before the start, and the start is only 23.98 h away"),
    case("notice-cn-delivered-24h-before", "ADVANCE_NOTICE", "cn", _notice_case("cn", 24 * H),
         PASS, BLOCK, "Notice delivered 24 h before the start; 24 h required"),
    case("notice-cn-delivered-23h59-before", "ADVANCE_NOTICE", "cn",
         _notice_case("cn", 24 * H - MIN), FAIL, BLOCK, "only 1 h away"),
    case("notice-cn-sent-not-delivered", "ADVANCE_NOTICE", "cn",
         _notice_case("cn", 72 * H, delivered=False), FAIL, BLOCK, "No notice delivered"),
    case("notice-in-delivered-24h-before", "ADVANCE_NOTICE", "in", _notice_case("in", 24 * H),
         PASS, BLOCK, "24 h required"),
    case("notice-uk-delivered-48h-before", "ADVANCE_NOTICE", "uk", _notice_case("uk", 48 * H),
         PASS, BLOCK, "Notice delivered 48 h before the start; 48 h required"),
    case("notice-uk-delivered-47h59-before", "ADVANCE_NOTICE", "uk",
         _notice_case("uk", 48 * H - MIN), FAIL, BLOCK, "No notice delivered 48 h before"),
    case("notice-uk-start-30h-away", "ADVANCE_NOTICE", "uk",
         {"notices": (), "now": _start("uk") - 30 * H}, FAIL, BLOCK, "only 30 h away"),
    case("notice-us-not-required", "ADVANCE_NOTICE", "us",
         {"notices": (), "now": _start("us") - H}, NA, BLOCK, "Not required by the US pack"),
    # ACTUAL_WINDOW — the hard window only, on check-in/out
    case("actual-cn-0800-2200-passes", "ACTUAL_WINDOW", "cn", _checked("cn", "08:00", "22:00"),
         PASS, BLOCK, "On site 08:00–22:00 local time; allowed 08:00–22:00"),
    case("actual-cn-checkout-2201", "ACTUAL_WINDOW", "cn", _checked("cn", "21:30", "22:01"),
         FAIL, BLOCK, "Check-out at 22:01 local time"),
    case("actual-cn-checkin-0759", "ACTUAL_WINDOW", "cn", _checked("cn", "07:59", "08:30"),
         FAIL, BLOCK, "Check-in at 07:59 local time"),
    case("actual-cn-past-midnight", "ACTUAL_WINDOW", "cn", _checked("cn", "21:50", "00:10", 1),
         FAIL, BLOCK, "Runs past midnight"),
    case("actual-in-1900-passes", "ACTUAL_WINDOW", "in", _checked("in", "18:30", "19:00"),
         PASS, BLOCK, "allowed 08:00–19:00"),
    case("actual-in-1901-fails", "ACTUAL_WINDOW", "in", _checked("in", "18:30", "19:01"),
         FAIL, BLOCK, "Check-out at 19:01"),
    case("actual-us-2101-fails", "ACTUAL_WINDOW", "us", _checked("us", "20:30", "21:01"),
         FAIL, BLOCK, "Check-out at 21:01"),
    case("actual-no-check-in", "ACTUAL_WINDOW", "uk", {"report.check_in_at": None},
         FAIL, BLOCK, "No check-in or check-out time recorded"),
    # NOTICE_DELIVERED — a notice stating the purpose, ≥ N h before the planned start
    case("delivered-cn-24h-with-purpose", "NOTICE_DELIVERED", "cn",
         {"notices": (_notice("cn", 24 * H),)}, PASS, BLOCK,
         "delivered 24 h before the planned start; 24 h required"),
    case("delivered-cn-without-purpose", "NOTICE_DELIVERED", "cn",
         {"notices": (_notice("cn", 72 * H, states_purpose=False),)}, FAIL, BLOCK,
         "No notice stating the purpose was delivered 24 h before the planned start (1 notices"),
    case("delivered-cn-23h59", "NOTICE_DELIVERED", "cn",
         {"notices": (_notice("cn", 24 * H - MIN),)}, FAIL, BLOCK, "No notice stating the purpose"),
    case("delivered-cn-not-delivered", "NOTICE_DELIVERED", "cn",
         {"notices": (_notice("cn", 72 * H, delivered=False),)}, FAIL, BLOCK,
         "(0 notices delivered)"),
    case("delivered-uk-48h", "NOTICE_DELIVERED", "uk", {"notices": (_notice("uk", 48 * H),)},
         PASS, BLOCK, "48 h required"),
    case("delivered-uk-47h59", "NOTICE_DELIVERED", "uk",
         {"notices": (_notice("uk", 48 * H - MIN),)}, FAIL, BLOCK, "48 h before the planned start"),
    case("delivered-in-none", "NOTICE_DELIVERED", "in", {"notices": ()}, FAIL, BLOCK,
         "(0 notices delivered)"),
    case("delivered-us-not-required", "NOTICE_DELIVERED", "us", {"notices": ()}, NA, BLOCK,
         "Not required by the US pack"),
    # VISIT_DURATION — check-out minus check-in, at most 60 min, warn
    case("duration-60-passes", "VISIT_DURATION", "cn", _in_minutes("cn", 60), PASS, WARN,
         "The visit lasted 60 min; at most 60 min"),
    case("duration-61-warns", "VISIT_DURATION", "cn", _in_minutes("cn", 61), FAIL, WARN,
         "lasted 61 min"),
    case("duration-60m30s-warns", "VISIT_DURATION", "uk", _in_minutes("uk", 60.5), FAIL, WARN,
         "at most 60 min"),
    case("duration-us-61-warns", "VISIT_DURATION", "us", _in_minutes("us", 61), FAIL, WARN, "61"),
    case("duration-no-check-out", "VISIT_DURATION", "in", {"report.check_out_at": None},
         FAIL, WARN, "No check-in or check-out time recorded"),
    # REPORT_TIMELY — within 24 h of check-out, warn; unsubmitted reports run against now
    case("report-24h-passes", "REPORT_TIMELY", "cn", _submitted("cn", 24 * H), PASS, WARN,
         "Report submitted 24 h after check-out; within 24 h expected"),
    case("report-24h01-warns", "REPORT_TIMELY", "cn", _submitted("cn", 24 * H + MIN), FAIL, WARN,
         "24.02 h after check-out"),
    case("report-unsubmitted-now-25h", "REPORT_TIMELY", "us", _submitted("us", 25 * H, False),
         FAIL, WARN, "25 h after check-out"),
    case("report-unsubmitted-now-1h", "REPORT_TIMELY", "in", _submitted("in", H, False),
         PASS, WARN, "1 h after check-out"),
    case("report-no-check-out", "REPORT_TIMELY", "uk", {"report.check_out_at": None},
         FAIL, WARN, "No check-out time recorded"),
]
# fmt: on


@pytest.mark.parametrize("rows", by_rule(CASES))
def test_rule(rows):
    check_all(rows)
