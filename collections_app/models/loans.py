"""Loans, their installment schedules and repayments; DPD and bucket are derived."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import Bucket, TimeStampedModel, money_field, non_negative, public_id_field, status_valid
from .borrowers import Borrower

ZERO = Decimal("0.00")
HALF_CENT = Decimal("0.005")


class LoanProduct(models.TextChoices):
    CONSUMER = "consumer_loan", _("Consumer loan")
    CREDIT_CARD = "credit_card", _("Credit card")
    MORTGAGE = "mortgage", _("Mortgage")
    BUSINESS = "business", _("Business loan")


class LoanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    WRITTEN_OFF = "written_off", _("Written off")


class Loan(TimeStampedModel):
    Product = LoanProduct

    Status = LoanStatus

    public_id = public_id_field()
    borrower = models.ForeignKey(
        Borrower, verbose_name=_("borrower"), on_delete=models.PROTECT, related_name="loans"
    )
    account_number = models.CharField(_("account number"), max_length=32, unique=True)
    product = models.CharField(_("product"), max_length=20, choices=Product)
    principal = money_field(_("principal"))
    annual_rate = models.DecimalField(_("annual rate (%)"), max_digits=6, decimal_places=3)
    disbursed_on = models.DateField(_("disbursed on"))
    maturity_on = models.DateField(_("maturity"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.ACTIVE)

    # Derived by services.ledger.ledger_refresh; never edited by hand.
    outstanding_amount = money_field(_("outstanding"), default=ZERO, editable=False)
    overdue_amount = money_field(_("overdue"), default=ZERO, editable=False)
    oldest_unpaid_due_on = models.DateField(
        _("oldest unpaid due date"), null=True, blank=True, editable=False
    )
    dpd = models.PositiveIntegerField(_("days past due"), default=0, editable=False)
    bucket = models.CharField(
        _("bucket"), max_length=2, choices=Bucket, default=Bucket.M0, editable=False
    )
    derived_as_of = models.DateField(_("derived as of"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["borrower", "disbursed_on"]
        constraints = [
            non_negative("principal", "loan_principal_non_negative"),
            non_negative("annual_rate", "loan_rate_non_negative"),
            non_negative("outstanding_amount", "loan_outstanding_non_negative"),
            non_negative("overdue_amount", "loan_overdue_non_negative"),
            models.CheckConstraint(
                condition=Q(overdue_amount__lte=F("outstanding_amount")),
                name="loan_overdue_within_outstanding",
            ),
            models.CheckConstraint(
                condition=Q(maturity_on__gt=F("disbursed_on")), name="loan_maturity_after_disbursal"
            ),
            status_valid("product", LoanProduct, "loan_product_valid"),
            status_valid("status", LoanStatus, "loan_status_valid"),
            status_valid("bucket", Bucket, "loan_bucket_valid"),
        ]
        indexes = [
            # Case aggregation and the dossier: a borrower's loans.
            models.Index(fields=["borrower", "status"], name="loan_borrower_status"),
        ]

    def __str__(self) -> str:
        return self.account_number


_DUE_SUM = F("principal_due") + F("interest_due") + F("fee_due")


class Installment(models.Model):
    loan = models.ForeignKey(
        Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="installments"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_on = models.DateField(_("due date"))
    principal_due = money_field(_("principal due"))
    interest_due = money_field(_("interest due"))
    fee_due = money_field(_("fees due"), default=ZERO)
    amount_due = money_field(_("amount due"))
    # Allocated oldest-first from repayments by the ledger refresh.
    paid_amount = money_field(_("paid"), default=ZERO, editable=False)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="installment_unique_number"),
            non_negative("principal_due", "installment_principal_non_negative"),
            non_negative("interest_due", "installment_interest_non_negative"),
            non_negative("fee_due", "installment_fee_non_negative"),
            # Within half a cent, not "=": SQLite keeps decimals as floats, where
            # 833.10 + 41.20 != 874.30. On PostgreSQL (exact numeric) this is equality.
            models.CheckConstraint(
                condition=Q(
                    amount_due__gt=_DUE_SUM - HALF_CENT, amount_due__lt=_DUE_SUM + HALF_CENT
                ),
                name="installment_amount_is_sum",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, paid_amount__lte=F("amount_due")),
                name="installment_paid_within_due",
            ),
        ]
        indexes = [
            # Oldest-first allocation walks each loan's schedule by due date.
            models.Index(fields=["loan", "due_on", "number"], name="installment_loan_due"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} #{self.number}"

    @property
    def unpaid_amount(self) -> Decimal:
        return self.amount_due - self.paid_amount


class RepaymentChannel(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    COUNTER = "counter", _("Branch counter")
    MOBILE_BANKING = "mobile_banking", _("Mobile banking")
    AUTO_DEBIT = "auto_debit", _("Auto debit")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    OTHER = "other", _("Other")


class Repayment(TimeStampedModel):
    Channel = RepaymentChannel

    loan = models.ForeignKey(
        Loan, verbose_name=_("loan"), on_delete=models.PROTECT, related_name="repayments"
    )
    paid_on = models.DateField(_("paid on"))
    amount = money_field(_("amount"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel)
    reference = models.CharField(_("reference"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive"),
            status_valid("channel", RepaymentChannel, "repayment_channel_valid"),
        ]
        indexes = [
            # Allocation sums a loan's repayments up to a date; the dossier lists them newest first.
            models.Index(fields=["loan", "paid_on"], name="repayment_loan_paid_on"),
        ]

    def __str__(self) -> str:
        return self.reference


class BucketChange(models.Model):
    """History: one row each time a loan moves between buckets."""

    loan = models.ForeignKey(
        Loan, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="bucket_changes"
    )
    changed_on = models.DateField(_("changed on"))
    from_bucket = models.CharField(_("from"), max_length=2, choices=Bucket)
    to_bucket = models.CharField(_("to"), max_length=2, choices=Bucket)
    dpd = models.PositiveIntegerField(_("days past due"))

    class Meta:
        verbose_name = _("bucket change")
        verbose_name_plural = _("bucket changes")
        ordering = ["-changed_on", "-id"]
        constraints = [
            status_valid("from_bucket", Bucket, "bucketchange_from_valid"),
            status_valid("to_bucket", Bucket, "bucketchange_to_valid"),
            models.CheckConstraint(
                condition=~Q(from_bucket=F("to_bucket")), name="bucketchange_is_a_change"
            ),
        ]
        indexes = [models.Index(fields=["loan", "changed_on"], name="bucketchange_loan_date")]

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.from_bucket}→{self.to_bucket} {self.changed_on}"
