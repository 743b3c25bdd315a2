"""The one bridge from the ORM to the pure rules (STYLE.md §6): a plan in, frozen Facts out.

Everything a pre-booking check may look at is read up front in a bounded number of queries
(at most 8, whatever the number of collectors, credentials, visits or calls; see
tests/compliance/test_facts.py). Public holidays are left empty: the service adds them.

Look-around windows: the rules look 14 days ahead for `next_allowed_start` and 7 days back for
the rolling visit cap, so sensitive dates, busy times, visits and calls are read a little wider
than the visit itself.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from collections_app.models import Borrower, CallRecord, Case, Installment, Loan, Repayment
from collections_app.models import SensitiveDate as SensitiveDateRow
from compliance.models import Credential
from compliance.rules.engine import LOOK_AHEAD as SEARCH_AHEAD
from compliance.rules.facts import (
    BorrowerFacts,
    Call,
    Checklist,
    CollectorFacts,
    DebtFacts,
    EvidenceFacts,
    Facts,
    GeoPoint,
    Interval,
    Notice,
    NoVisitWindow,
    PastVisit,
    ReportFacts,
    SensitiveDate,
    VisitFacts,
)
from visits.models import HISTORY_STATUS, Evidence, Visit, VisitMember, VisitPresence, VisitReport
from visits.models import Notice as NoticeRow

DAY = timedelta(days=1)
LOOK_AHEAD = SEARCH_AHEAD + DAY  # how far next_allowed_start looks, plus a day of margin
HISTORY_BACK = timedelta(days=8)  # the rolling 7-day cap, plus a day for local-date edges
CALLS_BACK = timedelta(days=2)  # calls count per local day; a day of zone margin each side


@dataclass(frozen=True)
class VisitPlan:
    """A visit as planned: from the planning form, or from a saved visit being re-checked."""

    case: Case  # with its borrower
    start: datetime  # aware
    end: datetime
    location_type: str
    target: str = "borrower"
    locate_only: bool = False
    purpose: str = ""
    recorder: bool = False
    collector_ids: tuple[int, ...] = ()  # user ids
    # Re-checking an existing visit: it is left out of history and busy times, and its
    # notices are the notices.
    visit_id: int | None = None
    # Rescheduling: the visit being moved is left out of history and busy times too, but its
    # notices announced another time and do not count.
    replaces_visit_id: int | None = None

    @property
    def excluded_visit_ids(self) -> list[int]:
        return [pk for pk in (self.visit_id, self.replaces_visit_id) if pk is not None]


def plan_facts(*, plan: VisitPlan, now: datetime) -> Facts:
    """The facts for a pre-booking check of `plan` as of `now` (holidays left empty)."""
    borrower = _borrower_row(plan.case.borrower_id)
    zone = ZoneInfo(borrower.timezone)
    visit_day = plan.start.astimezone(zone).date()
    collector_ids = tuple(dict.fromkeys(plan.collector_ids))  # once each, in the plan's order
    return Facts(
        now=now,
        visit=VisitFacts(
            start=plan.start,
            end=plan.end,
            location_type=plan.location_type,
            target=plan.target,
            locate_only=plan.locate_only,
            purpose=plan.purpose,
            recorder=plan.recorder,
            collectors=_collectors(plan, collector_ids, visit_day),
        ),
        borrower=_borrower_facts(borrower, visit_day),
        debt=DebtFacts(
            oldest_unpaid_due_date=borrower.oldest_unpaid_due_date,
            last_acknowledged_on=borrower.last_acknowledged_on,
        ),
        notices=_notices(plan.visit_id),
        visits=_history(plan),
        calls=_calls(plan),
    )


def facts_for_visit(*, visit: Visit, now: datetime) -> tuple[VisitPlan, Facts]:
    """Re-check a saved visit: its members are the collectors, and it is not its own history."""
    members = tuple(
        VisitMember.objects.filter(visit=visit)
        .order_by("pk")
        .values_list("collector_id", flat=True)
    )
    plan = VisitPlan(
        case=visit.case,
        start=visit.planned_start,
        end=visit.planned_end,
        location_type=visit.location_type,
        target=visit.target,
        locate_only=visit.locate_only,
        purpose=visit.purpose,
        recorder=visit.recorder,
        collector_ids=members,
        visit_id=visit.pk,
    )
    return plan, plan_facts(plan=plan, now=now)


def facts_for_report(*, visit: Visit, now: datetime, starting: bool = False) -> Facts:
    """Post-visit facts: the visit as planned plus what the report, the check-in/out and the
    evidence say. `starting`: the moment of check-in, before any report exists."""
    _plan, facts = facts_for_visit(visit=visit, now=now)
    report = ReportFacts(check_in_at=now) if starting else _report_facts(visit)
    return replace(facts, report=report)


# Borrower and debt: one query, the debt dates and the failed attempts as subqueries.


def _borrower_row(borrower_id: int) -> Borrower:
    # The earliest due date of an installment not fully paid, on a loan still being collected
    # (written-off debt is still collected, and is the debt most likely to be time-barred).
    oldest_unpaid = (
        Installment.objects.filter(loan__borrower=OuterRef("pk"), paid_amount__lt=F("amount_due"))
        .exclude(loan__status=Loan.Status.CLOSED)
        .order_by("due_on")
        .values("due_on")[:1]
    )
    # A payment acknowledges the debt (Civil Code Art. 195): the latest one on any loan.
    last_payment = (
        Repayment.objects.filter(loan__borrower=OuterRef("pk"))
        .order_by("-paid_on")
        .values("paid_on")[:1]
    )
    # Calls that did not connect and were not followed by one that did.
    failed = (
        CallRecord.objects.filter(borrower=OuterRef("pk"), connected=False)
        .filter(
            ~Exists(
                CallRecord.objects.filter(
                    borrower=OuterRef("borrower"), connected=True, at__gte=OuterRef("at")
                )
            )
        )
        .order_by()
        .values("borrower")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Borrower.objects.annotate(
        oldest_unpaid_due_date=Subquery(oldest_unpaid),
        last_acknowledged_on=Subquery(last_payment),
        failed_contact_attempts=Coalesce(Subquery(failed, output_field=IntegerField()), Value(0)),
    ).get(pk=borrower_id)


def _borrower_facts(borrower: Borrower, visit_day: date) -> BorrowerFacts:
    sensitive = SensitiveDateRow.objects.filter(
        borrower=borrower, starts_on__lte=visit_day + LOOK_AHEAD, ends_on__gte=visit_day - DAY
    ).order_by("starts_on", "pk")
    return BorrowerFacts(
        timezone=borrower.timezone,
        flags=frozenset(borrower.flags),
        no_visit_windows=tuple(
            NoVisitWindow(
                weekdays=frozenset(window["weekdays"]),
                start=time.fromisoformat(window["start"]),
                end=time.fromisoformat(window["end"]),
            )
            for window in borrower.no_visit_windows or ()
        ),
        no_visit_locations=frozenset(borrower.no_visit_locations or ()),
        consents=frozenset(borrower.consents or ()),
        sensitive_dates=tuple(
            SensitiveDate(first=s.starts_on, last=s.ends_on, reason=s.reason) for s in sensitive
        ),
        failed_contact_attempts=borrower.failed_contact_attempts,
    )


# Collectors: users with their credentials (two queries), and their other bookings (one).


def _collectors(
    plan: VisitPlan, collector_ids: tuple[int, ...], visit_day: date
) -> tuple[CollectorFacts, ...]:
    if not collector_ids:
        return ()
    usable = Credential.objects.filter(revoked=False, valid_from__lte=visit_day).filter(
        # An authorization letter counts if general or for this case.
        ~Q(kind=Credential.Kind.AUTHORIZATION) | Q(case__isnull=True) | Q(case_id=plan.case.pk)
    )
    users = {
        user.pk: user
        for user in get_user_model()
        .objects.filter(pk__in=collector_ids)
        .prefetch_related(Prefetch("credentials", queryset=usable, to_attr="usable_credentials"))
    }
    busy = _busy(plan, collector_ids)
    out = []
    for pk in collector_ids:
        user = users.get(pk)
        if user is None:  # unknown user: no credentials, so the check fails closed
            out.append(CollectorFacts(id=str(pk), busy=busy[pk]))
            continue
        latest: dict[str, date] = {}
        certifications = set()
        for credential in user.usable_credentials:
            if credential.kind == Credential.Kind.CERTIFICATION:
                if credential.valid_until >= visit_day:
                    certifications.add(credential.code)
            elif credential.kind not in latest or credential.valid_until > latest[credential.kind]:
                latest[credential.kind] = credential.valid_until
        out.append(
            CollectorFacts(
                id=user.get_username(),
                work_id_valid_until=latest.get(Credential.Kind.WORK_ID),
                authorization_valid_until=latest.get(Credential.Kind.AUTHORIZATION),
                training_valid_until=latest.get(Credential.Kind.TRAINING),
                certifications=frozenset(certifications),
                busy=busy[pk],
            )
        )
    return tuple(out)


def _busy(plan: VisitPlan, collector_ids: tuple[int, ...]) -> dict[int, tuple[Interval, ...]]:
    rows = (
        VisitMember.objects.filter(
            collector_id__in=collector_ids,
            visit__in=Visit.objects.counting(),
            visit__planned_start__lt=plan.end + LOOK_AHEAD,
            visit__planned_end__gt=plan.start - DAY,
        )
        .order_by("visit__planned_start", "visit_id")
        .values_list("collector_id", "visit__planned_start", "visit__planned_end")
    )
    if plan.excluded_visit_ids:
        rows = rows.exclude(visit_id__in=plan.excluded_visit_ids)
    busy: dict[int, list[Interval]] = defaultdict(list)
    for collector_id, start, end in rows:
        busy[collector_id].append(Interval(start, end))
    return defaultdict(tuple, {pk: tuple(intervals) for pk, intervals in busy.items()})


# History: the borrower's visits, calls, and the notices of the visit being re-checked.


def _history(plan: VisitPlan) -> tuple[PastVisit, ...]:
    rows = (
        Visit.objects.filter(
            borrower_id=plan.case.borrower_id,
            planned_start__gte=plan.start - HISTORY_BACK,
            planned_start__lte=plan.end + LOOK_AHEAD,
        )
        .filter(status__in=list(HISTORY_STATUS))
        .order_by("planned_start", "pk")
        .values_list("planned_start", "status")
    )
    if plan.excluded_visit_ids:
        rows = rows.exclude(pk__in=plan.excluded_visit_ids)
    return tuple(PastVisit(start=start, status=HISTORY_STATUS[status]) for start, status in rows)


def _calls(plan: VisitPlan) -> tuple[Call, ...]:
    rows = (
        CallRecord.objects.filter(
            borrower_id=plan.case.borrower_id,
            at__gte=plan.start - CALLS_BACK,
            at__lte=plan.end + LOOK_AHEAD,
        )
        .order_by("at", "pk")
        .values_list("at", "connected")
    )
    return tuple(Call(at=at, connected=connected) for at, connected in rows)


def _notices(visit_id: int | None) -> tuple[Notice, ...]:
    if visit_id is None:
        return ()
    rows = (
        NoticeRow.objects.filter(visit_id=visit_id)
        .exclude(kind=NoticeRow.Kind.CANCELLED)
        .order_by("created_at", "pk")
        .values_list("channel", "status", "sent_at", "delivered_at", "states_purpose")
    )
    return tuple(
        Notice(
            channel=channel,
            sent_at=sent_at,
            delivered_at=delivered_at if status == NoticeRow.Status.DELIVERED else None,
            states_purpose=states_purpose,
        )
        for channel, status, sent_at, delivered_at, states_purpose in rows
    )


# The report: check-in/out, the report row with who was present, the evidence (four queries).


def _report_facts(visit: Visit) -> ReportFacts:
    presences = {p.kind: p for p in VisitPresence.objects.filter(visit=visit)}
    check_in = presences.get(VisitPresence.Kind.CHECK_IN)
    check_out = presences.get(VisitPresence.Kind.CHECK_OUT)
    report = VisitReport.objects.filter(visit=visit).prefetch_related(
        "present"
    ).first() or VisitReport(visit=visit)
    evidence = list(Evidence.objects.filter(visit=visit).order_by("received_at", "pk"))
    reused = set(
        Evidence.objects.filter(sha256__in=[e.sha256 for e in evidence])
        .exclude(visit=visit)
        .values_list("sha256", flat=True)
    )
    return ReportFacts(
        check_in_at=check_in.at if check_in else None,
        check_out_at=check_out.at if check_out else None,
        check_in_location=_geo(check_in.lat, check_in.lng, check_in.accuracy_m)
        if check_in
        else None,
        address_location=_geo(visit.lat, visit.lng),
        collectors_present=tuple(
            sorted(u.get_username() for u in report.present.all()) if report.pk else ()
        ),
        checklist=Checklist(**report.checklist),
        notes=report.notes,
        submitted_at=report.submitted_at,
        recording_attached=any(e.kind == Evidence.Kind.AUDIO for e in evidence),
        vulnerability_observed=report.vulnerability_observed,
        evidence=tuple(
            EvidenceFacts(
                kind=e.kind,
                sha256=e.sha256,
                taken_at=e.taken_at,
                taken_location=_geo(e.taken_lat, e.taken_lng),
                used_on_other_visits=e.sha256 in reused,
            )
            for e in evidence
        ),
    )


def _geo(lat, lng, accuracy=None) -> GeoPoint | None:
    if lat is None or lng is None:
        return None
    return GeoPoint(float(lat), float(lng), None if accuracy is None else float(accuracy))
