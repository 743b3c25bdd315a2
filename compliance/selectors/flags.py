"""Read side of the flag queue: the filtered queue, one flag with everything its page shows,
and the flag statistics.

Officers see every flag in the bank (DESIGN.md §1), so nothing here is scoped to a user;
the views let only officers in (`compliance.access.officer_required`).

How the statistics count (the page says the same under "How these are counted"). The period
is a range of local dates in the viewer's zone, both ends included.

- Per rule, over the flags *raised* in the period: raised; resolved (of those, resolved by
  now); false positives and confirmed breaches among the resolved; false-positive rate =
  false positives / resolved.
- Per collector, each figure by the moment of its own event:
  - done visits: visits the collector was a member of, planned to start in the period, now
    reported, approved or returned (the visit took place and was reported);
  - flags: flags raised in the period on visits the collector was a member of (a two-person
    visit's flag counts for both);
  - overrides requested: override requests the collector made in the period;
  - blocked booking attempts: pre-booking checks the collector ran in the period that the
    rules blocked (no visit was created);
  - "per 100 visits" divides each by the done visits; with no done visit there is no rate.
  Everyone with at least one figure is listed (a supervisor who books shows up too).

Each table comes from one grouped query per figure, whatever the number of rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from collections_app.models import Team
from collections_app.roles import Role
from compliance.display import finding_rows
from compliance.models import AuditEvent, ComplianceCheck, Finding, Flag, Override
from compliance.rules.engine import POST_RULES, PRE_RULES
from visits.models import VisitMember, VisitStatus
from visits.selectors.reviews import visit_execution
from visits.selectors.scope import visit_page

# Queue status filter: the three statuses, plus "not resolved" (the default) and "any".
UNRESOLVED = "unresolved"
ANY = "any"
DONE = (VisitStatus.REPORTED, VisitStatus.APPROVED, VisitStatus.RETURNED)
RULE_CODES: tuple[str, ...] = tuple(
    sorted({rule.code for rule in PRE_RULES + POST_RULES})  # type: ignore[attr-defined]
)


def compliance_officers() -> QuerySet:
    """Who a flag can be assigned to: active users of the compliance group."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.COMPLIANCE.value)
        .order_by("username")
    )


def collectors() -> QuerySet:
    """Everyone who can go on a visit, for the queue's collector filter."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.COLLECTOR.value)
        .select_related("staff_profile")
        .order_by("staff_profile__employee_number", "pk")
    )


def teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def flag_queue(
    *,
    now: datetime,
    status: str = UNRESOLVED,
    rule: str = "",
    severity: str = "",
    collector=None,
    team: Team | None = None,
    older_than_days: int | None = None,
    assigned_to=None,
) -> QuerySet[Flag]:
    """Flags matching the filters, oldest first, with what a queue row shows."""
    flags = Flag.objects.all()
    if status == UNRESOLVED:
        flags = flags.exclude(status=Flag.Status.RESOLVED)
    elif status != ANY:
        flags = flags.filter(status=status)
    if rule:
        flags = flags.filter(rule=rule)
    if severity:
        flags = flags.filter(severity=severity)
    if collector is not None:
        on_visit = VisitMember.objects.filter(collector=collector).values("visit_id")
        flags = flags.filter(visit_id__in=on_visit)
    if team is not None:
        flags = flags.filter(case__team=team)
    if older_than_days is not None:
        flags = flags.filter(created_at__lte=now - timedelta(days=older_than_days))
    if assigned_to is not None:
        flags = flags.filter(assigned_to=assigned_to)
    members = VisitMember.objects.select_related("collector").order_by("id")
    return (
        flags.select_related("visit", "borrower", "assigned_to")
        .prefetch_related(Prefetch("visit__memberships", queryset=members))
        .order_by("created_at", "id")
    )


def flag_get(*, public_id) -> Flag:
    return get_object_or_404(
        Flag.objects.select_related(
            "visit",
            "visit__case",
            "visit__borrower",
            "visit__address",
            "visit__created_by",
            "visit__case__team",
            "borrower",
            "case",
            "assigned_to",
            "raised_by",
            "finding__check_run",
        ),
        public_id=public_id,
    )


def flag_page(*, flag: Flag, user) -> dict:
    """Everything the flag page shows besides the forms and the evidence panel: the visit
    (plan, members, check-in/out, report), its checks with findings, the other flags on the
    visit and the audit trail of the flag and the visit."""
    context: dict = {"flag": flag, "checks": [], "other_flags": []}
    visit = flag.visit
    if visit is not None:
        context.update(visit_page(visit=visit, user=user))
        context.update(visit_execution(visit=visit))
        context["other_flags"] = list(
            Flag.objects.filter(visit=visit)
            .exclude(pk=flag.pk)
            .select_related("assigned_to")
            .order_by("created_at", "id")
        )
    elif flag.finding is not None:
        check = flag.finding.check_run
        findings = Finding.objects.filter(check_run=check).order_by("position")
        context["checks"] = [check]
        check.rows = finding_rows(findings)
    for check in context["checks"]:
        if not hasattr(check, "rows"):
            check.rows = finding_rows(check.findings.all())
    context["audit_events"] = audit_trail(flag=flag)
    return context


def audit_trail(*, flag: Flag) -> list[AuditEvent]:
    """The flag's events and its visit's, oldest first (chain order)."""
    subjects = Q(object_type=Flag._meta.label_lower, object_id=str(flag.public_id))
    if flag.visit is not None:
        visit = flag.visit
        subjects |= Q(object_type=visit._meta.label_lower, object_id=str(visit.public_id))
    return list(AuditEvent.objects.filter(subjects).order_by("id"))


# Statistics


def _percent(part: int, whole: int) -> Decimal | None:
    """part / whole × 100 with one decimal; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class RuleRow:
    rule: str
    raised: int = 0
    resolved: int = 0
    false_positives: int = 0
    confirmed: int = 0

    @property
    def false_positive_rate(self) -> Decimal | None:
        return _percent(self.false_positives, self.resolved)


