"""How often: other bookings of the collectors, visits per day and week, contacts per day."""

from datetime import timedelta

from .base import day, hhmm, result, rule
from .facts import Facts, Interval
from .i18n import Text, _
from .policy import Policy

WEEK = timedelta(days=7)


@rule("SCHEDULE_CONFLICT")
def schedule_conflict(facts: Facts, policy: Policy):
    planned = Interval(facts.visit.start, facts.visit.end)
    for collector in facts.visit.collectors:
        for busy in collector.busy:
            if busy.overlaps(planned):
                start, end = facts.local(busy.start), facts.local(busy.end)
                return result(
                    "SCHEDULE_CONFLICT",
                    False,
                    policy,
                    Text(
                        _(
                            "Collector %(collector)s is already booked %(start)s–%(end)s on %(date)s."
                        ),
                        {
                            "collector": collector.id,
                            "start": hhmm(start),
                            "end": hhmm(end),
                            "date": day(start.date()),
                        },
                    ),
                )
    return result(
        "SCHEDULE_CONFLICT",
        True,
        policy,
        Text(
            _("None of the %(count)d collectors is booked elsewhere at that time."),
            {"count": len(facts.visit.collectors)},
        ),
    )


def _active_visit_starts(facts: Facts):
    return [v.start for v in facts.visits if v.status != "cancelled"]


@rule("VISIT_FREQUENCY")
def visit_frequency(facts: Facts, policy: Policy):
    config = policy.rule("VISIT_FREQUENCY")
    starts = _active_visit_starts(facts)
    visit_day = facts.local_start.date()
    same_day = 1 + sum(facts.local(s).date() == visit_day for s in starts)
    week_from = facts.visit.start - WEEK
    in_week = 1 + sum(week_from <= s < facts.visit.start for s in starts)
    per_day, per_week = config["per_day"], config["per_7_days"]
    if per_day is not None and same_day > per_day:
        return result(
            "VISIT_FREQUENCY",
            False,
            policy,
            Text(
                _(
                    "%(count)d visits to the borrower on %(date)s including this one; at most %(cap)d per day."
                ),
                {"count": same_day, "date": day(visit_day), "cap": per_day},
            ),
        )
    if per_week is not None and in_week > per_week:
        return result(
            "VISIT_FREQUENCY",
            False,
            policy,
            Text(
                _(
                    "%(count)d visits to the borrower in the 7 days up to this one, including it; at most %(cap)d."
                ),
                {"count": in_week, "cap": per_week},
            ),
        )
    return result(
        "VISIT_FREQUENCY",
        True,
        policy,
        Text(
            _(
                "%(day)d visit(s) that day and %(week)d in 7 days including this one; caps %(per_day)s a day, %(per_week)s a week."
            ),
            {
                "day": same_day,
                "week": in_week,
                "per_day": "—" if per_day is None else per_day,
                "per_week": "—" if per_week is None else per_week,
            },
        ),
    )


@rule("CONTACT_BUDGET")
def contact_budget(facts: Facts, policy: Policy):
    cap = policy.rule("CONTACT_BUDGET")["per_day"]
    visit_day = facts.local_start.date()
    calls = sum(c.connected and facts.local(c.at).date() == visit_day for c in facts.calls)
    visits = sum(facts.local(s).date() == visit_day for s in _active_visit_starts(facts))
    total = calls + visits + 1
    return result(
        "CONTACT_BUDGET",
        total <= cap,
        policy,
        Text(
            _(
                "%(total)d contacts on %(date)s with this visit (%(calls)d connected calls, %(visits)d other visits); at most %(cap)d a day."
            ),
            {"total": total, "date": day(visit_day), "calls": calls, "visits": visits, "cap": cap},
        ),
    )
