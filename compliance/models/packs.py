"""Rule-pack versions per jurisdiction: drafts, published (immutable) and retired."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collections_app.models.base import TimeStampedModel, optional_link, status_valid
from collections_app.models.borrowers import Jurisdiction


class RulePackStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class RulePackQuerySet(models.QuerySet):
    def active_at(self, jurisdiction: str, moment):
        """The version in force at `moment`: the latest published one already effective."""
        return self.filter(
            jurisdiction=jurisdiction, status=RulePackStatus.PUBLISHED, effective_from__lte=moment
        ).order_by("-effective_from", "-id")


class RulePack(TimeStampedModel):
    Status = RulePackStatus

    jurisdiction = models.CharField(_("jurisdiction"), max_length=2, choices=Jurisdiction)
    version = models.CharField(_("version"), max_length=32, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    effective_from = models.DateTimeField(_("effective from"), null=True, blank=True)
    parameters = models.JSONField(_("parameters"))
    notes = models.TextField(_("notes"), blank=True)
    created_by = optional_link(settings.AUTH_USER_MODEL, _("created by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = RulePackQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule pack version")
        verbose_name_plural = _("rule pack versions")
        ordering = ["jurisdiction", "-effective_from", "-id"]
        constraints = [
            status_valid("status", RulePackStatus, "rulepack_status_valid"),
            status_valid("jurisdiction", Jurisdiction, "rulepack_jurisdiction_valid"),
            # A version in force has a date it took effect from.
            models.CheckConstraint(
                condition=Q(status="draft") | Q(effective_from__isnull=False),
                name="rulepack_published_has_effective_from",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "effective_from"],
                condition=Q(status="published"),
                name="rulepack_one_published_per_moment",
            ),
        ]
        indexes = [
            # RulePack.objects.active_at(): one index scan per check.
            models.Index(
                fields=["jurisdiction", "status", "-effective_from"], name="rulepack_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.get_status_display()})"
