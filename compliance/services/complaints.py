"""The complaint register (issue 6 item 2): record, assign, extend and close a complaint, and
the daily reminders to its handlers.

The clock. The `complaints` section of the borrower's pack version in force when the complaint
was received sets it (that version is kept on the complaint; an extension follows it). A
complaint is due at the end of the borrower's local day (23:59:59.999999) N calendar days after
the local day it was received: the day of receipt is not counted (periods in days start the
next day, Civil Code Art. 201; DISP 1.6.2R's "by the end of eight weeks after its receipt"
reads the same). A deadline falling on a weekend or public holiday is not moved, so the clock
never runs later than the law allows. Each extension, granted in the pack's order with a
recorded reason and only before the deadline passes, recomputes the deadline from receipt with
the longer period (CN: 15 → 30 → 60 days); the pack validation keeps every period within
`max_days`. Packs without extensions refuse them.

The borrower's `complaint_open` flag is set while any complaint of theirs is not closed.
Recording and closing lock the borrower row first, so a close and a new complaint cannot race
the flag.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collections_app.models import Borrower, Case
from compliance.models import Complaint
from compliance.models.complaints import ComplaintExtension
from compliance.selectors.complaints import (
    complaint_handlers,
    complaint_policy,
    complaints_to_remind,
)
from compliance.services.audit import audit_record
from compliance.services.packs import NoPackInForce, policy_for, rulepack_in_force
from visits.models import Visit

logger = logging.getLogger(__name__)
CLOSED = Complaint.Status.CLOSED


def complaint_due_at(*, received_at: datetime, zone: str, days: int) -> datetime:
    """The end of the local day `days` calendar days after the local day of receipt."""
    tz = ZoneInfo(zone)
    day = received_at.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(day, time.max, tz)


@transaction.atomic
def complaint_record(
    *,
    borrower: Borrower,
    case: Case | None,
    visit: Visit | None,
    channel: str,
    category: str,
    description: str,
    received_at: datetime,
    by,
    now: datetime,
) -> Complaint:
    """Register a complaint with its deadline and set the borrower's complaint_open flag."""
    borrower = Borrower.objects.select_for_update().get(pk=borrower.pk)
    errors = {}
    if received_at > now:
        errors["received_at"] = _("A complaint cannot be received in the future.")
    if case is not None and case.borrower_id != borrower.pk:
        errors["case"] = _("The case is not the borrower's.")
    if visit is not None and visit.borrower_id != borrower.pk:
        errors["visit"] = _("The visit is not the borrower's.")
    try:
        pack = rulepack_in_force(jurisdiction=borrower.jurisdiction, at=received_at)
    except NoPackInForce as missing:
        errors.setdefault("received_at", str(missing))
    if errors:
        raise ValidationError(errors)
    days = policy_for(pack).complaints.respond_within_days
    complaint = Complaint(
        borrower=borrower,
        case=case,
        visit=visit,
        channel=channel,
        category=category,
        description=description.strip(),
        received_at=received_at,
        recorded_by=by,
        pack_version=pack.version,
        due_at=complaint_due_at(received_at=received_at, zone=borrower.timezone, days=days),
    )
    complaint.full_clean()
    complaint.save()
    audit_record(
        actor=by,
        action="complaint.recorded",
        obj=complaint,
        data={
            "channel": complaint.channel,
            "category": complaint.category,
            "case": str(case.public_id) if case else None,
            "visit": str(visit.public_id) if visit else None,
            "pack_version": pack.version,
            "days": days,
            "due_at": complaint.due_at.isoformat(),
        },
        at=now,
    )
    _set_flag(borrower=borrower, value=True, complaint=complaint, by=by, now=now)
    return complaint


@transaction.atomic
def complaint_assign(*, complaint: Complaint, handler, by, now: datetime) -> Complaint:
    """Give the complaint to an officer; an open complaint is then in progress."""
    complaint = _locked(complaint)
    if not complaint_handlers().filter(pk=handler.pk).exists():
        raise ValidationError({"handler": _("Only an active compliance officer can handle it.")})
    previous = complaint.handler_id
    if previous == handler.pk:
        return complaint
    complaint.handler = handler
    if complaint.status == Complaint.Status.OPEN:
        complaint.status = Complaint.Status.IN_PROGRESS
    complaint.save(update_fields=["handler", "status", "updated_at"])
    audit_record(
        actor=by,
        action="complaint.assigned",
        obj=complaint,
        data={"handler": handler.pk, "previous": previous, "status": complaint.status},
        at=now,
    )
    return complaint


