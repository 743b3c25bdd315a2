"""Six weeks of past visits, replayed through the real services at the times they happened.

So that the review queue, the team dashboard, the flag queue and the visit pages have content
from the first start, the crews of the demo supervisor's teams book two to four visits a week
over the six weeks before the seed day, each a few days ahead; the advance notice goes out at
booking; at the planned time the crew checks in a few metres from the door (some browsers deny
the position), records the conversation, checks out 20–50 minutes later and files the report
one to three hours after that; the supervisor reviews it two to five days later. Some visits
are cancelled. Every step goes through the service a person would use, with `now` set to when
it happened, so statuses, checks, flags, complaints and the audit trail are what the app itself
would have written.

A few reports are written to trip a post-visit rule (a threat in the notes, a check-in 800 m
away, a vulnerability observed, a complaint, a missing recording), and the supervisors return
a few reports, which are fixed and resubmitted. Reports of the last days are still waiting for
review, and the demo collector has one returned report to fix.

Notices are recorded as delivered when they went out, not handed to the gateway again: a
gateway would stamp today's time (and print every message). Payments taken at the door and
promises kept later become repayments in the ledger, which is then refreshed for those loans.

The history runs after the upcoming bookings and leaves their borrowers alone, so it can
never block them (VISIT_FREQUENCY) or change what the rules say about them. Every draw comes
from the seed's generator, in a fixed order.
"""

import random
import struct
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from math import cos, radians, sin

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max

from collections_app.models import Address, Case, Loan, PromiseToPay, Repayment, Team
from collections_app.services.ledger import ledger_refresh
from compliance.facts import VisitPlan
from compliance.holidays import holidays_between
from compliance.models import Flag
from compliance.rules import Decision
from compliance.services.audit import audit_record
from compliance.services.packs import NoPackInForce
from visits.gateways import gateway_name
from visits.models import (
    Notice,
    NoticeStatus,
    ReportReview,
    Visit,
    VisitPresence,
    VisitReport,
    VisitStatus,
)
from visits.models.reports import Outcome
from visits.services.booking import VisitPlace, visit_book, visit_cancel
from visits.services.evidence import evidence_add
from visits.services.execution import Position, StartRefused, visit_check_out, visit_start
from visits.services.notice_texts import NoRecipient, notice_render
from visits.services.reports import plan_schedule, report_review, report_save, report_submit

from . import visit_notes as text
from .bookings import NOW_AT, PURPOSE
from .casework import LOCAL
from .portfolio import ReferenceMint
from .staff import TEAMS, Staffing

WEEKS = 6
SLOT_TIMES = (time(9, 30), time(10, 0), time(10, 30), time(14, 0), time(14, 30), time(15, 30))
VISIT_LENGTH = timedelta(hours=1)
CANDIDATES = 4  # cases tried for one slot
SPREAD = 12  # drawn from the first this many eligible cases: a crew's own cases come first
REVISIT_AFTER = timedelta(days=10)  # a borrower not at home is tried again after this
CANCEL_RATE = 0.1
CANCEL_BY = 12  # visits held without a cancellation, after which the next booking is cancelled
DENIED_EVERY = 15  # one visit in so many: the browser refused the position
RETURN_RATE = 0.04
HARMLESS_FLAGS = {"hardship"}  # no CN pre-visit rule looks at it (the check still decides)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Of every 20 visits that take place: the common outcomes in these numbers plus two rare ones,
# shuffled, so that a small seed has the same mix as a large one.
DECK = (
    (Outcome.NOT_HOME, 6),
    (Outcome.PROMISE_TO_PAY, 5),
    (Outcome.PLAN_AGREED, 2),
    (Outcome.PAID, 2),
    (Outcome.REFUSED, 3),
)
RARE = (Outcome.MOVED, Outcome.DISPUTE_RAISED, Outcome.HARDSHIP, Outcome.THIRD_PARTY_ONLY)
RARE_PER_DECK = 2


