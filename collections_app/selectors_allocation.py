"""Read side of allocation: collectors with their load, unassigned cases, the workload report.

Every function costs a fixed number of queries, however many cases and collectors there are
(grouped counts and sums, no query per row).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from visits.models import Visit, VisitMember

from .models import Address, Case, Team
from .roles import Role

User = get_user_model()
ZERO = Decimal("0.00")


def team_collectors(*, team: Team) -> QuerySet:
    """The active collectors of a team, with their staff profile, in employee-number order."""
    return (
        User.objects.filter(is_active=True, groups__name=Role.COLLECTOR, staff_profile__team=team)
        .select_related("staff_profile")
        .order_by("staff_profile__employee_number", "pk")
    )


def open_loads(*, user_ids) -> dict[int, int]:
    """Open cases held per collector (in any team: they all take the collector's time)."""
    rows = (
        Case.objects.open()
        .filter(assigned_collector__in=list(user_ids))
        .values("assigned_collector")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["assigned_collector"]: row["n"] for row in rows}


@dataclass(frozen=True)
class CollectorLoad:
    collector: object  # User with staff_profile
    load: int

    @property
    def capacity(self) -> int:
        return self.collector.staff_profile.capacity

    @property
    def district(self) -> str:
        return self.collector.staff_profile.district

    @property
    def room(self) -> int:
        return max(0, self.capacity - self.load)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.load / self.capacity)) if self.capacity else 100


def collector_loads(*, team: Team) -> list[CollectorLoad]:
    collectors = list(team_collectors(team=team))
    loads = open_loads(user_ids=[c.pk for c in collectors])
    return [CollectorLoad(collector=c, load=loads.get(c.pk, 0)) for c in collectors]


def primary_address() -> QuerySet:
    return Address.objects.filter(borrower=OuterRef("borrower_id")).order_by("-is_primary", "id")


def unassigned_cases(*, team: Team) -> QuerySet[Case]:
    """The team's open cases nobody holds, in allocation order (highest expected recovery,
    then highest overdue amount, first)."""
    return (
        Case.objects.open()
        .filter(team=team, assigned_collector__isnull=True)
        .select_related("borrower")
        .annotate(district=Subquery(primary_address().values("district")[:1]))
        .order_by("-expected_recovery", "-overdue_amount", "id")
    )


def teams_with_unassigned(*, teams: QuerySet[Team]) -> QuerySet[Team]:
    """The teams, each with `unassigned`: its open cases nobody holds."""
    unassigned = Q(cases__status="open", cases__assigned_collector__isnull=True)
    return teams.annotate(unassigned=Count("cases", filter=unassigned))


def team_open_cases(*, team: Team) -> QuerySet[Case]:
    """The team's open cases for the bulk reassignment list."""
    return (
        Case.objects.open()
        .filter(team=team)
        .select_related("borrower", "assigned_collector")
        .annotate(district=Subquery(primary_address().values("district")[:1]))
        .order_by("-expected_recovery", "-overdue_amount", "id")
    )


@dataclass
class WorkloadRow:
    collector: object  # User with staff_profile and team
    open_cases: int = 0
    overdue_total: Decimal = ZERO
    expected_recovery_total: Decimal = ZERO
    visits_this_week: int = 0
    reports_waiting: int = 0
    reports_returned: int = 0

    @property
    def capacity(self) -> int:
        return self.collector.staff_profile.capacity

    @property
    def over_capacity(self) -> bool:
        return self.open_cases > self.capacity


@dataclass
class Workload:
    week_start: date
    rows: list[WorkloadRow] = field(default_factory=list)
    unassigned: int = 0

    @property
    def totals(self) -> WorkloadRow:
        total = WorkloadRow(collector=None)
        for row in self.rows:
            total.open_cases += row.open_cases
            total.overdue_total += row.overdue_total
            total.expected_recovery_total += row.expected_recovery_total
            total.visits_this_week += row.visits_this_week
            total.reports_waiting += row.reports_waiting
            total.reports_returned += row.reports_returned
        return total

    @property
    def capacity_total(self) -> int:
        return sum(row.capacity for row in self.rows)


def workload_for_teams(*, teams: QuerySet[Team], today: date, zone: tzinfo) -> Workload:
    """Per collector of `teams`: open cases vs capacity, money, this week's visits, reports.

    Visits booked this week: visits the collector is a member of, planned to start Monday to
    Sunday of this week (in `zone`), pending approval, booked or in progress. Reports waiting:
    reports the collector filed that wait for the supervisor's review; returned: reports sent
    back to the collector to fix.
    """
    week_start = today - timedelta(days=today.weekday())
    start = datetime.combine(week_start, time.min, tzinfo=zone)
    end = start + timedelta(days=7)
    collectors = list(
        User.objects.filter(
            is_active=True, groups__name=Role.COLLECTOR, staff_profile__team__in=teams
        )
        .select_related("staff_profile__team")
        .order_by("staff_profile__team__name", "staff_profile__employee_number", "pk")
    )
    rows = {c.pk: WorkloadRow(collector=c) for c in collectors}
    cases = (
        Case.objects.open()
        .filter(assigned_collector__in=list(rows))
        .values("assigned_collector")
        .annotate(n=Count("id"), overdue=Sum("overdue_amount"), expected=Sum("expected_recovery"))
        .order_by()
    )
    for row in cases:
        target = rows[row["assigned_collector"]]
        target.open_cases = row["n"]
        target.overdue_total = row["overdue"] or ZERO
        target.expected_recovery_total = row["expected"] or ZERO
    S = Visit.Status
    visits = (
        VisitMember.objects.filter(
            collector__in=list(rows),
            visit__status__in=(S.PENDING_APPROVAL, S.BOOKED, S.IN_PROGRESS, S.REPORTED, S.RETURNED),
        )
        .values("collector")
        .annotate(
            week=Count(
                "id",
                filter=Q(
                    visit__planned_start__gte=start,
                    visit__planned_start__lt=end,
                    visit__status__in=(S.PENDING_APPROVAL, S.BOOKED, S.IN_PROGRESS),
                ),
            ),
            waiting=Count("id", filter=Q(visit__status=S.REPORTED)),
            returned=Count("id", filter=Q(visit__status=S.RETURNED)),
        )
        .order_by()
    )
    for row in visits:
        target = rows[row["collector"]]
        target.visits_this_week = row["week"]
        target.reports_waiting = row["waiting"]
        target.reports_returned = row["returned"]
    unassigned = Case.objects.open().filter(team__in=teams, assigned_collector__isnull=True)
    return Workload(week_start=week_start, rows=list(rows.values()), unassigned=unassigned.count())
