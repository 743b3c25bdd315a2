"""Override requests: a visit whose check said `review` waits for a supervisor's decision."""

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


class OverrideStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Override(TimeStampedModel):
    Status = OverrideStatus

    public_id = public_id_field()
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        related_name="overrides",
    )
    # The check that asked for review, and the re-check run when a supervisor approved.
    check_run = models.ForeignKey(
        "compliance.ComplianceCheck",
        verbose_name=_("check"),
        on_delete=models.PROTECT,
        related_name="overrides",
    )
    recheck = optional_link("compliance.ComplianceCheck", _("re-check at decision"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="override_requests",
    )
    justification = models.TextField(_("justification"))
    status = models.CharField(_("status"), max_length=9, choices=Status, default=Status.PENDING)
    decided_by = optional_link(settings.AUTH_USER_MODEL, _("decided by"), "override_decisions")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("override request")
        verbose_name_plural = _("override requests")
        ordering = ["created_at", "id"]
        constraints = [
            status_valid("status", OverrideStatus, "override_status_valid"),
            # Four eyes: nobody approves their own request.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="override_not_self_decided",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="override_decided_at_when_decided",
            ),
            # One open request per visit.
            models.UniqueConstraint(
                fields=["visit"], condition=Q(status="pending"), name="override_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"override {self.status} for {self.visit_id}"
