"""Capacity-aware allocation of a team's unassigned cases, and bulk reassignment.

Allocation takes the team's unassigned open cases, highest expected recovery first (then
highest overdue amount: unscored cases have an expected recovery of 0), and gives each to:

1. a collector of the team covering the case's district (the district of the borrower's
   primary address), the least loaded of them if several;
2. else the nearest collector with room: distance from the case's primary address (or the
   centre of its district when it has no coordinates) to the centre of the known addresses
   in the collector's district, or to the team office when the collector covers no district
   or that district has no known address; ties go to the least loaded;
3. else (nothing to measure from) the least loaded collector with room.

"Room" means fewer open cases than the collector's capacity; the cases the collector already
holds (in any team) count. Cases that fit nobody stay unassigned and are reported. Every
assignment stores why, in words, in the case's assignment history.

Races: the run locks the team's collectors' staff profiles (always in primary-key order) and
then the unassigned cases, so two concurrent runs, or a run and a bulk reassignment, queue
rather than overfill a collector or assign one case twice.

Size: a fixed number of queries however many cases (one read of the cases, one grouped count
of the loads, one of district centres, then batched writes): 10,000 cases are not 10,000
queries. The writes are the set-based equivalent of `services.cases.case_assign` (close the
current assignment record, set collector and team, open a new record with the reason).
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from collections_app.models import Address, Case, StaffProfile, Team
from collections_app.selectors_allocation import open_loads, primary_address, team_collectors

from .cases import cases_assign_many
from .notifications import Message, notifications_send

EARTH_RADIUS_KM = 6371.0

Point = tuple[float, float]


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance (haversine); plenty for choosing between districts of a city."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _point(lat, lng) -> Point | None:
    return None if lat is None or lng is None else (float(lat), float(lng))


def person_name(user) -> str:
    return user.get_full_name() or user.username


@dataclass
class Slot:
    """A collector during planning; `load` grows as cases are planned for them."""

    collector: object  # User with staff_profile
    capacity: int
    district: str
    load: int
    point: Point | None
    at_office: bool  # located at the team office (no district, or none of its addresses known)
    order: int
    added: int = 0

    @property
    def name(self) -> str:
        return person_name(self.collector)

    @property
    def has_room(self) -> bool:
        return self.load < self.capacity

    @property
    def load_before(self) -> int:
        return self.load - self.added


@dataclass(frozen=True)
class CaseSpot:
    id: int
    public_id: object
    borrower_name: str
    district: str
    point: Point | None
    expected_recovery: Decimal
    overdue_amount: Decimal


@dataclass(frozen=True)
class Placement:
    case: CaseSpot
    slot: Slot
    reason: str


@dataclass
class AllocationPlan:
    team: Team
    slots: list[Slot]
    placements: list[Placement] = field(default_factory=list)
    unplaced: list[CaseSpot] = field(default_factory=list)
    dry_run: bool = True

    @property
    def unplaced_reason(self) -> str:
        if not self.unplaced:
            return ""
        if not self.slots:
            return _("no collectors in the team")
        return _("all collectors at capacity")

    def summary(self) -> str:
        """One line for the command and the page's message."""
        text = ngettext(
            "%(placed)s case allocated in %(team)s",
            "%(placed)s cases allocated in %(team)s",
            len(self.placements),
        ) % {"placed": len(self.placements), "team": self.team.name}
        if self.dry_run:
            text = _("Dry run: %(text)s (nothing saved)") % {"text": text}
        if self.unplaced:
            text += "; " + ngettext(
                "%(count)s left unassigned: %(why)s",
                "%(count)s left unassigned: %(why)s",
                len(self.unplaced),
            ) % {"count": len(self.unplaced), "why": self.unplaced_reason}
        return text + "."


