"""Retention (DESIGN.md §7, issue 6 item 8): anonymise borrowers whose cases closed longer ago
than the retention period, and delete their evidence files and locations.

Who: a borrower with at least one case, no open case, the latest closure before the cut-off,
and nothing still live (no open complaint, no unresolved flag); not already anonymised.

What changes, per borrower, in one transaction:
- the borrower: name "已匿名", identifiers, phones, e-mail, employer, date of birth, status
  flags, no-visit windows and places, consents cleared; the customer number (and each loan's
  account number) becomes a keyed hash "ANON-…", so the bank can still confirm from its own
  number that a record existed, while the row names nobody;
- addresses keep province, city and district (coarse, for statistics) but lose the street,
  postal code and coordinates; contact persons lose name, phone and ID; sensitive dates are
  deleted; call notes cleared;
- visits lose their coordinates and agreed-place text; check-in/out positions are deleted
  (problem "purged"; the distance stays, as in the audit trail); evidence files are deleted
  from storage while the rows keep kind, size, time and SHA-256 (the audit trail names the
  same hash); EXIF coordinates cleared; facts snapshots of checks lose their locations;
- notices lose recipient, subject and text; borrower answers, vulnerability notes, complaint
  texts are redacted; evidence-pack ZIPs about the borrower are deleted (job marked purged).

Kept: cases, loans and payments (amounts, dates), visits' times and outcomes, reports'
checklists and notes, checks' decisions and findings, flags and complaints' handling, and
the audit chain, which gets one `retention.purged` event per borrower (counts only) appended:
the chain is never rewritten, so `verify_audit` keeps passing.

Files are deleted inside the borrower's transaction, after the rows are changed: if the commit
then fails, the next run finds the borrower again and deleting a missing file is a no-op, so
no personal file is ever left behind by a half-done purge.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from collections_app.models import (
    Address,
    Borrower,
    CallRecord,
    ContactPerson,
    Loan,
    SensitiveDate,
)
from compliance.models import Complaint, ComplianceCheck, EvidencePackJob
from compliance.services.audit import audit_record
from visits.models import BorrowerResponse, Evidence, Notice, Visit, VisitPresence, VisitReport

ANONYMISED = "已匿名"
ANON_PREFIX = "ANON-"
PURGED = VisitPresence.Problem.PURGED
LIVE_COMPLAINT = ("open", "in_progress")
LIVE_FLAG = ("open", "investigating")


@dataclass(frozen=True)
class BorrowerPurge:
    public_id: str
    customer_number: str  # as it was before the purge (for the dry run's listing)
    last_closed_on: date
    counts: dict[str, int]


@dataclass
class PurgeResult:
    cutoff: date
    dry_run: bool
    borrowers: list[BorrowerPurge] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        totals = {"borrowers": len(self.borrowers)}
        for purge in self.borrowers:
            for name, count in purge.counts.items():
                totals[name] = totals.get(name, 0) + count
        return totals


def retention_cutoff(*, now: datetime, years: int) -> date:
    """Cases closed before this local date are past the retention period."""
    today = timezone.localdate(now)
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def retention_candidates(*, cutoff: date) -> QuerySet[Borrower]:
    return (
        Borrower.objects.exclude(customer_number__startswith=ANON_PREFIX)
        .filter(cases__isnull=False)
        .exclude(cases__status="open")
        .exclude(complaints__status__in=LIVE_COMPLAINT)
        .exclude(compliance_flags__status__in=LIVE_FLAG)
        .annotate(last_closed_on=Max("cases__closed_on"))
        .filter(last_closed_on__lt=cutoff)
        .order_by("pk")
    )


def retention_purge(*, now: datetime, years: int, dry_run: bool) -> PurgeResult:
    """Anonymise every borrower past the retention period (or, dry, count what would go)."""
    if not isinstance(years, int) or years < 1:
        raise ValidationError(
            {"years": _("The retention period is a whole number of years, at least 1.")}
        )
    cutoff = retention_cutoff(now=now, years=years)
    result = PurgeResult(cutoff=cutoff, dry_run=dry_run)
    for borrower_id in list(retention_candidates(cutoff=cutoff).values_list("pk", flat=True)):
        purge = borrower_purge(borrower_id=borrower_id, cutoff=cutoff, now=now, dry_run=dry_run)
        if purge is not None:
            result.borrowers.append(purge)
    return result


def borrower_purge(
    *, borrower_id: int, cutoff: date, now: datetime, dry_run: bool
) -> BorrowerPurge | None:
    """Anonymise one borrower; None when it no longer qualifies (a case opened meanwhile)."""
    with transaction.atomic():
        if not dry_run:
            # Serialises with bookings and reports, which lock the borrower too.
            Borrower.objects.select_for_update().filter(pk=borrower_id).first()
        borrower = retention_candidates(cutoff=cutoff).filter(pk=borrower_id).first()
        if borrower is None:
            return None
        purge = BorrowerPurge(
            public_id=str(borrower.public_id),
            customer_number=borrower.customer_number,
            last_closed_on=borrower.last_closed_on,
            counts=_purge(borrower, dry_run),
        )
        if not dry_run:
            audit_record(
                actor=None,
                action="retention.purged",
                obj=borrower,
                data={**purge.counts, "closed_before": cutoff.isoformat()},
                at=now,
            )
    return purge


def anonymised_key(value: str, *, purpose: str) -> str:
    """A stable stand-in for a bank number: the bank can recompute it from its own records
    (the key is the server's SECRET_KEY), the stored value alone names nobody."""
    digest = salted_hmac(f"fieldvisit.retention.{purpose}", value, algorithm="sha256")
    return ANON_PREFIX + digest.hexdigest()[:24]


def _purge(borrower: Borrower, dry_run: bool) -> dict[str, int]:
    visits = Visit.objects.filter(borrower=borrower)
    on_visits = Q(visit__borrower=borrower)

    def apply(queryset: QuerySet, **changes) -> int:
        return queryset.count() if dry_run else queryset.update(**changes)

    counts = {
        "addresses": apply(
            Address.objects.filter(borrower=borrower),
            street=ANONYMISED,
            postal_code="",
            lat=None,
            lng=None,
        ),
        "contact_persons": apply(
            ContactPerson.objects.filter(borrower=borrower),
            name=ANONYMISED,
            mobile="",
            national_id="",
        ),
        "sensitive_dates": _delete(SensitiveDate.objects.filter(borrower=borrower), dry_run),
        "call_notes": apply(CallRecord.objects.filter(borrower=borrower).exclude(note=""), note=""),
        "loans": _rekey_loans(borrower, dry_run),
        "visit_places": _clear_visit_places(visits, dry_run),
        "positions": apply(
            VisitPresence.objects.filter(on_visits, lat__isnull=False),
            lat=None,
            lng=None,
            accuracy_m=None,
            problem=PURGED,
        ),
        "evidence_files": _delete_evidence_files(borrower, dry_run),
        "notices": apply(
            Notice.objects.filter(on_visits),
            recipient=ANONYMISED,
            subject="",
            body=ANONYMISED,
            next_attempt_at=None,
        ),
        "responses": apply(
            BorrowerResponse.objects.filter(on_visits).exclude(message=""), message=ANONYMISED
        ),
        "report_texts": _redact_reports(borrower, dry_run),
        "complaints": apply(Complaint.objects.filter(borrower=borrower), description=ANONYMISED),
        "check_snapshots": _strip_check_locations(borrower, dry_run),
        "evidence_packs": _delete_packs(borrower, dry_run),
    }
    if not dry_run:
        _anonymise_borrower(borrower)
    return counts


def _anonymise_borrower(borrower: Borrower) -> None:
    Borrower.objects.filter(pk=borrower.pk).update(
        customer_number=anonymised_key(borrower.customer_number, purpose="customer"),
        name=ANONYMISED,
        national_id="",
        gender=Borrower.Gender.UNKNOWN,
        date_of_birth=None,
        mobile="",
        alt_phone="",
        email="",
        employer="",
        occupation="",
        represented=False,
        representative_contact="",
        vulnerable=False,
        disputed=False,
        cease_contact=False,
        deceased=False,
        complaint_open=False,
        hardship=False,
        no_visit_windows=[],
        no_visit_locations=[],
        consents=[],
    )


def _rekey_loans(borrower: Borrower, dry_run: bool) -> int:
    loans = list(Loan.objects.filter(borrower=borrower).values_list("pk", "account_number"))
    if not dry_run:
        for pk, number in loans:
            key = anonymised_key(number, purpose="account")
            Loan.objects.filter(pk=pk).update(account_number=key)
    return len(loans)


def _delete(queryset: QuerySet, dry_run: bool) -> int:
    return queryset.count() if dry_run else queryset.delete()[0]


def _clear_visit_places(visits: QuerySet[Visit], dry_run: bool) -> int:
    placed = visits.filter(~Q(place_description="") | Q(lat__isnull=False))
    if dry_run:
        return placed.count()
    count = placed.update(lat=None, lng=None)
    visits.exclude(place_description="").update(place_description=ANONYMISED)
    return count


def _delete_evidence_files(borrower: Borrower, dry_run: bool) -> int:
    """Delete the files; the rows keep kind, size, times and SHA-256 (the audit names it)."""
    evidence = Evidence.objects.filter(visit__borrower=borrower)
    names = [name for name in evidence.values_list("file", flat=True) if name]
    if not dry_run:
        evidence.update(taken_lat=None, taken_lng=None)
        for name in names:
            default_storage.delete(name)  # a file already gone is fine
    return len(names)


def _redact_reports(borrower: Borrower, dry_run: bool) -> int:
    """Vulnerability notes and complaint texts are about the borrower; the notes on conduct
    and the checklist stay, they are the record of what the collectors did."""
    reports = VisitReport.objects.filter(visit__borrower=borrower)
    with_note = reports.exclude(vulnerability_note="")
    with_complaint = reports.exclude(complaint_text="")
    if dry_run:
        return reports.filter(~Q(vulnerability_note="") | ~Q(complaint_text="")).count()
    return with_note.update(vulnerability_note=ANONYMISED) + with_complaint.update(
        complaint_text=ANONYMISED
    )


def _strip_check_locations(borrower: Borrower, dry_run: bool) -> int:
    changed = 0
    for pk, facts in ComplianceCheck.objects.filter(borrower=borrower).values_list("pk", "facts"):
        stripped = _without_locations(facts)
        if stripped != facts:
            changed += 1
            if not dry_run:
                ComplianceCheck.objects.filter(pk=pk).update(facts=stripped)
    return changed


def _without_locations(value):
    """The facts snapshot with every `*_location` (address, check-in, EXIF) set to null."""
    if isinstance(value, dict):
        return {
            key: None if key.endswith("_location") else _without_locations(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_locations(item) for item in value]
    return value


def _delete_packs(borrower: Borrower, dry_run: bool) -> int:
    packs = EvidencePackJob.objects.filter(
        Q(case__borrower=borrower) | Q(visit__borrower=borrower)
    ).exclude(file="")
    names = list(packs.values_list("file", flat=True))
    if not dry_run:
        packs.update(file="", status=EvidencePackJob.Status.PURGED)
        for name in names:
            default_storage.delete(name)
    return len(names)