@dataclass(frozen=True)
class HistoryCrew:
    team: int  # index into TEAMS
    members: tuple[str, str]  # usernames; the first books, checks in and reports
    per_week: tuple[int, int]  # visits a week, drawn from this range


# The crews of the demo supervisor's two teams, the upcoming bookings' crews (bookings.CREWS);
# each visit costs a dozen service calls, so the other teams keep an empty past.
CREWS = (
    HistoryCrew(0, ("collector", "collector2"), (3, 4)),
    HistoryCrew(0, ("collector3", "collector4"), (2, 3)),
    HistoryCrew(1, ("collector6", "collector7"), (2, 3)),
)


class Event:
    """The scripted reports, each on the n-th visit that took place (SCRIPT)."""

    THREAT = "threat"  # a threat quoted in the notes: PROHIBITED_CONDUCT
    FAR = "far"  # checked in 800 m away: PRESENCE_VERIFIED
    VULNERABLE = "vulnerable"  # VULNERABILITY_OBSERVED, and the borrower is marked
    COMPLAINT = "complaint"  # a complaint on the register; the borrower's case blocks visits
    NO_RECORDING = "no_recording"  # RECORDING_ATTACHED; returned, recording added, resubmitted


# Early in the six weeks, so that a small seed (a test's) has them all too.
SCRIPT = {2: Event.THREAT, 4: Event.FAR, 6: Event.VULNERABLE, 8: Event.COMPLAINT}
SCRIPT |= {10: Event.NO_RECORDING}
RETURNED_BY_SCRIPT = (Event.THREAT, Event.NO_RECORDING)


@dataclass
class History:
    visits: int = 0  # booked in the past
    reported: int = 0  # with a submitted report
    approved: int = 0
    returned: int = 0  # returned at least once
    unreviewed: int = 0  # submitted and waiting for a supervisor
    cancelled: int = 0
    flags: int = 0


@dataclass
class _Held:
    """A visit that took place and was reported: what the review pass needs."""

    visit: Visit
    crew: int
    members: tuple
    supervisor: object
    submitted: datetime
    fields: dict
    event: str | None


@dataclass
class _Run:
    rng: random.Random
    today: date
    seed_now: datetime
    references: ReferenceMint
    pools: dict[int, list[Case]] = field(default_factory=dict)
    last_seen: dict[int, datetime] = field(default_factory=dict)  # borrower id → visit start
    held: list[_Held] = field(default_factory=list)
    payments: list[tuple[Case, Decimal, date, str, str]] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)  # the rest of the current deck
    cancelled: int = 0


def record_demo_history(
    *, rng: random.Random, staffing: Staffing, today: date, references: ReferenceMint
) -> History:
    """Replay six weeks of visits before `today`; nothing on days no rule pack covers."""
    run = _Run(rng, today, datetime.combine(today, NOW_AT, tzinfo=LOCAL), references)
    users = {u.username: u for u in staffing.users}
    teams = {t.name: t for t in Team.objects.filter(name__in=[name for name, *_r in TEAMS])}
    upcoming = set(Visit.objects.values_list("borrower_id", flat=True))
    for start, index in _schedule(rng, today):
        crew = CREWS[index]
        members = tuple(users[name] for name in crew.members)
        team = teams[TEAMS[crew.team][0]]
        if index not in run.pools:
            run.pools[index] = _pool(team, members, upcoming)
        try:
            _one_visit(run, index, start, members, team.supervisor)
        except NoPackInForce:
            continue  # before the shipped packs take effect: no visits could be booked
    _reviews(run)
    _ledger(run)
    _tidy_cases(run)
    return _summary(run.seed_now)


# What was planned: days, slots, cases