def _choose(case: CaseSpot, slots: list[Slot]) -> tuple[Slot, str] | None:
    """The collector for one case and why, or None when every collector is full."""
    candidates = [s for s in slots if s.has_room]
    if not candidates:
        return None
    same = [s for s in candidates if s.district and s.district == case.district]
    if same:
        slot = min(same, key=lambda s: (s.load, s.order))
        slot.load += 1
        reason = _("same district (%(district)s); %(load)s of %(capacity)s cases")
        return slot, reason % {
            "district": case.district,
            "load": slot.load,
            "capacity": slot.capacity,
        }
    located = [s for s in candidates if s.point is not None]
    if case.point is not None and located:
        # Distances to a tenth of a km: closer than that counts as a tie, broken by load.
        scored = [(round(distance_km(case.point, s.point), 1), s) for s in located]
        km, slot = min(scored, key=lambda p: (p[0], p[1].load, p[1].order))
        slot.load += 1
        values = {"km": f"{km:.1f}", "load": slot.load, "capacity": slot.capacity}
        if slot.at_office:
            reason = _(
                "nearest collector with room: %(name)s (from the team office), %(km)s km; "
                "%(load)s of %(capacity)s cases"
            )
            return slot, reason % {**values, "name": slot.name}
        reason = _(
            "nearest district with room: %(district)s, %(km)s km; %(load)s of %(capacity)s cases"
        )
        return slot, reason % {**values, "district": slot.district}
    slot = min(candidates, key=lambda s: (s.load, s.order))
    slot.load += 1
    reason = _("lowest workload (no location to compare); %(load)s of %(capacity)s cases")
    return slot, reason % {"load": slot.load, "capacity": slot.capacity}


def plan_allocation(*, team: Team, cases: list[CaseSpot], slots: list[Slot]) -> AllocationPlan:
    """Pure planning over loaded data: cases in the order given, slots updated as it goes."""
    plan = AllocationPlan(team=team, slots=slots)
    for case in cases:
        chosen = _choose(case, slots)
        if chosen is None:
            plan.unplaced.append(case)
            continue
        slot, reason = chosen
        slot.added += 1
        plan.placements.append(Placement(case=case, slot=slot, reason=reason[:200]))
    return plan


def _centres(districts: set[str]) -> dict[str, Point]:
    """The centre (mean position) of the known addresses of each district: one query."""
    rows = (
        Address.objects.filter(district__in=sorted(districts), lat__isnull=False)
        .values("district")
        .annotate(lat=Avg("lat"), lng=Avg("lng"))
        .order_by()
    )
    return {row["district"]: _point(row["lat"], row["lng"]) for row in rows}


def _load_slots(team: Team, *, lock: bool) -> list:
    if lock:
        # Serialises allocation runs and bulk reassignments touching these collectors
        # (always in primary-key order, so two runs cannot deadlock).
        profiles = StaffProfile.objects.select_for_update().filter(team=team).order_by("pk")
        list(profiles.values_list("pk", flat=True))
    return list(team_collectors(team=team))


def _load_cases(team: Team, *, lock: bool) -> list[dict]:
    primary = primary_address()
    cases = (
        Case.objects.open()
        .filter(team=team, assigned_collector__isnull=True)
        .annotate(
            district=Subquery(primary.values("district")[:1]),
            lat=Subquery(primary.values("lat")[:1]),
            lng=Subquery(primary.values("lng")[:1]),
        )
        .order_by("-expected_recovery", "-overdue_amount", "id")
    )
    if lock:
        cases = cases.select_for_update(of=("self",))
    return list(
        cases.values(
            "id",
            "public_id",
            "borrower__name",
            "district",
            "lat",
            "lng",
            "expected_recovery",
            "overdue_amount",
        )
    )


def _build_plan(team: Team, *, lock: bool) -> AllocationPlan:
    collectors = _load_slots(team, lock=lock)
    rows = _load_cases(team, lock=lock)
    loads = open_loads(user_ids=[c.pk for c in collectors])
    districts = {c.staff_profile.district for c in collectors if c.staff_profile.district}
    districts |= {r["district"] for r in rows if r["district"] and r["lat"] is None}
    centres = _centres(districts) if districts else {}
    office = _point(team.office_lat, team.office_lng)
    slots = []
    for order, collector in enumerate(collectors):
        profile = collector.staff_profile
        point = centres.get(profile.district) if profile.district else None
        slots.append(
            Slot(
                collector=collector,
                capacity=profile.capacity,
                district=profile.district,
                load=loads.get(collector.pk, 0),
                point=point or office,
                at_office=point is None,
                order=order,
            )
        )
    cases = [
        CaseSpot(
            id=r["id"],
            public_id=r["public_id"],
            borrower_name=r["borrower__name"],
            district=r["district"] or "",
            point=_point(r["lat"], r["lng"]) or centres.get(r["district"] or ""),
            expected_recovery=r["expected_recovery"],
            overdue_amount=r["overdue_amount"],
        )
        for r in rows
    ]
    return plan_allocation(team=team, cases=cases, slots=slots)


def _actor(by) -> str:
    return person_name(by) if by is not None else _("the automatic allocation")