@transaction.atomic
def complaint_extend(*, complaint: Complaint, reason: str, by, now: datetime) -> Complaint:
    """Extend the deadline by the pack's next extension, with the reason recorded."""
    complaint = _locked(complaint)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    policy = complaint_policy(complaint=complaint)
    used = complaint.extensions.count()
    if not policy.extension_days:
        raise ValidationError(
            _("The %(pack)s rule pack allows no extension: the %(days)s-day deadline is final.")
            % {"pack": complaint.pack_version, "days": policy.respond_within_days}
        )
    if used >= len(policy.extension_days):
        raise ValidationError(
            _("Already extended to %(days)s days, the most the %(pack)s rule pack allows.")
            % {"days": policy.days_after(used), "pack": complaint.pack_version}
        )
    if now > complaint.due_at:
        raise ValidationError(_("The deadline has passed: an extension must be decided before it."))
    days = policy.days_after(used + 1)
    extension = ComplaintExtension(
        complaint=complaint,
        number=used + 1,
        days=policy.extension_days[used],
        due_before=complaint.due_at,
        due_at=complaint_due_at(
            received_at=complaint.received_at, zone=complaint.borrower.timezone, days=days
        ),
        reason=reason,
        extended_by=by,
        extended_at=now,
    )
    extension.full_clean()
    extension.save()
    complaint.due_at = extension.due_at
    complaint.save(update_fields=["due_at", "updated_at"])
    audit_record(
        actor=by,
        action="complaint.extended",
        obj=complaint,
        data={
            "extension": extension.number,
            "days": days,
            "due_at": complaint.due_at.isoformat(),
            "pack_version": complaint.pack_version,
        },
        at=now,
    )
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, resolution: str, by, now: datetime) -> Complaint:
    """Close with the resolution; the borrower's flag clears when nothing else is open."""
    borrower = Borrower.objects.select_for_update().get(pk=complaint.borrower_id)
    complaint = _locked(complaint)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Write down how the complaint was resolved.")})
    complaint.status = CLOSED
    complaint.resolution = resolution
    complaint.closed_at = now
    complaint.full_clean()
    complaint.save(update_fields=["status", "resolution", "closed_at", "updated_at"])
    audit_record(
        actor=by,
        action="complaint.closed",
        obj=complaint,
        data={"on_time": now <= complaint.due_at, "due_at": complaint.due_at.isoformat()},
        at=now,
    )
    if not borrower.complaints.exclude(status=CLOSED).exists():
        _set_flag(borrower=borrower, value=False, complaint=complaint, by=by, now=now)
    return complaint


def _locked(complaint: Complaint) -> Complaint:
    locked = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("borrower")
        .get(pk=complaint.pk)
    )
    if locked.status == CLOSED:
        raise ValidationError(_("This complaint is closed."))
    return locked


def _set_flag(*, borrower: Borrower, value: bool, complaint: Complaint, by, now) -> None:
    if borrower.complaint_open == value:
        return
    borrower.complaint_open = value
    borrower.save(update_fields=["complaint_open", "updated_at"])
    audit_record(
        actor=by,
        action="borrower.flag_set" if value else "borrower.flag_cleared",
        obj=borrower,
        data={
            "flag": "complaint_open",
            "from": not value,
            "to": value,
            "source": "complaint",
            "complaint": str(complaint.public_id),
        },
        at=now,
    )


# Reminders


@dataclass(frozen=True)
class ComplaintReminder:
    """One e-mail sent: to a handler about their complaints, or the digest of complaints
    without a reachable handler to one compliance officer."""

    user_id: int
    email: str
    complaint_ids: tuple[int, ...]
    digest: bool


def complaint_reminders(*, now: datetime) -> list[ComplaintReminder]:
    """E-mail each handler about their open complaints due within two days or overdue; the
    complaints nobody (reachable) handles go to every compliance officer as a digest.

    Idempotent per day: a complaint reminded since the start of today (local time) is left
    out, and one is marked reminded only once an e-mail about it went out.
    """
    local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    today = datetime.combine(local.date(), time(0), local.tzinfo)
    mine: dict = defaultdict(list)
    orphans = []
    for complaint in complaints_to_remind(now=now, since=today):
        handler = complaint.handler
        if handler is not None and handler.is_active and handler.email:
            mine[handler].append(complaint)
        else:
            orphans.append(complaint)
    sent = [_remind(user, items, now, digest=False) for user, items in mine.items()]
    if orphans:
        officers = complaint_handlers().exclude(email="").select_related("staff_profile")
        sent += [_remind(user, orphans, now, digest=True) for user in officers]
    return [reminder for reminder in sent if reminder is not None]


def _remind(user, complaints: list[Complaint], now: datetime, *, digest: bool):
    profile = getattr(user, "staff_profile", None)
    zone = ZoneInfo(profile.timezone if profile else settings.TIME_ZONE)
    base = settings.FIELDVISIT_PUBLIC_URL.rstrip("/")
    rows = [
        {
            "complaint": c,
            "overdue": c.due_at < now,
            "url": base + reverse("compliance:complaint_detail", args=[c.public_id]),
        }
        for c in complaints
    ]
    context = {"user": user, "rows": rows, "digest": digest}
    with translation.override(settings.LANGUAGE_CODE), timezone.override(zone):
        subject = _("%(count)s complaint(s) due soon or overdue") % {"count": len(rows)}
        body = render_to_string("compliance/complaints/reminder_email.txt", context)
    try:
        EmailMessage(subject=subject, body=body, to=[user.email]).send()
    except OSError:  # SMTP errors included: the complaints stay unmarked for the next run
        logger.exception("Complaint reminder to user %s failed", user.pk)
        return None
    ids = tuple(c.pk for c in complaints)
    Complaint.objects.filter(pk__in=ids).update(reminded_at=now)
    return ComplaintReminder(user_id=user.pk, email=user.email, complaint_ids=ids, digest=digest)