def _schedule(rng: random.Random, today: date) -> list[tuple[datetime, int]]:
    """(start, crew index) for each crew's visits: distinct working days per week, no
    public holidays, none on or after the seed day."""
    first = today - timedelta(weeks=WEEKS)
    closed = {h.day for h in holidays_between("CN", first, today)}
    slots = []
    for index, crew in enumerate(CREWS):
        for week in range(WEEKS):
            days = [first + timedelta(days=7 * week + n) for n in range(7)]
            open_days = [d for d in days if d.weekday() < 5 and d not in closed and d < today]
            count = min(rng.randint(*crew.per_week), len(open_days))
            for day in sorted(rng.sample(open_days, count)):
                slots.append((datetime.combine(day, rng.choice(SLOT_TIMES), tzinfo=LOCAL), index))
    return sorted(slots)


def _pool(team: Team, members, upcoming: set[int]) -> list[Case]:
    """The team's open cases with a located home, no upcoming visit and no borrower flag the
    rules stop or review a visit for: the crew's own cases first, worst first."""
    homes = {
        a.borrower_id: a
        for a in Address.objects.filter(
            borrower__cases__team=team, kind=Address.Kind.HOME, is_primary=True, lat__isnull=False
        )
    }
    cases = [
        c
        for c in Case.objects.filter(team=team, status=Case.Status.OPEN)
        .select_related("borrower")
        .order_by("-priority", "-dpd", "public_id")
        if c.borrower_id in homes
        and c.borrower_id not in upcoming
        and not set(c.borrower.flags) - HARMLESS_FLAGS
    ]
    rank = {member.pk: n for n, member in enumerate(members)}
    cases.sort(key=lambda c: rank.get(c.assigned_collector_id, len(rank)))
    for case in cases:
        case.demo_home = homes[case.borrower_id]
    return cases


def _book(run: _Run, index: int, start: datetime, members) -> tuple[Visit, datetime] | None:
    """Book one of the crew's cases a few days ahead; a case the rules would not simply
    allow is dropped from the crew's list (its borrower's circumstances rarely change)."""
    rng, pool = run.rng, run.pools[index]
    booked_at = datetime.combine(
        start.date() - timedelta(days=rng.randint(2, 5)),
        time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))),
        tzinfo=LOCAL,
    )
    booked_at = min(booked_at, start - timedelta(days=2))  # two days ahead at least
    ready = [
        c
        for c in pool
        if c.borrower_id not in run.last_seen
        or start - run.last_seen[c.borrower_id] >= REVISIT_AFTER
    ][:SPREAD]
    for case in rng.sample(ready, min(CANDIDATES, len(ready))):
        plan = VisitPlan(
            case=case,
            start=start,
            end=start + VISIT_LENGTH,
            location_type="home",
            purpose=PURPOSE,
            recorder=True,
            collector_ids=tuple(m.pk for m in members),
        )
        visit = _allowed_booking(plan, case.demo_home, members[0], booked_at)
        if visit is None:
            pool.remove(case)
            continue
        run.last_seen[case.borrower_id] = start
        _deliver(visit, booked_at + timedelta(minutes=2))
        return visit, booked_at
    return None


class _NotAllowed(Exception):
    pass


def _allowed_booking(plan: VisitPlan, home: Address, by, now: datetime) -> Visit | None:
    """Book `plan` if the rules simply allow it; otherwise undo the attempt (a savepoint),
    so neither a refused attempt nor a review request is recorded, as if the collector had
    looked at the check first. One check instead of a dry run and the booking's own."""
    try:
        with transaction.atomic():
            result = visit_book(plan=plan, place=VisitPlace(address=home), by=by, now=now)
            if result.verdict.decision is not Decision.ALLOW:
                raise _NotAllowed
    except _NotAllowed:
        return None
    except ValidationError as error:
        if "justification" in getattr(error, "error_dict", {}):
            return None  # the rules want a supervisor's approval
        if getattr(error, "code", None) == "no_pack":
            raise NoPackInForce(error.message) from None
        raise
    return result.visit


# At the door and afterwards


