"""Read side of the complaint register: the filtered register, one complaint with its clock
and timeline, the handlers, and the complaints the daily reminder is about.

Officers see every complaint in the bank (DESIGN.md §1); the views let only officers in.
"Due soon" means not closed and due within the next 3 days (72 hours from now); "overdue"
means not closed and past its deadline.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.shortcuts import get_object_or_404

from collections_app.models import Borrower, Case
from collections_app.roles import Role
from compliance.models import AuditEvent, Complaint, RulePack
from compliance.rules.policy import ComplaintPolicy
from compliance.services.packs import policy_for

DUE_SOON = timedelta(days=3)
REMIND_WITHIN = timedelta(days=2)
# The register's `due` filter, also its tabs.
SOON, OVERDUE = "soon", "overdue"
# The register's `handler` filter value for complaints nobody handles yet.
UNASSIGNED = "none"


def complaint_handlers() -> QuerySet:
    """Who may handle a complaint: active users of the compliance group."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.COMPLIANCE.value)
        .order_by("username")
    )


def _is(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _not_closed() -> Q:
    return ~Q(status=Complaint.Status.CLOSED)


def complaint_list(
    *,
    now: datetime,
    status: str = "",
    category: str = "",
    channel: str = "",
    handler: str = "",
    due: str = "",
) -> QuerySet[Complaint]:
    """The register, most urgent first: open ones by deadline, then closed ones."""
    complaints = Complaint.objects.select_related("borrower", "handler", "case")
    if status:
        complaints = complaints.filter(status=status)
    if category:
        complaints = complaints.filter(category=category)
    if channel:
        complaints = complaints.filter(channel=channel)
    if handler == UNASSIGNED:
        complaints = complaints.filter(handler__isnull=True)
    elif handler:
        complaints = complaints.filter(handler_id=handler)
    if due == SOON:
        complaints = complaints.filter(_not_closed(), due_at__gte=now, due_at__lte=now + DUE_SOON)
    elif due == OVERDUE:
        complaints = complaints.filter(_not_closed(), due_at__lt=now)
    return complaints.annotate(closed=_is(Q(status=Complaint.Status.CLOSED))).order_by(
        "closed", "due_at", "-received_at", "-id"
    )


def complaint_counts(*, now: datetime) -> dict[str, int]:
    """How many complaints the due-soon and overdue tabs hold."""
    open_ = Complaint.objects.filter(_not_closed())
    return {
        SOON: open_.filter(due_at__gte=now, due_at__lte=now + DUE_SOON).count(),
        OVERDUE: open_.filter(due_at__lt=now).count(),
    }


def complaint_get(*, public_id) -> Complaint:
    return get_object_or_404(
        Complaint.objects.select_related(
            "borrower", "case", "visit", "handler", "recorded_by"
        ).prefetch_related("extensions__extended_by"),
        public_id=public_id,
    )


def complaint_policy(*, complaint: Complaint) -> ComplaintPolicy:
    """The clock of the pack version that set this complaint's deadline."""
    return policy_for(RulePack.objects.get(version=complaint.pack_version)).complaints


@dataclass(frozen=True)
class ComplaintClock:
    due_at: datetime
    overdue: bool
    due_soon: bool
    days: int  # the response period in force, in calendar days
    extensions_used: int
    next_days: int | None  # the period after the next extension; None: no further extension
    policy: ComplaintPolicy


def complaint_clock(*, complaint: Complaint, now: datetime) -> ComplaintClock:
    policy = complaint_policy(complaint=complaint)
    used = len(complaint.extensions.all())  # prefetched by complaint_get
    is_open = complaint.status != Complaint.Status.CLOSED
    more = is_open and used < len(policy.extension_days) and now <= complaint.due_at
    return ComplaintClock(
        due_at=complaint.due_at,
        overdue=is_open and complaint.due_at < now,
        due_soon=is_open and now <= complaint.due_at <= now + DUE_SOON,
        days=policy.days_after(used),
        extensions_used=used,
        next_days=policy.days_after(used + 1) if more else None,
        policy=policy,
    )


def complaint_timeline(*, complaint: Complaint) -> list[AuditEvent]:
    """The complaint's audit events, oldest first."""
    return list(
        AuditEvent.objects.filter(
            object_type=Complaint._meta.label_lower, object_id=str(complaint.public_id)
        ).order_by("id")
    )


def complaint_case_for(*, borrower: Borrower) -> Case | None:
    """The case a complaint received outside a visit belongs to: the borrower's open case,
    else their latest one."""
    return (
        Case.objects.filter(borrower=borrower)
        .annotate(is_open=_is(Q(status=Case.Status.OPEN)))
        .order_by("-is_open", "-opened_on", "-id")
        .first()
    )


def complaints_to_remind(*, now: datetime, since: datetime) -> list[Complaint]:
    """Open complaints due within REMIND_WITHIN or overdue, not reminded since `since`."""
    return list(
        Complaint.objects.filter(_not_closed(), due_at__lte=now + REMIND_WITHIN)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=since))
        .select_related("borrower", "handler", "handler__staff_profile")
        .order_by("due_at", "id")
    )