def allocate_cases(*, team: Team, by, now: datetime, dry_run: bool = False) -> AllocationPlan:
    """Allocate the team's unassigned open cases (see the module doc); a dry run only plans."""
    if dry_run:
        return _build_plan(team, lock=False)
    with transaction.atomic():
        plan = _build_plan(team, lock=True)
        plan.dry_run = False
        cases_assign_many(
            assignments=[(p.case.id, p.slot.collector, p.reason) for p in plan.placements],
            team=team,
            by=by,
            now=now,
        )
        link = reverse("home")
        messages = []
        for slot in plan.slots:
            if slot.added:
                text = ngettext(
                    "%(count)s new case was allocated to you by %(by)s.",
                    "%(count)s new cases were allocated to you by %(by)s.",
                    slot.added,
                )
                values = {"count": slot.added, "by": _actor(by)}
                messages.append(Message(slot.collector, text % values, link))
        notifications_send(messages=messages, now=now, subject=_("Fieldvisit: new cases"))
    return plan


@dataclass(frozen=True)
class Reassignment:
    collector: object
    moved: int
    already_held: int
    load: int  # open cases the collector holds now
    capacity: int

    @property
    def over_capacity(self) -> bool:
        return self.load > self.capacity


def cases_reassign(
    *,
    team: Team,
    case_ids: list,
    collector,
    reason: str,
    by,
    now: datetime,
    allow_over_capacity: bool = False,
) -> Reassignment:
    """Move the selected open cases of `team` to one of its collectors, with a reason.

    Keeps the history (one assignment record per case) and notifies each collector once:
    the new holder, and every previous holder of some of the cases.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the cases are reassigned.")})
    collectors = team_collectors(team=team).filter(pk=collector.pk)
    with transaction.atomic():
        profile = (
            StaffProfile.objects.select_for_update()
            .filter(user__in=collectors.values("pk"))
            .first()
        )
        if profile is None:
            raise ValidationError({"collector": _("Choose an active collector of this team.")})
        wanted = set(case_ids)
        cases = list(
            Case.objects.open()
            .filter(team=team, public_id__in=wanted)
            .select_for_update(of=("self",))
            .select_related("assigned_collector")
            .order_by("id")
        )
        if len(cases) != len(wanted):
            missing = len(wanted) - len(cases)
            raise ValidationError(
                {
                    "cases": ngettext(
                        "%(count)s selected case is no longer an open case of this team; "
                        "reload the page.",
                        "%(count)s selected cases are no longer open cases of this team; "
                        "reload the page.",
                        missing,
                    )
                    % {"count": missing}
                }
            )
        moving = [c for c in cases if c.assigned_collector_id != collector.pk]
        if not moving:
            raise ValidationError(
                {
                    "cases": _("%(name)s already holds the selected cases.")
                    % {"name": person_name(collector)}
                }
            )
        load = open_loads(user_ids=[collector.pk]).get(collector.pk, 0) + len(moving)
        if load > profile.capacity and not allow_over_capacity:
            message = _(
                "%(name)s would hold %(load)s open cases, over the capacity of %(capacity)s. "
                "Tick the box to reassign anyway."
            )
            values = {"name": person_name(collector), "load": load, "capacity": profile.capacity}
            raise ValidationError({"confirm_over_capacity": message % values})
        cases_assign_many(
            assignments=[(c.id, collector, reason) for c in moving], team=team, by=by, now=now
        )
        _notify_reassignment(moving=moving, collector=collector, reason=reason, by=by, now=now)
    return Reassignment(
        collector=collector,
        moved=len(moving),
        already_held=len(cases) - len(moving),
        load=load,
        capacity=profile.capacity,
    )


def _notify_reassignment(*, moving: list[Case], collector, reason: str, by, now) -> None:
    """One notification per collector for the whole action, never one per case."""
    link = reverse("home")
    values = {"by": _actor(by), "reason": reason, "to": person_name(collector)}
    gained = ngettext(
        "%(count)s case was assigned to you by %(by)s: %(reason)s",
        "%(count)s cases were assigned to you by %(by)s: %(reason)s",
        len(moving),
    )
    messages = [Message(collector, gained % {**values, "count": len(moving)}, link)]
    previous: dict[int, list[Case]] = defaultdict(list)
    for case in moving:
        if case.assigned_collector_id is not None:
            previous[case.assigned_collector_id].append(case)
    for cases in previous.values():
        lost = ngettext(
            "%(count)s of your cases was reassigned to %(to)s by %(by)s: %(reason)s",
            "%(count)s of your cases were reassigned to %(to)s by %(by)s: %(reason)s",
            len(cases),
        )
        holder = cases[0].assigned_collector
        messages.append(Message(holder, lost % {**values, "count": len(cases)}, link))
    notifications_send(messages=messages, now=now, subject=_("Fieldvisit: cases reassigned"))