def _one_visit(run: _Run, index: int, start: datetime, members, supervisor) -> None:
    booked = _book(run, index, start, members)
    if booked is None:
        return
    visit, booked_at = booked
    rng, lead = run.rng, members[0]
    # At random, and once for sure, so that a small seed has a cancelled visit too.
    if rng.random() < CANCEL_RATE or (not run.cancelled and len(run.held) >= CANCEL_BY):
        run.cancelled += 1
        _cancel(visit, lead, booked_at, start, rng.choice(text.CANCEL_REASONS), rng)
        return
    event = SCRIPT.get(len(run.held))
    denied = event is None and len(run.held) % DENIED_EVERY == DENIED_EVERY // 2
    arrived = start + timedelta(minutes=rng.randint(-10, 12))
    try:
        visit_start(
            visit=visit, by=lead, now=arrived, position=_position(rng, visit, event, denied)
        )
    except StartRefused:  # a letter is only sent, not delivered: the visit cannot go ahead
        _cancel(visit, lead, booked_at, start, text.NOT_DELIVERED_REASON, rng)
        return
    visit.refresh_from_db(fields=["status"])
    left = arrived + timedelta(minutes=rng.randint(20, 50))
    if event != Event.NO_RECORDING:
        evidence_add(visit=visit, upload=_recording(visit), by=lead, now=left)
    visit_check_out(visit=visit, by=lead, now=left, position=_position(rng, visit, None, denied))
    fields = _fields(run, visit, event)
    submitted = left + timedelta(minutes=rng.randint(60, 180))
    report_save(visit=visit, by=lead, fields=fields, present=list(members))
    report_submit(visit=visit, by=lead, now=submitted)
    _deliver(visit, submitted + timedelta(minutes=1))
    run.held.append(_Held(visit, index, members, supervisor, submitted, fields, event))


def _cancel(visit: Visit, by, booked_at: datetime, start: datetime, reason: str, rng) -> None:
    at = booked_at + (start - booked_at) * rng.uniform(0.2, 0.8)
    visit_cancel(visit=visit, by=by, now=at, reason=reason)
    _deliver(visit, at + timedelta(minutes=1))  # the borrower who was told is told again


def _position(rng: random.Random, visit: Visit, event: str | None, denied: bool) -> Position:
    """A few metres from the door with the accuracy of a phone outdoors, or none at all."""
    if denied:
        return Position.missing(VisitPresence.Problem.DENIED)
    metres = 800 if event == Event.FAR else rng.uniform(4, 45)
    bearing = rng.uniform(0, 360)
    return Position(*_offset(visit.lat, visit.lng, metres, bearing), rng.randint(6, 35))


def _offset(lat: Decimal, lng: Decimal, metres: float, bearing: float) -> tuple[Decimal, Decimal]:
    north = metres * cos(radians(bearing)) / 111_320
    east = metres * sin(radians(bearing)) / (111_320 * cos(radians(float(lat))))
    places = Decimal("0.000001")
    return (
        (lat + Decimal(north)).quantize(places),
        (lng + Decimal(east)).quantize(places),
    )


def _recording(visit: Visit) -> SimpleUploadedFile:
    """Half a second of silence as a WAV, its comment naming the borrower and the time, so
    each visit's recording is its own file (EVIDENCE_REUSED compares hashes) and the same
    seed makes the same files."""
    rate, samples = 8000, 4000
    start = visit.planned_start.astimezone(LOCAL)
    comment = f"demo {visit.borrower.customer_number} {start:%Y-%m-%d %H:%M}".encode() + b"\x00"
    info = b"INFO" + b"ICMT" + struct.pack("<I", len(comment)) + comment
    info += b"\x00" * (len(info) % 2)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate, 1, 8)
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"LIST"
        + struct.pack("<I", len(info))
        + info
        + b"data"
        + struct.pack("<I", samples)
        + b"\x80" * samples
    )
    data = b"RIFF" + struct.pack("<I", len(body)) + body
    name = f"录音_{start:%Y%m%d_%H%M}.wav"
    return SimpleUploadedFile(name, data, content_type="audio/wav")


