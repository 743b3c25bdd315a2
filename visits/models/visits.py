"""Field visits: the plan and who goes (DESIGN.md §5).

Status changes only through visits.services (each writes an AuditEvent); check-in/out and
reports build on these.
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
from collections_app.models.borrowers import LocationType


class VisitStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    BOOKED = "booked", _("Booked")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTED = "reported", _("Reported")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")
    RESCHEDULED = "rescheduled", _("Rescheduled")


# How a visit counts in the rules' history (DESIGN.md §6.2: booked, completed, cancelled).
# A draft was never booked and is not history at all.
HISTORY_STATUS = {
    VisitStatus.PENDING_APPROVAL: "booked",
    VisitStatus.BOOKED: "booked",
    VisitStatus.IN_PROGRESS: "booked",
    VisitStatus.REPORTED: "completed",
    VisitStatus.APPROVED: "completed",
    VisitStatus.RETURNED: "completed",
    VisitStatus.CANCELLED: "cancelled",
    VisitStatus.RESCHEDULED: "cancelled",
}
COUNTING = [status for status, seen in HISTORY_STATUS.items() if seen != "cancelled"]
# Planned and not yet started: the visit can still be cancelled or rescheduled.
OPEN_STATUSES = (VisitStatus.PENDING_APPROVAL, VisitStatus.BOOKED)


class VisitTarget(models.TextChoices):
    BORROWER = "borrower", _("Borrower")
    GUARANTOR = "guarantor", _("Guarantor")
    THIRD_PARTY = "third_party", _("Third party")


class VisitQuerySet(models.QuerySet):
    def counting(self):
        """Visits that count for frequency caps and busy times: planned or done, not dropped."""
        return self.filter(status__in=COUNTING)


class Visit(TimeStampedModel):
    Status = VisitStatus
    Target = VisitTarget

    public_id = public_id_field()
    case = models.ForeignKey(
        "collections_app.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    borrower = models.ForeignKey(
        "collections_app.Borrower",
        verbose_name=_("borrower"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    planned_start = models.DateTimeField(_("planned start"))
    planned_end = models.DateTimeField(_("planned end"))
    location_type = models.CharField(_("location type"), max_length=16, choices=LocationType)
    address = optional_link("collections_app.Address", _("address"), "visits")
    place_description = models.CharField(_("agreed place"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    target = models.CharField(_("target"), max_length=12, choices=Target, default=Target.BORROWER)
    locate_only = models.BooleanField(_("locate only"), default=False)
    purpose = models.TextField(_("purpose"))
    recorder = models.BooleanField(_("recording device"), default=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="VisitMember",
        verbose_name=_("collectors"),
        related_name="visits",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A reschedule drops this visit (status `rescheduled`) and books a new one pointing back.
    rescheduled_from = models.OneToOneField(
        "self",
        verbose_name=_("rescheduled from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rescheduled_to",
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["planned_start", "id"]
        constraints = [
            status_valid("status", VisitStatus, "visit_status_valid"),
            status_valid("location_type", LocationType, "visit_location_type_valid"),
            status_valid("target", VisitTarget, "visit_target_valid"),
            models.CheckConstraint(
                condition=Q(planned_end__gt=F("planned_start")), name="visit_end_after_start"
            ),
        ]
        indexes = [
            # Facts adapter: a borrower's visits around a date (frequency caps).
            models.Index(fields=["borrower", "planned_start"], name="visit_borrower_start"),
            # Agenda and team calendar: visits in a period by status.
            models.Index(fields=["planned_start", "status"], name="visit_start_status"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.planned_start:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_open(self) -> bool:
        """Still ahead of the collector: can be cancelled or rescheduled."""
        return self.status in OPEN_STATUSES


class VisitMember(models.Model):
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="memberships"
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector"),
        on_delete=models.PROTECT,
        related_name="visit_memberships",
    )

    class Meta:
        verbose_name = _("visit member")
        verbose_name_plural = _("visit members")
        constraints = [
            models.UniqueConstraint(fields=["visit", "collector"], name="visitmember_unique"),
        ]
        indexes = [
            # Facts adapter: a collector's other visits (busy times).
            models.Index(fields=["collector", "visit"], name="visitmember_collector"),
        ]

    def __str__(self) -> str:
        return f"{self.collector_id} @ {self.visit_id}"
