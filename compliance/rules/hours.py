"""When a visit may happen: allowed hours, the borrower's windows and dates, notice, duration."""

from datetime import datetime, time, timedelta

from .base import WEEKDAYS, clock, day, hhmm, hours, location, result, rule
from .facts import Facts
from .i18n import Text, _
from .policy import Policy

SENSITIVE_REASONS = {
    "bereavement": _("bereavement"),
    "hospital_stay": _("hospital stay"),
    "wedding": _("wedding"),
    "childbirth": _("childbirth"),
    "exam": _("examination"),
    "other": _("other"),
}


OUTSIDE = _("%(what)s at %(time)s local time; allowed %(from)s–%(until)s.")
OUTSIDE_PREFERRED = _(
    "%(what)s at %(time)s local time: outside the bank's preferred hours %(from)s–%(until)s, within the allowed %(hard_from)s–%(hard_until)s."
)


def _window_breach(
    start: datetime,
    end: datetime,
    allowed: tuple[time, time],
    what: tuple[str, str],
    template: str = OUTSIDE,
    **extra: str,
):
    """Why [start, end] (local) is not inside the allowed hours of one day, or None.

    The window's end is inclusive: a CN visit may end at 22:00 exactly.
    """
    first, last = allowed
    span = {"from": clock(first), "until": clock(last), **extra}
    if start.date() != end.date():
        return Text(
            _(
                "Runs past midnight, from %(start)s on %(date)s to %(end)s on %(end_date)s local time; allowed %(from)s–%(until)s within one day."
            ),
            {
                "start": hhmm(start),
                "date": day(start.date()),
                "end": hhmm(end),
                "end_date": day(end.date()),
                **span,
            },
        )
    if start.time() < first:
        return Text(template, {"what": Text(what[0]), "time": hhmm(start), **span})
    if end.time() > last:
        return Text(template, {"what": Text(what[1]), "time": hhmm(end), **span})
    return None


@rule("VISIT_WINDOW")
def visit_window(facts: Facts, policy: Policy):
    config = policy.rule("VISIT_WINDOW")
    start, end = facts.local_start, facts.local_end
    what = (_("Visit starts"), _("Visit ends"))
    breach = _window_breach(start, end, (config["start"], config["end"]), what)
    if breach:
        return result("VISIT_WINDOW", False, policy, breach)
    if config["policy_start"] and config["policy_end"]:
        soft = _window_breach(
            start,
            end,
            (config["policy_start"], config["policy_end"]),
            what,
            OUTSIDE_PREFERRED,
            hard_from=clock(config["start"]),
            hard_until=clock(config["end"]),
        )
        if soft:
            return result("VISIT_WINDOW", False, policy, soft, config["policy_severity"])
    return result(
        "VISIT_WINDOW",
        True,
        policy,
        Text(
            _("Visit runs %(start)s–%(end)s local time (%(zone)s); allowed %(from)s–%(until)s."),
            {
                "start": hhmm(start),
                "end": hhmm(end),
                "zone": facts.borrower.timezone,
                "from": clock(config["start"]),
                "until": clock(config["end"]),
            },
        ),
    )


@rule("ACTUAL_WINDOW")
def actual_window(facts: Facts, policy: Policy):
    config = policy.rule("ACTUAL_WINDOW")
    report = facts.report
    if report.check_in_at is None or report.check_out_at is None:
        return result(
            "ACTUAL_WINDOW", False, policy, Text(_("No check-in or check-out time recorded."))
        )
    start, end = facts.local(report.check_in_at), facts.local(report.check_out_at)
    breach = _window_breach(
        start, end, (config["start"], config["end"]), (_("Check-in"), _("Check-out"))
    )
    if breach:
        return result("ACTUAL_WINDOW", False, policy, breach)
    return result(
        "ACTUAL_WINDOW",
        True,
        policy,
        Text(
            _("On site %(start)s–%(end)s local time; allowed %(from)s–%(until)s."),
            {
                "start": hhmm(start),
                "end": hhmm(end),
                "from": clock(config["start"]),
                "until": clock(config["end"]),
            },
        ),
    )


def _no_visit_window_hit(facts: Facts):
    visit_start, visit_end = facts.local_start, facts.local_end
    for window in facts.borrower.no_visit_windows:
        for visit_day in facts.visit_dates:
            if visit_day.weekday() not in window.weekdays:
                continue
            opens = datetime.combine(visit_day, window.start, facts.zone)
            # "23:59" is how a form says "to the end of the day"; other ends are exclusive.
            if window.end == time(23, 59):
                closes = datetime.combine(visit_day + timedelta(days=1), time(0), facts.zone)
            else:
                closes = datetime.combine(visit_day, window.end, facts.zone)
            if visit_start < closes and opens < visit_end:
                return Text(
                    _(
                        "The borrower asked for no visits on %(weekday)s %(from)s–%(until)s; the visit runs %(start)s–%(end)s on %(date)s."
                    ),
                    {
                        "weekday": Text(WEEKDAYS[visit_day.weekday()]),
                        "from": clock(window.start),
                        "until": clock(window.end),
                        "start": hhmm(visit_start),
                        "end": hhmm(visit_end),
                        "date": day(visit_day),
                    },
                )
    return None