def _fields(run: _Run, visit: Visit, event: str | None) -> dict:
    """The report as the collector typed it: checklist, outcome, notes, what was agreed."""
    rng, case, day = run.rng, visit.case, visit.planned_start.astimezone(LOCAL).date()
    outcome = {
        Event.THREAT: Outcome.REFUSED,
        Event.FAR: Outcome.PROMISE_TO_PAY,
        Event.VULNERABLE: Outcome.HARDSHIP,
        Event.COMPLAINT: Outcome.DISPUTE_RAISED,
        Event.NO_RECORDING: Outcome.PROMISE_TO_PAY,
    }.get(event) or _draw_outcome(run)
    met = outcome not in (Outcome.NOT_HOME, Outcome.MOVED, Outcome.THIRD_PARTY_ONLY)
    fields = {
        "outcome": outcome,
        "id_shown": True,
        "institution_named": True,
        "purpose_stated": True,
        "entered_premises": False,
        "consent_to_enter": None,
        "left_when_asked": True if met else None,
        "notes": rng.choice(text.NOTES[outcome]),
    }
    if met and outcome != Outcome.REFUSED and rng.random() < 0.3:
        fields |= {"entered_premises": True, "consent_to_enter": True}
    overdue = case.overdue_amount
    if outcome == Outcome.PROMISE_TO_PAY:
        amount = _share(rng, overdue, 0.3, 1.0)
        due = day + timedelta(days=rng.randint(3, 15))
        fields |= {"promise_amount": amount, "promise_due_on": due}
        notes = text.NO_RECORDING_NOTES if event == Event.NO_RECORDING else fields["notes"]
        fields["notes"] = notes.format(due=f"{due.month}月{due.day}日", amount=amount)
    elif outcome == Outcome.PLAN_AGREED:
        count, first = rng.randint(3, 6), day + timedelta(days=rng.randint(7, 20))
        rows = plan_schedule(total=overdue, count=count, first_due=first)
        fields["plan_installments"] = rows
        fields["notes"] = fields["notes"].format(count=count, first=f"{first.month}月{first.day}日")
    elif outcome == Outcome.PAID:
        amount, channel = _share(rng, overdue, 0.2, 1.0), rng.choice(text.PAY_CHANNELS)
        receipt = run.references.next(channel, day)
        run.payments.append((case, amount, day, channel, receipt))
        fields |= {"amount_paid": amount, "receipt_number": receipt}
        fields["notes"] = fields["notes"].format(amount=amount)
    return fields | _scripted(event)


def _scripted(event: str | None) -> dict:
    return {
        Event.THREAT: {"notes": text.THREAT_NOTES},
        Event.FAR: {"notes": text.FAR_NOTES},
        Event.VULNERABLE: {
            "notes": text.VULNERABLE_NOTES,
            "vulnerability_observed": True,
            "vulnerability_note": text.VULNERABLE_NOTE,
        },
        Event.COMPLAINT: {
            "notes": text.COMPLAINT_NOTES,
            "complaint_category": "contact",
            "complaint_text": text.COMPLAINT_TEXT,
        },
    }.get(event, {})


def _draw_outcome(run: _Run) -> str:
    if not run.outcomes:
        run.outcomes = [outcome for outcome, n in DECK for _i in range(n)]
        run.outcomes += [run.rng.choice(RARE) for _i in range(RARE_PER_DECK)]
        run.rng.shuffle(run.outcomes)
    return run.outcomes.pop()


