"""Demo visits over the next days, booked through the real booking service.

So that the agenda, the team calendar and the notice outbox have content from the first
start, a few crews (two collectors each, as the CN pack requires) book visits on their
team's open cases: the demo `collector` and a team mate get several, one of them sent for a
supervisor's approval, and two other crews a couple each.

There are no random draws: the same portfolio and day give the same visits. Each plan is
checked first (the check reads only); a plan the rules block is skipped, and so is one that
needs review, except the one deliberately sent for approval: a meeting at a public place,
which the CN pack reviews. Booking then re-checks and records the check as usual.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from collections_app.models import Address, Case, Team
from compliance.facts import VisitPlan
from compliance.rules import Decision
from compliance.services.checks import compliance_check_plan
from compliance.services.packs import NoPackInForce
from visits.services.booking import VisitPlace, visit_book

from .casework import LOCAL
from .staff import TEAMS, Staffing

PURPOSE = "了解逾期原因，告知欠款金额，协商还款方案"
MEETING_POINT = "小区门口的便利店（借款人约定）"
JUSTIFICATION = "借款人要求在小区门口见面，家中有老人不便接待；地点公开、白天进行。"
NOW_AT = time(9, 0)  # the seed books as if at 09:00 local on its day
SLOT_TIMES = (time(9, 30), time(11, 30), time(15, 0))  # inside the preferred 09:00–20:00
VISIT_LENGTH = timedelta(hours=1)
DAYS_AHEAD = 10  # far enough to get past a holiday or a weekend of blocked slots
CASES_PER_SLOT = 6  # cases tried at one slot before moving on
HOME, PUBLIC_PLACE = "home", "public_place"


@dataclass(frozen=True)
class Crew:
    team: int  # index into TEAMS
    members: tuple[str, str]  # usernames; the first books
    booked: int  # visits the rules allow
    pending: int = 0  # visits sent for approval


CREWS = (
    Crew(0, ("collector", "collector2"), booked=4, pending=1),
    Crew(0, ("collector3", "collector4"), booked=2),
    Crew(1, ("collector6", "collector7"), booked=2),
)


@dataclass
class Booked:
    booked: int = 0
    pending: int = 0


def book_demo_visits(staffing: Staffing, today: date) -> Booked:
    """Book each crew's visits as of 09:00 on `today`; nothing when no rule pack is in force."""
    now = datetime.combine(today, NOW_AT, tzinfo=LOCAL)
    users = {u.username: u for u in staffing.users}
    teams = {t.name: t for t in Team.objects.filter(name__in=[name for name, *_r in TEAMS])}
    total, taken = Booked(), set()  # taken: borrowers already visited by a crew
    try:
        for crew in CREWS:
            members = tuple(users[name] for name in crew.members)
            cases = _cases(teams[TEAMS[crew.team][0]], members)
            _book_crew(crew, members, [c for c in cases if c.borrower_id not in taken], now, total)
            taken.update(c.borrower_id for c in cases if getattr(c, "demo_visited", False))
    except NoPackInForce:
        pass  # a --today before the shipped packs take effect: a portfolio without visits
    return total


def _cases(team: Team, members) -> list[Case]:
    """The team's open cases with their home address: the lead collector's first, then the
    partner's, then the rest of the team's (a crew may go on a team mate's case)."""
    homes = {
        a.borrower_id: a
        for a in Address.objects.filter(
            borrower__cases__team=team, kind=Address.Kind.HOME, is_primary=True
        )
    }
    cases = list(
        Case.objects.filter(team=team, status=Case.Status.OPEN)
        .select_related("borrower")
        .order_by("-priority", "-dpd", "public_id")
    )
    rank = {member.pk: n for n, member in enumerate(members)}
    cases.sort(key=lambda c: rank.get(c.assigned_collector_id, len(rank)))
    for case in cases:
        case.demo_home = homes.get(case.borrower_id)
    return [c for c in cases if c.demo_home is not None and c.demo_home.lat is not None]


def _book_crew(crew: Crew, members, cases: list[Case], now: datetime, total: Booked) -> None:
    slots = _slots(now.date())
    for kind in [HOME] * crew.booked + [PUBLIC_PLACE] * crew.pending:
        for start in slots:
            if _book_one(kind, start, members, cases, now, total):
                break


def _slots(today: date) -> Iterator[datetime]:
    for ahead in range(1, DAYS_AHEAD + 1):
        for at in SLOT_TIMES:
            yield datetime.combine(today + timedelta(days=ahead), at, tzinfo=LOCAL)


def _book_one(kind: str, start, members, cases: list[Case], now, total: Booked) -> bool:
    """Book the first of `cases` the rules let through at `start`; False if none does."""
    wanted = Decision.ALLOW if kind == HOME else Decision.REVIEW
    for case in [c for c in cases if not getattr(c, "demo_visited", False)][:CASES_PER_SLOT]:
        plan = VisitPlan(
            case=case,
            start=start,
            end=start + VISIT_LENGTH,
            location_type=kind,
            purpose=PURPOSE,
            recorder=True,
            collector_ids=tuple(m.pk for m in members),
        )
        if compliance_check_plan(plan=plan, now=now).verdict.decision is not wanted:
            continue
        home = case.demo_home
        place = (
            VisitPlace(address=home)
            if kind == HOME
            else VisitPlace(description=MEETING_POINT, lat=home.lat, lng=home.lng)
        )
        justification = JUSTIFICATION if wanted is Decision.REVIEW else ""
        result = visit_book(
            plan=plan, place=place, by=members[0], now=now, justification=justification
        )
        if not result.booked:
            continue
        case.demo_visited = True
        if result.visit.status == result.visit.Status.BOOKED:
            total.booked += 1
        else:
            total.pending += 1
        return True
    return False
