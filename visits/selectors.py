"""Read side of visits, scoped like the ledger (DESIGN.md §1): out of scope is 404.

Collectors see visits they are a member of and visits on the cases assigned to them;
supervisors the visits on their teams' cases; compliance and admin everything.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from collections_app.roles import Role, role_of
from collections_app.selectors import case_list_for_user
from compliance.models import ComplianceCheck, Finding, Override
from visits.models import Notice, Visit


def visit_list_for_user(*, user) -> QuerySet[Visit]:
    role = role_of(user)
    visits = Visit.objects.all()
    if role in (Role.ADMIN, Role.COMPLIANCE):
        return visits
    if role is Role.SUPERVISOR:
        return visits.filter(case__team__supervisor=user)
    if role is Role.COLLECTOR:
        mine = Visit.objects.filter(memberships__collector=user).values("pk")
        return visits.filter(Q(pk__in=mine) | Q(case__in=case_list_for_user(user=user)))
    return visits.none()


def visit_get_for_user(*, user, public_id) -> Visit:
    return get_object_or_404(
        visit_list_for_user(user=user).select_related(
            "case", "borrower", "address", "created_by", "case__team"
        ),
        public_id=public_id,
    )


def visits_for_case(*, case) -> list[Visit]:
    """The case's visits for its dossier, latest first, with who goes."""
    return list(
        Visit.objects.filter(case=case)
        .prefetch_related("memberships__collector")
        .order_by("-planned_start", "-id")[:20]
    )


def notice_list_for_user(*, user) -> QuerySet[Notice]:
    return Notice.objects.filter(visit__in=visit_list_for_user(user=user)).select_related(
        "visit", "visit__borrower"
    )


def override_list_for_user(*, user) -> QuerySet[Override]:
    """Requests on visits in scope (a supervisor's: their teams'), oldest first."""
    return (
        Override.objects.filter(visit__in=visit_list_for_user(user=user))
        .select_related("visit", "visit__case", "visit__borrower", "requested_by", "check_run")
        .order_by("created_at", "id")
    )


def override_get_for_user(*, user, public_id) -> Override:
    return get_object_or_404(override_list_for_user(user=user), public_id=public_id)


def pending_overrides_for_user(*, user) -> QuerySet[Override]:
    """What a supervisor has to decide: pending requests in scope, not their own."""
    return (
        override_list_for_user(user=user)
        .filter(status=Override.Status.PENDING)
        .exclude(requested_by=user)
        .prefetch_related(
            Prefetch(
                "check_run__findings",
                queryset=Finding.objects.filter(outcome="fail").order_by("position"),
                to_attr="failing",
            )
        )
    )


def refused_attempts_for_case(*, case, limit: int = 5) -> list[ComplianceCheck]:
    """Bookings the rules refused for this case, newest first, with their failing rules."""
    return list(
        ComplianceCheck.objects.filter(case=case, visit__isnull=True, stage="pre", decision="block")
        .select_related("checked_by")
        .prefetch_related(
            Prefetch(
                "findings",
                queryset=Finding.objects.filter(outcome="fail").order_by("position"),
                to_attr="failing",
            )
        )[:limit]
    )


def visit_page(*, visit: Visit, user) -> dict:
    """Everything the visit page shows: members, checks with findings, overrides, notices."""
    checks = list(
        visit.compliance_checks.select_related("checked_by").prefetch_related(
            Prefetch("findings", queryset=Finding.objects.order_by("position"))
        )
    )
    overrides = list(visit.overrides.select_related("requested_by", "decided_by"))
    pending = next((o for o in overrides if o.status == Override.Status.PENDING), None)
    return {
        "visit": visit,
        "members": list(visit.memberships.select_related("collector", "collector__staff_profile")),
        "checks": checks,
        "latest_check": checks[0] if checks else None,
        "overrides": overrides,
        "pending_override": pending,
        "can_decide": pending is not None
        and pending.requested_by_id != user.pk
        and user.has_perm("compliance.change_override"),
        "can_change": visit.is_open and user.has_perm("visits.change_visit"),
        "notices": list(visit.notices.all()),
        "rescheduled_to": Visit.objects.filter(rescheduled_from=visit).first(),
    }


# --- Borrower answers (the notice link) ---------------------------------------------------
# The case or visit was fetched through the scoped selectors above; these only read its rows.
# (Imported here to keep this section self-contained; hoist to the top when convenient.)

from django.utils.dateparse import parse_datetime  # noqa: E402

from visits.models import BorrowerResponse  # noqa: E402


def responses_for_visit(*, visit: Visit) -> list[BorrowerResponse]:
    return _with_times(BorrowerResponse.objects.filter(visit=visit))


def responses_for_case(*, case) -> list[BorrowerResponse]:
    return _with_times(BorrowerResponse.objects.filter(visit__case=case))


def borrower_response_for_notice(*, notice: Notice, public_id) -> BorrowerResponse | None:
    """An answer given through this notice's link (the thank-you page), else None."""
    found = _with_times(BorrowerResponse.objects.filter(notice=notice, public_id=public_id))
    return found[0] if found else None


def borrower_notice_page(*, notice: Notice) -> dict:
    """What the public link page shows about the visit, and nothing more: no debt figures,
    no ID or account numbers, no address (the link may be forwarded)."""
    visit = notice.visit
    members = visit.memberships.select_related("collector__staff_profile").order_by("id")
    collectors = []
    for member in members:
        user = member.collector
        profile = getattr(user, "staff_profile", None)
        number = profile.employee_number if profile else ""
        collectors.append({"name": user.get_full_name() or user.username, "number": number})
    return {
        "visit": visit,
        "collectors": collectors,
        "moved_to": Visit.objects.filter(rescheduled_from=visit).first(),
    }


def _with_times(responses: QuerySet[BorrowerResponse]) -> list[BorrowerResponse]:
    """Rows with `proposed_at`: the stored ISO times as aware datetimes, for |date in any zone."""
    rows = list(responses.select_related("visit", "notice").order_by("-received_at", "-id"))
    for row in rows:
        row.proposed_at = [parse_datetime(text) for text in row.proposed_times or []]
    return rows


# --------------------------------------------------------------------------------------
# Agenda (a collector's day and week) and the team calendar.
# Drafts are never shown; cancelled and rescheduled visits are shown struck through (so a
# dropped visit does not silently vanish) and are left out of the route and the counts.
# --------------------------------------------------------------------------------------
# (Imported here like the section above; hoist to the top when convenient.)

from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date, datetime, time, timedelta, tzinfo  # noqa: E402, F811

from django.db.models import Prefetch  # noqa: E402, F811

from collections_app.models import Team  # noqa: E402
from visits.models import VisitMember, VisitStatus  # noqa: E402
from visits.route import nearest_neighbour_tour  # noqa: E402

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