@dataclass
class CollectorRow:
    collector: object  # the User, with staff_profile and team loaded
    done: int = 0
    flags: int = 0
    overrides: int = 0
    blocked: int = 0

    @property
    def flags_per_100(self) -> Decimal | None:
        return _percent(self.flags, self.done)

    @property
    def overrides_per_100(self) -> Decimal | None:
        return _percent(self.overrides, self.done)

    @property
    def blocked_per_100(self) -> Decimal | None:
        return _percent(self.blocked, self.done)


@dataclass
class FlagStats:
    start: date
    end: date
    rules: list[RuleRow] = field(default_factory=list)
    collectors: list[CollectorRow] = field(default_factory=list)

    @property
    def total(self) -> RuleRow:
        total = RuleRow(rule="")
        for row in self.rules:
            total.raised += row.raised
            total.resolved += row.resolved
            total.false_positives += row.false_positives
            total.confirmed += row.confirmed
        return total


def flag_stats(*, start: date, end: date, zone: tzinfo) -> FlagStats:
    """Per rule and per collector figures for the local dates `start` through `end`."""
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    return FlagStats(
        start=start,
        end=end,
        rules=_rule_rows(since, until),
        collectors=_collector_rows(since, until),
    )


def _rule_rows(since: datetime, until: datetime) -> list[RuleRow]:
    resolved = Q(status=Flag.Status.RESOLVED)
    rows = (
        Flag.objects.filter(created_at__gte=since, created_at__lt=until)
        .values("rule")
        .annotate(
            raised=Count("pk"),
            resolved=Count("pk", filter=resolved),
            false_positives=Count(
                "pk", filter=resolved & Q(disposition=Flag.Disposition.FALSE_POSITIVE)
            ),
            confirmed=Count(
                "pk", filter=resolved & Q(disposition=Flag.Disposition.CONFIRMED_BREACH)
            ),
        )
        .order_by("rule")
    )
    return [RuleRow(**row) for row in rows]


def _collector_rows(since: datetime, until: datetime) -> list[CollectorRow]:
    done = (
        VisitMember.objects.filter(
            visit__status__in=DONE,
            visit__planned_start__gte=since,
            visit__planned_start__lt=until,
        )
        .values("collector_id")
        .annotate(n=Count("visit_id", distinct=True))
    )
    flags = (
        Flag.objects.filter(created_at__gte=since, created_at__lt=until, visit__isnull=False)
        .values(collector_id=F("visit__memberships__collector_id"))
        .annotate(n=Count("pk", distinct=True))
    )
    overrides = (
        Override.objects.filter(created_at__gte=since, created_at__lt=until)
        .values(collector_id=F("requested_by_id"))
        .annotate(n=Count("pk"))
    )
    blocked = (
        ComplianceCheck.objects.filter(
            stage=ComplianceCheck.Stage.PRE,
            decision=ComplianceCheck.Decision.BLOCK,
            visit__isnull=True,
            checked_by__isnull=False,
            checked_at__gte=since,
            checked_at__lt=until,
        )
        .values(collector_id=F("checked_by_id"))
        .annotate(n=Count("pk"))
    )
    figures: dict[int, dict[str, int]] = {}
    for name, rows in (
        ("done", done),
        ("flags", flags),
        ("overrides", overrides),
        ("blocked", blocked),
    ):
        for row in rows.order_by():
            figures.setdefault(row["collector_id"], {})[name] = row["n"]
    figures.pop(None, None)  # a flag on a visit nobody went on
    people = (
        get_user_model()
        .objects.filter(pk__in=figures)
        .select_related("staff_profile__team")
        .order_by("staff_profile__employee_number", "pk")
    )
    return [CollectorRow(collector=person, **figures[person.pk]) for person in people]