@rule("BORROWER_PREFERENCES")
def borrower_preferences(facts: Facts, policy: Policy):
    borrower = facts.borrower
    if facts.visit.location_type in borrower.no_visit_locations:
        return result(
            "BORROWER_PREFERENCES",
            False,
            policy,
            Text(
                _("The borrower asked not to be visited at their %(location)s."),
                {"location": location(facts.visit.location_type)},
            ),
        )
    hit = _no_visit_window_hit(facts)
    if hit:
        return result("BORROWER_PREFERENCES", False, policy, hit)
    return result(
        "BORROWER_PREFERENCES",
        True,
        policy,
        Text(
            _(
                "No recorded no-visit window or place applies (%(windows)d windows, %(places)d places on file)."
            ),
            {"windows": len(borrower.no_visit_windows), "places": len(borrower.no_visit_locations)},
        ),
    )


@rule("SENSITIVE_DATE")
def sensitive_date(facts: Facts, policy: Policy):
    config = policy.rule("SENSITIVE_DATE")
    for visit_day in facts.visit_dates:
        for sensitive in facts.borrower.sensitive_dates:
            if sensitive.first <= visit_day <= sensitive.last:
                reason = SENSITIVE_REASONS.get(sensitive.reason)
                return result(
                    "SENSITIVE_DATE",
                    False,
                    policy,
                    Text(
                        _("%(date)s is a sensitive date for the borrower (%(reason)s)."),
                        {
                            "date": day(visit_day),
                            "reason": Text(reason) if reason else sensitive.reason,
                        },
                    ),
                )
        if config["public_holidays"]:
            for holiday in facts.holidays:
                if holiday.day == visit_day:
                    return result(
                        "SENSITIVE_DATE",
                        False,
                        policy,
                        Text(
                            _("%(date)s is a public holiday (%(name)s)."),
                            {"date": day(visit_day), "name": holiday.name},
                        ),
                    )
    return result(
        "SENSITIVE_DATE",
        True,
        policy,
        Text(
            _("%(date)s is neither a sensitive date of the borrower nor a public holiday."),
            {"date": day(facts.visit_dates[0])},
        ),
    )


@rule("ADVANCE_NOTICE")
def advance_notice(facts: Facts, policy: Policy):
    needed = timedelta(hours=policy.rule("ADVANCE_NOTICE")["hours"])
    start = facts.visit.start
    delivered = [n.delivered_at for n in facts.notices if n.delivered_at is not None]
    timely = [at for at in delivered if start - at >= needed]
    params = {"needed": hours(needed)}
    if timely:
        at = min(timely)
        return result(
            "ADVANCE_NOTICE",
            True,
            policy,
            Text(
                _("Notice delivered %(lead)s h before the start; %(needed)s h required."),
                {"lead": hours(start - at), **params},
            ),
        )
    lead = start - facts.now
    if lead >= needed:
        return result(
            "ADVANCE_NOTICE",
            True,
            policy,
            Text(
                _("The start is %(lead)s h away, time enough to deliver the %(needed)s h notice."),
                {"lead": hours(lead), **params},
            ),
        )
    return result(
        "ADVANCE_NOTICE",
        False,
        policy,
        Text(
            _(
                "No notice delivered %(needed)s h before the start, and the start is only %(lead)s h away."
            ),
            {"lead": hours(lead), **params},
        ),
    )


@rule("NOTICE_DELIVERED")
def notice_delivered(facts: Facts, policy: Policy):
    needed = timedelta(hours=policy.rule("NOTICE_DELIVERED")["hours"])
    start = facts.visit.start
    timely = [
        n.delivered_at
        for n in facts.notices
        if n.delivered_at is not None and n.states_purpose and start - n.delivered_at >= needed
    ]
    if timely:
        return result(
            "NOTICE_DELIVERED",
            True,
            policy,
            Text(
                _(
                    "A notice stating the purpose was delivered %(lead)s h before the planned start; %(needed)s h required."
                ),
                {"lead": hours(start - min(timely)), "needed": hours(needed)},
            ),
        )
    return result(
        "NOTICE_DELIVERED",
        False,
        policy,
        Text(
            _(
                "No notice stating the purpose was delivered %(needed)s h before the planned start (%(delivered)d notices delivered)."
            ),
            {
                "needed": hours(needed),
                "delivered": sum(n.delivered_at is not None for n in facts.notices),
            },
        ),
    )


@rule("VISIT_DURATION")
def visit_duration(facts: Facts, policy: Policy):
    report = facts.report
    limit = policy.rule("VISIT_DURATION")["max_minutes"]
    if report.check_in_at is None or report.check_out_at is None:
        return result(
            "VISIT_DURATION", False, policy, Text(_("No check-in or check-out time recorded."))
        )
    lasted = report.check_out_at - report.check_in_at
    minutes = f"{round(lasted.total_seconds() / 60, 1):g}"
    return result(
        "VISIT_DURATION",
        lasted <= timedelta(minutes=limit),
        policy,
        Text(
            _("The visit lasted %(minutes)s min; at most %(limit)d min."),
            {"minutes": minutes, "limit": limit},
        ),
    )


@rule("REPORT_TIMELY")
def report_timely(facts: Facts, policy: Policy):
    report = facts.report
    limit = timedelta(hours=policy.rule("REPORT_TIMELY")["hours"])
    if report.check_out_at is None:
        return result("REPORT_TIMELY", False, policy, Text(_("No check-out time recorded.")))
    submitted = report.submitted_at or facts.now
    lag = submitted - report.check_out_at
    return result(
        "REPORT_TIMELY",
        lag <= limit,
        policy,
        Text(
            _("Report submitted %(lag)s h after check-out; within %(limit)s h expected."),
            {"lag": hours(lag), "limit": hours(limit)},
        ),
    )
