"""The supervisors' team dashboard: visit figures by week and by collector.

How the figures are counted (the page says the same under "How these are counted"):

- A visit belongs to the ISO week (Monday to Sunday) of its planned start in the viewer's time
  zone, and to each collector who is a member of it: a two-person visit counts once for each
  member in the by-collector figures and once in the team's (by-week and total) figures.
- Planned: every visit that is not a draft (pending approval, booked, in progress, done,
  cancelled or rescheduled), i.e. everything that was put in the diary.
- Done: reported, approved or returned (the visit took place and a report was submitted).
- Cancelled: cancelled or rescheduled (a rescheduled visit was dropped for a new one, which
  counts in its own week).
- Outcomes, promises and amounts are counted over done visits, from their report.
- Promises made: done visits whose report records a promise to pay. Kept rate: kept promises
  / promises that are due (due date before today, or already kept early), cancelled promises
  left out. The promise's status comes from the ledger (kept, partly kept, broken).
- Promised: the sum of those promises' amounts. Paid towards promises: what the ledger counted
  against them (repayments from the promise date to its due date). Paid at the visit: the
  reports' `amount_paid`. The two paid figures are shown apart and never added up: a payment
  taken at the visit is usually also a repayment within the promise's window.
- Flags per 100 visits: flags raised on the visits (any status) / done visits × 100.
- Override requests: requests on the visits, by their current status.

Every figure comes from a few grouped queries (by week, and by collector and week), however
many visits there are; the Python side only adds up the rows.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from collections_app.models import PromiseToPay, Team
from compliance.models import Override
from visits.models import Outcome, Visit, VisitMember, VisitStatus

from .scope import visit_list_for_user

DONE = (VisitStatus.REPORTED, VisitStatus.APPROVED, VisitStatus.RETURNED)
CANCELLED = (VisitStatus.CANCELLED, VisitStatus.RESCHEDULED)
PROMISE_COUNTED = tuple(s for s in PromiseToPay.Status.values if s != PromiseToPay.Status.CANCELLED)
KEPT = PromiseToPay.Status.KEPT
OVERRIDE_STATUSES = tuple(Override.Status.values)
OUTCOMES = tuple(Outcome.values)
ZERO = Decimal("0.00")


def _percent(part: int, whole: int) -> Decimal | None:
    """part / whole × 100 with one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Figures:
    """The dashboard's figures for one set of visits (a week, a collector, a team)."""

    planned: int = 0
    done: int = 0
    cancelled: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    promises_made: int = 0
    promises_due: int = 0
    promises_kept: int = 0
    promised: Decimal = ZERO
    paid_on_promises: Decimal = ZERO
    paid_at_visit: Decimal = ZERO
    flags: int = 0
    overrides: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OVERRIDE_STATUSES, 0))

    COUNTS = ("planned", "done", "cancelled", "promises_made", "promises_due", "promises_kept")
    AMOUNTS = ("promised", "paid_on_promises", "paid_at_visit")

    @property
    def still_planned(self) -> int:
        """Planned and neither done nor dropped yet (pending approval, booked, in progress)."""
        return self.planned - self.done - self.cancelled

    @property
    def kept_rate(self) -> Decimal | None:
        return _percent(self.promises_kept, self.promises_due)

    @property
    def flags_per_100(self) -> Decimal | None:
        return _percent(self.flags, self.done)

    @property
    def overrides_total(self) -> int:
        return sum(self.overrides.values())

    @property
    def outcome_items(self) -> list[tuple[str, str, int]]:
        """(code, label, count) per outcome, in the order of the report form."""
        return [(code, label, self.outcomes[code]) for code, label in Outcome.choices]

    @property
    def override_items(self) -> list[tuple[str, str, int]]:
        return [(code, label, self.overrides[code]) for code, label in Override.Status.choices]

    def add_visits(self, row: dict) -> None:
        """Add one grouped row of `_visit_figures`."""
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + row[name])
        for name in self.AMOUNTS:
            setattr(self, name, getattr(self, name) + (row[name] or ZERO))
        for outcome in OUTCOMES:
            self.outcomes[outcome] += row[f"outcome_{outcome}"]

    def add_watch(self, row: dict) -> None:
        """Add one grouped row of `_watch_figures` (flags and override requests)."""
        self.flags += row["flags"]
        for status in OVERRIDE_STATUSES:
            self.overrides[status] += row[f"overrides_{status}"]

    def add(self, other: "Figures") -> None:
        for name in (*self.COUNTS, *self.AMOUNTS, "flags"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for outcome in OUTCOMES:
            self.outcomes[outcome] += other.outcomes[outcome]
        for status in OVERRIDE_STATUSES:
            self.overrides[status] += other.overrides[status]


@dataclass
class WeekRow:
    week: date  # the Monday
    figures: Figures

    @property
    def label(self) -> str:
        year, number, _day = self.week.isocalendar()
        return f"{year}-W{number:02d}"


@dataclass
class CollectorRow:
    collector: object  # the User, with staff_profile and team loaded
    figures: Figures


@dataclass
class CollectorWeekRow:
    collector: object
    week: WeekRow
    figures: Figures


@dataclass
class Dashboard:
    start: date
    end: date
    weeks: list[WeekRow]
    collectors: list[CollectorRow]
    collector_weeks: list[CollectorWeekRow]
    totals: Figures


def _visit_figures(prefix: str, *, today: date) -> dict:
    """Aggregates over visits (`prefix` "" on Visit, "visit__" on VisitMember).

    Only one-to-one and many-to-one joins (report, its promise), so no row is counted twice.
    """
    done = Q(**{f"{prefix}status__in": DONE})
    promise = f"{prefix}report__promise"
    due = Q(**{f"{promise}__due_on__lt": today}) | Q(**{f"{promise}__status": KEPT})
    figures = {
        "planned": Count("pk"),
        "done": Count("pk", filter=done),
        "cancelled": Count("pk", filter=Q(**{f"{prefix}status__in": CANCELLED})),
        "promises_made": Count("pk", filter=done & Q(**{f"{promise}__isnull": False})),
        "promises_due": Count(
            "pk", filter=done & Q(**{f"{promise}__status__in": PROMISE_COUNTED}) & due
        ),
        "promises_kept": Count("pk", filter=done & Q(**{f"{promise}__status": KEPT})),
        "promised": Sum(f"{promise}__amount", filter=done),
        "paid_on_promises": Sum(f"{promise}__paid_amount", filter=done),
        "paid_at_visit": Sum(f"{prefix}report__amount_paid", filter=done),
    }
    for outcome in OUTCOMES:
        figures[f"outcome_{outcome}"] = Count(
            "pk", filter=done & Q(**{f"{prefix}report__outcome": outcome})
        )
    return figures


def _watch_figures(prefix: str) -> dict:
    """Flags and override requests; both are one-to-many, so each counts distinct rows."""
    overrides = f"{prefix}overrides"
    figures = {"flags": Count(f"{prefix}flags", distinct=True)}
    for status in OVERRIDE_STATUSES:
        figures[f"overrides_{status}"] = Count(
            overrides, distinct=True, filter=Q(**{f"{overrides}__status": status})
        )
    return figures


def _week(prefix: str, zone: tzinfo) -> TruncWeek:
    return TruncWeek(f"{prefix}planned_start", tzinfo=zone, output_field=DateField())


def _mondays(start: date, end: date) -> list[date]:
    first = start - timedelta(days=start.weekday())
    return [first + timedelta(weeks=n) for n in range((end - first).days // 7 + 1)]


def dashboard_visits(
    *, user, start: date, end: date, zone: tzinfo, team: Team | None = None, collector=None
) -> QuerySet[Visit]:
    """The visits the dashboard counts: in the user's scope, not drafts, planned to start
    from `start` through `end` (local dates in `zone`), of `team`'s cases and with
    `collector` as a member when given."""
    visits = (
        visit_list_for_user(user=user)
        .exclude(status=VisitStatus.DRAFT)
        .filter(
            planned_start__gte=datetime.combine(start, time.min, tzinfo=zone),
            planned_start__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
        )
    )
    if team is not None:
        visits = visits.filter(case__team=team)
    if collector is not None:
        visits = visits.filter(
            pk__in=VisitMember.objects.filter(collector=collector).values("visit_id")
        )
    return visits


def team_dashboard_for_user(
    *,
    user,
    start: date,
    end: date,
    zone: tzinfo,
    today: date,
    team: Team | None = None,
    collector=None,
) -> Dashboard:
    """Figures by week (each visit once) and by collector and week (each member), in five
    queries whatever the number of visits."""
    visits = dashboard_visits(
        user=user, start=start, end=end, zone=zone, team=team, collector=collector
    )
    weeks = {monday: WeekRow(monday, Figures()) for monday in _mondays(start, end)}
    by_week = visits.annotate(week=_week("", zone)).values("week").order_by("week")
    for row in by_week.annotate(**_visit_figures("", today=today)):
        weeks[row["week"]].figures.add_visits(row)
    for row in by_week.annotate(**_watch_figures("")):
        weeks[row["week"]].figures.add_watch(row)

    memberships = VisitMember.objects.filter(visit__in=visits)
    if collector is not None:
        memberships = memberships.filter(collector=collector)
    by_member = (
        memberships.annotate(week=_week("visit__", zone))
        .values("collector_id", "week")
        .order_by("collector_id", "week")
    )
    cells: dict[tuple[int, date], Figures] = {}
    for row in by_member.annotate(**_visit_figures("visit__", today=today)):
        cells.setdefault((row["collector_id"], row["week"]), Figures()).add_visits(row)
    for row in by_member.annotate(**_watch_figures("visit__")):
        cells[(row["collector_id"], row["week"])].add_watch(row)

    people = _collectors({collector_id for collector_id, _week in cells})
    collector_weeks = [
        CollectorWeekRow(people[collector_id], weeks[monday], figures)
        for (collector_id, monday), figures in cells.items()
    ]
    collector_weeks.sort(key=lambda row: (_order(row.collector), row.week.week))
    return Dashboard(
        start=start,
        end=end,
        weeks=list(weeks.values()),
        collectors=_collector_rows(collector_weeks),
        collector_weeks=collector_weeks,
        totals=_sum(row.figures for row in weeks.values()),
    )


def _collectors(ids: set[int]) -> dict:
    users = get_user_model().objects.filter(pk__in=ids).select_related("staff_profile__team")
    return {user.pk: user for user in users}


def _order(user) -> tuple:
    profile = getattr(user, "staff_profile", None)
    return (profile.employee_number if profile else "", user.pk)


def _sum(figures: Iterable[Figures]) -> Figures:
    total = Figures()
    for one in figures:
        total.add(one)
    return total


def _collector_rows(collector_weeks: list[CollectorWeekRow]) -> list[CollectorRow]:
    """One row per collector, their weeks added up (rows arrive sorted by collector)."""
    rows: list[CollectorRow] = []
    for cell in collector_weeks:
        if not rows or rows[-1].collector.pk != cell.collector.pk:
            rows.append(CollectorRow(cell.collector, Figures()))
        rows[-1].figures.add(cell.figures)
    return rows