def _share(rng: random.Random, total: Decimal, low: float, high: float) -> Decimal:
    """A part of `total` in whole hundreds (all of it when that is less than a hundred)."""
    part = total * Decimal(str(round(rng.uniform(low, high), 2)))
    hundreds = (part / HUNDRED).to_integral_value(rounding=ROUND_DOWN) * HUNDRED
    return (hundreds if hundreds >= HUNDRED else min(total, HUNDRED)).quantize(CENT)


def _deliver(visit: Visit, at: datetime) -> None:
    """Record the visit's pending notices as they went out at `at` (letters are only sent)."""
    for notice in Notice.objects.filter(visit=visit, status=NoticeStatus.PENDING).select_related(
        "visit__borrower"
    ):
        try:
            words = notice_render(notice=notice)
        except NoRecipient:
            continue  # left in the outbox, where staff see it
        letter = notice.channel == Notice.Channel.LETTER
        notice.recipient, notice.subject, notice.body = words.recipient, words.subject, words.body
        notice.gateway = gateway_name(notice.channel)
        notice.attempts = 1
        notice.status = NoticeStatus.SENT if letter else NoticeStatus.DELIVERED
        notice.sent_at, notice.delivered_at = at, None if letter else at
        notice.next_attempt_at = None
        notice.save()
        audit_record(
            actor=None,
            action=f"notice.{notice.status}",
            obj=notice,
            data={
                "visit": str(visit.public_id),
                "kind": notice.kind,
                "channel": notice.channel,
                "gateway": notice.gateway,
                "attempts": notice.attempts,
                "source": "demo",
            },
            at=at,
        )


# Reviews


def _reviews(run: _Run) -> None:
    """Each supervisor reviews within a few working days; what would fall after the seed's
    morning is still waiting. The demo collector's last reviewed report stays returned."""
    rng = run.rng
    plans = [(held, _office_time(rng, held.submitted, 2, 5)) for held in run.held]
    reviewed = [h for h, at in plans if at < run.seed_now and h.crew == 0 and h.event is None]
    keep_open = reviewed[-1] if reviewed else None
    for held, at in plans:
        if at >= run.seed_now:
            continue
        if held is keep_open:
            _review(held, at, approve=False, comment=text.OPEN_RETURN_COMMENT)
            continue
        if held.event in RETURNED_BY_SCRIPT or rng.random() < RETURN_RATE:
            comment = {
                Event.THREAT: text.THREAT_RETURN,
                Event.NO_RECORDING: text.NO_RECORDING_RETURN,
            }.get(held.event) or rng.choice(text.RETURN_COMMENTS)
            _review(held, at, approve=False, comment=comment)
            again = at + timedelta(minutes=rng.randint(3 * 60, 20 * 60))
            if again >= run.seed_now:
                continue  # still being fixed
            _resubmit(held, again)
            at = _office_time(rng, again, 1, 2)
        if at < run.seed_now:
            _review(held, at, approve=True, comment="")


def _review(held: _Held, at: datetime, *, approve: bool, comment: str) -> None:
    report_review(visit=held.visit, by=held.supervisor, now=at, approve=approve, comment=comment)


def _resubmit(held: _Held, at: datetime) -> None:
    lead = held.members[0]
    addition = {
        Event.THREAT: text.THREAT_RESUBMIT,
        Event.NO_RECORDING: text.NO_RECORDING_RESUBMIT,
    }.get(held.event, text.RESUBMIT_NOTE)
    if held.event == Event.NO_RECORDING:
        evidence_add(
            visit=held.visit, upload=_recording(held.visit), by=lead, now=at - timedelta(minutes=5)
        )
    fields = held.fields | {"notes": held.fields["notes"] + addition}
    report_save(visit=held.visit, by=lead, fields=fields, present=list(held.members))
    report_submit(visit=held.visit, by=lead, now=at)


def _office_time(rng: random.Random, after: datetime, low: int, high: int) -> datetime:
    """A working-day moment `low`–`high` days after `after`, between 09:00 and 17:45."""
    day = after.astimezone(LOCAL).date() + timedelta(days=rng.randint(low, high))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))), LOCAL)


