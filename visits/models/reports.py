"""At the door and afterwards (DESIGN.md §5 steps 4–6): where the collectors were, the report,
its evidence and the supervisor's reviews."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collections_app.models.base import (
    TimeStampedModel,
    money_field,
    non_negative,
    optional_link,
    public_id_field,
    status_valid,
)
from compliance.models.complaints import ComplaintCategory

from .visits import Visit


class PresenceKind(models.TextChoices):
    CHECK_IN = "check_in", _("Check-in")
    CHECK_OUT = "check_out", _("Check-out")


class LocationProblem(models.TextChoices):
    """Why the browser gave no position: recorded, never an error."""

    NONE = "", _("Position recorded")
    DENIED = "denied", _("Location permission denied")
    UNAVAILABLE = "unavailable", _("Position unavailable")
    TIMEOUT = "timeout", _("Position timed out")
    UNSUPPORTED = "unsupported", _("Browser without location")
    # Deleted after the retention period (compliance.services.retention).
    PURGED = "purged", _("Position deleted (retention period over)")


class VisitPresence(models.Model):
    """Check-in or check-out: server time and, when the browser gave it, the position.

    Location is collected only here, during a visit (DESIGN.md §7), never all day.
    """

    Kind = PresenceKind
    Problem = LocationProblem

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="presences"
    )
    kind = models.CharField(_("kind"), max_length=9, choices=Kind)
    at = models.DateTimeField(_("server time"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    # Straight-line metres to the visit's address or agreed place, when both are known.
    distance_m = models.PositiveIntegerField(
        _("distance to the address (m)"), null=True, blank=True
    )
    problem = models.CharField(
        _("location problem"), max_length=11, choices=Problem, blank=True, default=""
    )

    class Meta:
        verbose_name = _("check-in or check-out")
        verbose_name_plural = _("check-ins and check-outs")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "kind"], name="visitpresence_once_per_kind"),
            status_valid("kind", PresenceKind, "visitpresence_kind_valid"),
            status_valid("problem", LocationProblem, "visitpresence_problem_valid"),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True) & ~Q(problem=""))
                | (Q(lat__isnull=False) & Q(lng__isnull=False) & Q(problem="")),
                name="visitpresence_position_or_problem",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M} for {self.visit_id}"


class Outcome(models.TextChoices):
    PAID = "paid", _("Paid")
    PROMISE_TO_PAY = "promise_to_pay", _("Promise to pay")
    PLAN_AGREED = "plan_agreed", _("Repayment plan agreed")
    REFUSED = "refused", _("Refused to pay")
    NOT_HOME = "not_home", _("Not at home")
    MOVED = "moved", _("Moved away")
    DISPUTE_RAISED = "dispute_raised", _("Dispute raised")
    HARDSHIP = "hardship", _("Hardship")
    THIRD_PARTY_ONLY = "third_party_only", _("Only a third party met")


class VisitReport(TimeStampedModel):
    """What happened: outcome, who was there, the conduct checklist, notes, and what was
    agreed. A draft until submitted; submitted reports change only after a return."""

    Outcome = Outcome

    visit = models.OneToOneField(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="report"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome, blank=True)
    present = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collectors present"),
        related_name="+",
        blank=True,
    )
    # The conduct checklist of DESIGN.md §6.2 (`report.checklist`).
    id_shown = models.BooleanField(_("work ID shown"), default=False)
    institution_named = models.BooleanField(_("bank named"), default=False)
    purpose_stated = models.BooleanField(_("purpose stated"), default=False)
    entered_premises = models.BooleanField(_("entered the premises"), default=False)
    consent_to_enter = models.BooleanField(_("consent to enter"), null=True, blank=True)
    left_when_asked = models.BooleanField(_("left when asked"), null=True, blank=True)
    threats_or_insults = models.BooleanField(_("threats or insults"), default=False)
    impersonated_authority = models.BooleanField(
        _("impersonated police, court or lawyer"), default=False
    )
    disclosed_to_third_party = models.BooleanField(
        _("debt disclosed to a third party"), default=False
    )
    cash_collected = models.BooleanField(_("cash collected"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    # Money taken through an official channel (never cash in hand): its receipt.
    amount_paid = money_field(_("amount paid"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=64, blank=True)
    vulnerability_observed = models.BooleanField(_("vulnerability observed"), default=False)
    vulnerability_note = models.CharField(_("what was observed"), max_length=500, blank=True)
    # What was agreed, as typed (drafts keep it); the ledger records are made on submission.
    promise_amount = money_field(_("promised amount"), null=True, blank=True)
    promise_due_on = models.DateField(_("promised by"), null=True, blank=True)
    # [{"due_on": "YYYY-MM-DD", "amount": "123.45"}, …], generated then edited.
    plan_installments = models.JSONField(_("plan instalments"), default=list, blank=True)
    complaint_category = models.CharField(
        _("complaint category"), max_length=8, blank=True, choices=ComplaintCategory
    )
    complaint_text = models.TextField(_("what the borrower complained about"), blank=True)
    promise = optional_link("collections_app.PromiseToPay", _("promise to pay"), "visit_reports")
    plan = optional_link("collections_app.RepaymentPlan", _("repayment plan"), "visit_reports")
    complaint = optional_link("compliance.Complaint", _("complaint"), "visit_reports")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = optional_link(settings.AUTH_USER_MODEL, _("submitted by"))

    class Meta:
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=Outcome.values),
                name="visitreport_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__isnull=True) | Q(amount_paid__gt=0),
                name="visitreport_amount_paid_positive",
            ),
            models.CheckConstraint(
                condition=Q(promise_amount__isnull=True) | Q(promise_amount__gt=0),
                name="visitreport_promise_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.outcome or '-'} for {self.visit_id}"

    @property
    def checklist(self) -> dict:
        return {name: getattr(self, name) for name in CHECKLIST_FIELDS}


CHECKLIST_FIELDS = (
    "id_shown",
    "institution_named",
    "purpose_stated",
    "entered_premises",
    "consent_to_enter",
    "left_when_asked",
    "threats_or_insults",
    "impersonated_authority",
    "disclosed_to_third_party",
    "cash_collected",
)


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class ReportReview(models.Model):
    """One supervisor decision on a submitted report; a returned report gets another later."""

    Decision = ReviewDecision

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("reviewed at"))

    class Meta:
        verbose_name = _("report review")
        verbose_name_plural = _("report reviews")
        ordering = ["at", "id"]
        constraints = [
            status_valid("decision", ReviewDecision, "reportreview_decision_valid"),
            # A return must say what to fix.
            models.CheckConstraint(
                condition=Q(decision="approved") | ~Q(comment=""),
                name="reportreview_return_has_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.visit_id}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    AUDIO = "audio", _("Audio recording")


class Evidence(models.Model):
    """A photo or recording from a visit, kept with its SHA-256 and when it arrived."""

    Kind = EvidenceKind

    public_id = public_id_field()
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    received_at = models.DateTimeField(_("received at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # From the photo's EXIF, when present.
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    taken_lat = models.DecimalField(
        _("latitude (EXIF)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    taken_lng = models.DecimalField(
        _("longitude (EXIF)"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["received_at", "id"]
        constraints = [
            status_valid("kind", EvidenceKind, "evidence_kind_valid"),
            non_negative("size", "evidence_size_non_negative"),
            # The same file twice on one visit is a mistake; on two visits, a finding.
            models.UniqueConstraint(fields=["visit", "sha256"], name="evidence_once_per_visit"),
        ]
        indexes = [
            # EVIDENCE_REUSED: the same file on another visit.
            models.Index(fields=["sha256"], name="evidence_sha256"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]} for {self.visit_id}"
