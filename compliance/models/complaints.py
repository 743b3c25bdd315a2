"""Complaints from borrowers (DESIGN.md §1, compliance): recorded from a visit report now; the
register with statutory clocks builds on this."""

from django.conf import settings
from django.db import models
from django.db.models import Q
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
        ]

    def __str__(self) -> str:
        return f"complaint {self.category} {self.status}"
