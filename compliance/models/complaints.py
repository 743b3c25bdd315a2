"""Complaints from borrowers (DESIGN.md §1, compliance): the register with its statutory clock.

`due_at` is the deadline in force (moved by each extension); the pack version that set it is
kept, so an extension follows the same pack. compliance/services/complaints.py changes them.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from collections_app.models.base import (
    TimeStampedModel,
    optional_link,
    public_id_field,
    status_valid,
)


class ComplaintChannel(models.TextChoices):
    VISIT = "visit", _("During a visit")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    BRANCH = "branch", _("Branch")
    REGULATOR = "regulator", _("Via the regulator")
    NOTICE_LINK = "notice_link", _("Notice link")


class ComplaintCategory(models.TextChoices):
    CONDUCT = "conduct", _("Collector conduct")
    CONTACT = "contact", _("Contact time or frequency")
    PRIVACY = "privacy", _("Privacy or disclosure")
    DEBT = "debt", _("Amount or existence of the debt")
    FEES = "fees", _("Fees or charges")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class Complaint(TimeStampedModel):
    Channel = ComplaintChannel
    Category = ComplaintCategory
    Status = ComplaintStatus

    public_id = public_id_field()
    borrower = models.ForeignKey(
        "collections_app.Borrower",
        verbose_name=_("borrower"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    case = optional_link("collections_app.Case", _("case"), "complaints")
    visit = optional_link("visits.Visit", _("visit"), "complaints")
    channel = models.CharField(_("channel"), max_length=12, choices=Channel)
    category = models.CharField(_("category"), max_length=8, choices=Category)
    received_at = models.DateTimeField(_("received at"))
    description = models.TextField(_("what the borrower says"))
    recorded_by = optional_link(settings.AUTH_USER_MODEL, _("recorded by"))
    handler = optional_link(settings.AUTH_USER_MODEL, _("handler"), "handled_complaints")
    status = models.CharField(_("status"), max_length=11, choices=Status, default=Status.OPEN)
    resolution = models.TextField(_("resolution"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    pack_version = models.CharField(_("rule pack version"), max_length=32)
    due_at = models.DateTimeField(_("response due"))
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        constraints = [
            status_valid("channel", ComplaintChannel, "complaint_channel_valid"),
            status_valid("category", ComplaintCategory, "complaint_category_valid"),
            status_valid("status", ComplaintStatus, "complaint_status_valid"),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="complaint_closed_at_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("received_at")), name="complaint_due_after_received"
            ),
        ]
        indexes = [
            # The register's due-soon and overdue views and the daily reminders.
            models.Index(
                fields=["due_at"], condition=~Q(status="closed"), name="complaint_open_due"
            )
        ]

    def __str__(self) -> str:
        return f"complaint {self.category} {self.status}"


class ComplaintExtension(models.Model):
    """One extension of a complaint's deadline, with its recorded reason (CN: 15 → 30 → 60)."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="extensions",
    )
    number = models.PositiveSmallIntegerField(_("extension number"))
    days = models.PositiveSmallIntegerField(_("days added"))
    due_before = models.DateTimeField(_("due before"))
    due_at = models.DateTimeField(_("due after"))
    reason = models.TextField(_("reason"))
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("extended by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    extended_at = models.DateTimeField(_("extended at"))

    class Meta:
        verbose_name = _("complaint extension")
        verbose_name_plural = _("complaint extensions")
        ordering = ["complaint", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "number"], name="complaint_extension_once"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="complaint_extension_number"),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("due_before")), name="complaint_extension_later"
            ),
        ]

    def __str__(self) -> str:
        return f"complaint extension {self.number} (+{self.days} days)"
