"""Cases (the unit a collector works), their assignment history, promises and plans."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import Bucket, TimeStampedModel, money_field, non_negative, public_id_field, status_valid
from .borrowers import Borrower
from .loans import ZERO
from .staff import Team


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Case.Status.OPEN)

    def assigned_to(self, user):
        return self.filter(assigned_collector=user)

    def in_teams(self, teams):
        return self.filter(team__in=teams)


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CaseOverdueReason(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    UNEMPLOYMENT = "unemployment", _("Unemployment")
    ILLNESS = "illness", _("Illness or injury")
    BUSINESS_FAILURE = "business_failure", _("Business failure")
    INCOME_DROP = "income_drop", _("Reduced income")
    FAMILY_EVENT = "family_event", _("Family event")
    DISPUTE = "dispute", _("Dispute")
    FRAUD_SUSPECTED = "fraud_suspected", _("Fraud suspected")
    WILFUL_DEFAULT = "wilful_default", _("Wilful default")
    OVER_INDEBTED = "over_indebted", _("Over-indebtedness")


class CasePriority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Case(TimeStampedModel):
    Status = CaseStatus

    OverdueReason = CaseOverdueReason

    Priority = CasePriority

    public_id = public_id_field()
    borrower = models.ForeignKey(
        Borrower, verbose_name=_("borrower"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    assigned_collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    overdue_reason = models.CharField(
        _("overdue reason"), max_length=20, choices=OverdueReason, default=OverdueReason.UNKNOWN
    )
    overdue_reason_note = models.TextField(_("overdue reason details"), blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority, default=Priority.NORMAL
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    # Derived from the borrower's loans by the ledger refresh.
    dpd = models.PositiveIntegerField(_("max days past due"), default=0, editable=False)
    bucket = models.CharField(
        _("bucket"), max_length=2, choices=Bucket, default=Bucket.M0, editable=False
    )
    overdue_amount = money_field(_("total overdue"), default=ZERO, editable=False)
    outstanding_amount = money_field(_("total outstanding"), default=ZERO, editable=False)
    # Maintained by visits and contacts (later issues); shown on the worklist.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    next_visit_at = models.DateTimeField(_("next visit"), null=True, blank=True)
    # Written by the repayment-propensity score (scoring app); the worklist's default order.
    repay_probability = models.DecimalField(
        _("repayment probability"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        editable=False,
    )
    expected_recovery = money_field(_("expected recovery"), default=ZERO, editable=False)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-dpd", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["borrower"], condition=Q(status="open"), name="case_one_open_per_borrower"
            ),
            status_valid("status", CaseStatus, "case_status_valid"),
            status_valid("overdue_reason", CaseOverdueReason, "case_overdue_reason_valid"),
            status_valid("priority", CasePriority, "case_priority_valid"),
            status_valid("bucket", Bucket, "case_bucket_valid"),
            non_negative("overdue_amount", "case_overdue_non_negative"),
            non_negative("outstanding_amount", "case_outstanding_non_negative"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="case_closed_after_opened",
            ),
            non_negative("expected_recovery", "case_expected_recovery_non_negative"),
            models.CheckConstraint(
                condition=Q(repay_probability__isnull=True)
                | Q(repay_probability__gte=0, repay_probability__lte=1),
                name="case_repay_probability_range",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True)
                | Q(status="closed", closed_on__isnull=False),
                name="case_closed_on_iff_closed",
            ),
        ]
        indexes = [
            # Collector worklist: my open cases, worst first.
            models.Index(
                fields=["assigned_collector", "status", "-dpd"], name="case_collector_worklist"
            ),
            # Supervisor worklist: the team's open cases, worst first.
            models.Index(fields=["team", "status", "-dpd"], name="case_team_worklist"),
            # Prioritised worklists: highest expected recovery first.
            models.Index(
                fields=["assigned_collector", "status", "-expected_recovery"],
                name="case_collector_priority",
            ),
            models.Index(
                fields=["team", "status", "-expected_recovery"], name="case_team_priority"
            ),
            # Bucket filter across a portfolio.
            models.Index(fields=["status", "bucket"], name="case_status_bucket"),
        ]

    def __str__(self) -> str:
        return f"{_('Case')} {str(self.public_id)[:8]}"

    def get_absolute_url(self) -> str:
        return reverse("collections_app:case_detail", args=[self.public_id])


class CaseAssignment(models.Model):
    """Assignment history: who held the case, from when until when, and why it moved."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="assignments"
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("case assignment")
        verbose_name_plural = _("case assignments")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="caseassignment_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_at__isnull=True),
                name="caseassignment_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.collector_id} {self.started_at:%Y-%m-%d}"


class PromiseToPayStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    KEPT = "kept", _("Kept")
    PARTIAL = "partial", _("Partly kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class PromiseToPay(TimeStampedModel):
    Status = PromiseToPayStatus

    public_id = public_id_field()
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="promises"
    )
    amount = money_field(_("amount"))
    promised_on = models.DateField(_("promised on"))
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    # Repayments received from promised_on through due_on, kept by the ledger refresh.
    paid_amount = money_field(_("paid towards promise"), default=ZERO, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-due_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promisetopay_amount_positive"),
            non_negative("paid_amount", "promisetopay_paid_non_negative"),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("promised_on")), name="promisetopay_due_after_promise"
            ),
            status_valid("status", PromiseToPayStatus, "promisetopay_status_valid"),
        ]
        indexes = [
            # Nightly outcome pass: pending promises by due date.
            models.Index(fields=["status", "due_on"], name="promise_status_due"),
            models.Index(fields=["case", "-due_on"], name="promise_case_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.due_on} ({self.get_status_display()})"


class RepaymentPlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class RepaymentPlan(TimeStampedModel):
    Status = RepaymentPlanStatus

    public_id = public_id_field()
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="plans"
    )
    total_amount = money_field(_("total amount"))
    agreed_on = models.DateField(_("agreed on"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PROPOSED)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("repayment plan")
        verbose_name_plural = _("repayment plans")
        ordering = ["-agreed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_amount__gt=0), name="repaymentplan_total_positive"
            ),
            status_valid("status", RepaymentPlanStatus, "repaymentplan_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.total_amount} ({self.get_status_display()})"


class RepaymentPlanInstallment(models.Model):
    plan = models.ForeignKey(
        RepaymentPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="installments",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_on = models.DateField(_("due date"))
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("plan installment")
        verbose_name_plural = _("plan installments")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"], name="planinstallment_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="planinstallment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.due_on} {self.amount}"
