"""Collectors' work IDs, authorization letters, training and other certificates."""

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


class CredentialKind(models.TextChoices):
    WORK_ID = "work_id", _("Work ID")
    AUTHORIZATION = "authorization", _("Authorization letter")
    TRAINING = "training", _("Training certificate")
    CERTIFICATION = "certification", _("Other certification")


class Credential(TimeStampedModel):
    Kind = CredentialKind

    public_id = public_id_field()
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector"),
        on_delete=models.PROTECT,
        related_name="credentials",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    # For certifications: the code the packs ask for, e.g. IIBF.
    code = models.CharField(_("code"), max_length=32, blank=True)
    number = models.CharField(_("document number"), max_length=64, blank=True)
    # An authorization letter may be general (no case) or for one case.
    case = optional_link("collections_app.Case", _("case"), "authorizations")
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["collector", "kind", "-valid_until"]
        constraints = [
            status_valid("kind", CredentialKind, "credential_kind_valid"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="credential_until_after_from"
            ),
            models.CheckConstraint(
                condition=~Q(kind="certification") | ~Q(code=""),
                name="credential_certification_has_code",
            ),
            models.CheckConstraint(
                condition=Q(case__isnull=True) | Q(kind="authorization"),
                name="credential_case_only_for_authorization",
            ),
        ]
        indexes = [
            # Facts adapter: the collectors' credentials valid around a visit date.
            models.Index(fields=["collector", "kind", "valid_until"], name="credential_lookup"),
            # "Expiring within 30 days" view.
            models.Index(fields=["valid_until"], name="credential_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.collector_id} → {self.valid_until}"
