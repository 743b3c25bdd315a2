"""Agenda (a collector's day and week) and the team calendar.

Drafts are never shown; cancelled and rescheduled visits are shown struck through (so a
dropped visit does not silently vanish) and are left out of the route and the counts.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db.models import Prefetch, QuerySet

from collections_app.models import Team
from visits.models import Visit, VisitMember, VisitStatus
from visits.route import nearest_neighbour_tour

from .scope import visit_list_for_user

AGENDA_DROPPED = (VisitStatus.CANCELLED, VisitStatus.RESCHEDULED)
WEEK_DAYS = 7


def _local_bounds(first: date, days: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """[midnight of `first`, midnight `days` later) in `zone`, as aware datetimes."""
    start = datetime.combine(first, time.min, tzinfo=zone)
    return start, datetime.combine(first + timedelta(days=days), time.min, tzinfo=zone)


def _agenda_rows(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """What an agenda row shows, in a fixed number of queries: the visit, borrower, address
    and, prefetched, the members (names on the calendar)."""
    members = VisitMember.objects.select_related("collector").order_by("pk")
    return (
        visits.exclude(status=VisitStatus.DRAFT)
        .select_related("borrower", "address", "case")
        .prefetch_related(Prefetch("memberships", queryset=members))
        .order_by("planned_start", "pk")
    )


def agenda_visits_for_user(*, user, start: datetime, end: datetime) -> list[Visit]:
    """Visits the user goes on (is a member of) starting in [start, end)."""
    mine = VisitMember.objects.filter(collector=user).values("visit_id")
    return list(
        _agenda_rows(
            Visit.objects.filter(pk__in=mine, planned_start__gte=start, planned_start__lt=end)
        )
    )


def agenda_next_visit(*, user, after: datetime) -> Visit | None:
    """The user's next visit still on, starting at or after `after` (for an empty day)."""
    return (
        Visit.objects.filter(memberships__collector=user, planned_start__gte=after)
        .exclude(status__in=(VisitStatus.DRAFT, *AGENDA_DROPPED))
        .order_by("planned_start", "pk")
        .first()
    )


def agenda_office_for_user(*, user) -> Team | None:
    """The user's team, whose office the day route starts from."""
    return Team.objects.filter(members__user=user).first()


@dataclass(frozen=True)
class RouteStop:
    visit: Visit
    km: float  # from the point before: the office or the previous stop


@dataclass(frozen=True)
class DayRoute:
    stops: tuple[RouteStop, ...]
    without_place: tuple[Visit, ...]  # booked, but no coordinates to route
    total_km: float
    office: Team | None  # the start; None: the route starts at the first stop


def _place(visit: Visit) -> tuple[float, float] | None:
    # Booking copies the address's coordinates onto the visit; older rows may only have them
    # on the address.
    lat, lng = visit.lat, visit.lng
    if (lat is None or lng is None) and visit.address is not None:
        lat, lng = visit.address.lat, visit.address.lng
    return None if lat is None or lng is None else (float(lat), float(lng))


def agenda_day_route(*, visits: Sequence[Visit], office: Team | None) -> DayRoute:
    """The day's booked visits in a nearest-neighbour order from the team's office (a
    heuristic, see visits.route), then the booked visits that have no coordinates."""
    booked = [v for v in visits if v.status == VisitStatus.BOOKED]
    placed = [(v, _place(v)) for v in booked]
    routable = [(v, point) for v, point in placed if point is not None]
    if office is not None and (office.office_lat is None or office.office_lng is None):
        office = None
    start = None if office is None else (float(office.office_lat), float(office.office_lng))
    tour = nearest_neighbour_tour([point for _v, point in routable], start)
    stops = tuple(
        RouteStop(routable[i][0], km) for i, km in zip(tour.order, tour.legs, strict=True)
    )
    return DayRoute(
        stops=stops,
        without_place=tuple(v for v, point in placed if point is None),
        total_km=tour.total_km,
        office=office,
    )


def agenda_days(
    *, visits: Sequence[Visit], first: date, days: int, zone: tzinfo
) -> list[tuple[date, list[Visit]]]:
    """Visits grouped by their local start date, one entry per day (empty days too)."""
    by_day: dict[date, list[Visit]] = {first + timedelta(days=n): [] for n in range(days)}
    for visit in visits:
        by_day.setdefault(visit.planned_start.astimezone(zone).date(), []).append(visit)
    return list(by_day.items())


def agenda_for_user(*, user, first: date, days: int, zone: tzinfo) -> dict:
    """A collector's agenda from `first` for `days` days: the visits by day, how many are
    still on, and (for one day) the route; for an empty period, the next visit after it."""
    start, end = _local_bounds(first, days, zone)
    visits = agenda_visits_for_user(user=user, start=start, end=end)
    live = [v for v in visits if v.status not in AGENDA_DROPPED]
    return {
        "visits": visits,
        "days": agenda_days(visits=visits, first=first, days=days, zone=zone),
        "live_count": len(live),
        "route": agenda_day_route(visits=visits, office=agenda_office_for_user(user=user))
        if days == 1
        else None,
        "next_visit": None if live else agenda_next_visit(user=user, after=end),
    }


@dataclass(frozen=True)
class CalendarRow:
    collector: object  # a user
    cells: tuple[tuple[Visit, ...], ...]  # one per day


@dataclass(frozen=True)
class TeamCalendar:
    days: tuple[date, ...]
    rows: tuple[CalendarRow, ...]
    by_day: tuple[tuple[date, tuple[Visit, ...]], ...]  # the phone layout
    live_count: int


def team_calendar_for_user(
    *, user, collectors: Sequence, first: date, days: int, zone: tzinfo
) -> TeamCalendar:
    """The visits in scope that `collectors` go on, as collector rows × days.

    A visit with two of the collectors on it shows in both rows; `by_day` lists it once.
    """
    ids = [c.pk for c in collectors]
    start, end = _local_bounds(first, days, zone)
    going = VisitMember.objects.filter(collector_id__in=ids).values("visit_id")
    visits = list(
        _agenda_rows(
            visit_list_for_user(user=user).filter(
                pk__in=going, planned_start__gte=start, planned_start__lt=end
            )
        )
    )
    grouped = agenda_days(visits=visits, first=first, days=days, zone=zone)
    index = {day: n for n, (day, _v) in enumerate(grouped)}
    cells: dict[int, list[list[Visit]]] = {pk: [[] for _d in grouped] for pk in ids}
    for day, day_visits in grouped:
        for visit in day_visits:
            for member in visit.memberships.all():
                if member.collector_id in cells:
                    cells[member.collector_id][index[day]].append(visit)
    return TeamCalendar(
        days=tuple(day for day, _v in grouped),
        rows=tuple(CalendarRow(c, tuple(tuple(cell) for cell in cells[c.pk])) for c in collectors),
        by_day=tuple((day, tuple(day_visits)) for day, day_visits in grouped),
        live_count=sum(v.status not in AGENDA_DROPPED for v in visits),
    )
