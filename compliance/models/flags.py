"""Flags for compliance officers: raised by a failing post-visit finding or by hand."""

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

from .checks import FindingSeverity


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")


class FlagDisposition(models.TextChoices):
    CONFIRMED_BREACH = "confirmed_breach", _("Confirmed breach")
    NO_BREACH = "no_breach", _("No breach")
    FALSE_POSITIVE = "false_positive", _("False positive")


class Flag(TimeStampedModel):
    Status = FlagStatus
    Disposition = FlagDisposition

    public_id = public_id_field()
    borrower = models.ForeignKey(
        "collections_app.Borrower",
        verbose_name=_("borrower"),
        on_delete=models.PROTECT,
        related_name="compliance_flags",
    )
    case = optional_link("collections_app.Case", _("case"), "compliance_flags")
    visit = optional_link("visits.Visit", _("visit"), "flags")
    finding = optional_link("compliance.Finding", _("finding"), "flags")
    rule = models.CharField(_("rule"), max_length=40)
    severity = models.CharField(_("severity"), max_length=6, choices=FindingSeverity)
    summary = models.TextField(_("summary"))
    status = models.CharField(_("status"), max_length=13, choices=Status, default=Status.OPEN)
    raised_by = optional_link(settings.AUTH_USER_MODEL, _("raised by"))
    assigned_to = optional_link(settings.AUTH_USER_MODEL, _("assigned to"), "assigned_flags")
    disposition = models.CharField(_("disposition"), max_length=16, choices=Disposition, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-created_at", "-id"]
        constraints = [
            status_valid("status", FlagStatus, "flag_status_valid"),
            status_valid("severity", FindingSeverity, "flag_severity_valid"),
            models.CheckConstraint(
                condition=Q(disposition="") | Q(disposition__in=FlagDisposition.values),
                name="flag_disposition_valid",
            ),
            # Resolved exactly when it has a disposition and a time.
            models.CheckConstraint(
                condition=(Q(status="resolved", resolved_at__isnull=False) & ~Q(disposition=""))
                | (~Q(status="resolved") & Q(resolved_at__isnull=True, disposition="")),
                name="flag_resolved_has_disposition",
            ),
        ]
        indexes = [
            # The flag queue: open flags, oldest first.
            models.Index(fields=["status", "created_at"], name="flag_queue"),
            models.Index(fields=["rule", "status"], name="flag_rule_status"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.status}"
