"""PiiAccess logs every reveal of masked personal data (DESIGN.md §7)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PiiAccessField(models.TextChoices):
    NAME = "name", _("Name")
    NATIONAL_ID = "national_id", _("National ID")
    MOBILE = "mobile", _("Mobile")
    ALT_PHONE = "alt_phone", _("Other phone")
    ACCOUNT_NUMBER = "account_number", _("Account number")


class PiiAccess(models.Model):
    Field = PiiAccessField

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="pii_accesses",
    )
    borrower = models.ForeignKey(
        "collections_app.Borrower",
        verbose_name=_("borrower"),
        on_delete=models.PROTECT,
        related_name="pii_accesses",
    )
    field = models.CharField(_("field"), max_length=20, choices=Field)
    reason = models.CharField(_("reason"), max_length=300)
    accessed_at = models.DateTimeField(_("accessed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-accessed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(field__in=PiiAccessField.values),
                name="piiaccess_field_valid",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="piiaccess_reason_required"),
        ]
        indexes = [models.Index(fields=["borrower", "-accessed_at"], name="piiaccess_borrower")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.field} {self.borrower_id} {self.accessed_at:%Y-%m-%d %H:%M}"