# The ledger and the worklist afterwards


def _ledger(run: _Run) -> None:
    """Payments at the door, and promises that came due: most kept, some partly, the rest
    broken. Then the ledger re-derives those loans, their cases and promises."""
    rng, rows = run.rng, []
    for case, amount, day, channel, receipt in run.payments:
        rows += _repayments(case, amount, day, channel, receipt)
    promises = PromiseToPay.objects.filter(visit_reports__isnull=False).select_related("case")
    for promise in promises.order_by("pk"):  # as recorded (public ids are random)
        if promise.due_on >= run.today:
            continue
        luck = rng.random()
        if luck >= 0.7:
            continue  # broken
        amount = promise.amount if luck < 0.55 else _share(rng, promise.amount, 0.3, 0.7)
        day = promise.promised_on + timedelta(
            days=rng.randint(0, (promise.due_on - promise.promised_on).days)
        )
        channel = rng.choice(text.LATER_CHANNELS)
        rows += _repayments(promise.case, amount, day, channel, run.references.next(channel, day))
    Repayment.objects.bulk_create(rows)
    borrowers = {c.borrower_id for c, *_r in run.payments} | set(
        promises.values_list("case__borrower_id", flat=True)
    )
    loans = list(Loan.objects.filter(borrower_id__in=borrowers).values_list("pk", flat=True))
    if loans:
        ledger_refresh(as_of=run.today, loan_ids=loans)


def _repayments(
    case: Case, amount: Decimal, day: date, channel: str, reference: str
) -> list[Repayment]:
    """`amount` onto the borrower's most overdue loans, never more than a loan owes; one
    reference per payment, suffixed when it is split across loans."""
    rows, left = [], amount
    loans = Loan.objects.filter(borrower_id=case.borrower_id, outstanding_amount__gt=0)
    for loan in loans.order_by("-overdue_amount", "pk"):
        part = min(left, loan.outstanding_amount)
        suffix = f"-{len(rows) + 1}" if rows else ""
        rows.append(
            Repayment(
                loan=loan, paid_on=day, amount=part, channel=channel, reference=reference + suffix
            )
        )
        left -= part
        if left <= 0:
            break
    return rows


def _tidy_cases(run: _Run) -> None:
    """The worklist's last contact: the latest check-in; no next visit (none is open)."""
    latest = (
        VisitPresence.objects.filter(kind=VisitPresence.Kind.CHECK_IN, at__lt=run.seed_now)
        .values("visit__case_id")
        .annotate(last=Max("at"))
    )
    cases = Case.objects.in_bulk([row["visit__case_id"] for row in latest])
    for row in latest:
        case = cases[row["visit__case_id"]]
        case.last_contact_at = max(filter(None, (case.last_contact_at, row["last"])))
    visited = Visit.objects.filter(planned_start__lt=run.seed_now).values("case_id")
    ahead = Visit.objects.filter(planned_start__gte=run.seed_now).values("case_id")
    Case.objects.filter(pk__in=visited).exclude(pk__in=ahead).update(next_visit_at=None)
    Case.objects.bulk_update(cases.values(), ["last_contact_at"])


def _summary(seed_now: datetime) -> History:
    past = Visit.objects.filter(planned_start__lt=seed_now)
    reports = VisitReport.objects.filter(visit__in=past, submitted_at__isnull=False)
    returned = ReportReview.objects.filter(visit__in=past, decision=ReportReview.Decision.RETURNED)
    return History(
        visits=past.count(),
        reported=reports.count(),
        approved=past.filter(status=VisitStatus.APPROVED).count(),
        returned=returned.values("visit").distinct().count(),
        unreviewed=past.filter(status=VisitStatus.REPORTED).count(),
        cancelled=past.filter(status=VisitStatus.CANCELLED).count(),
        flags=Flag.objects.filter(visit__in=past).count(),
    )
