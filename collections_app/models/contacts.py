"""Phone contacts from the bank's dialer: they count against the daily contact budget."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .borrowers import Borrower


class CallRecord(models.Model):
    borrower = models.ForeignKey(
        Borrower, verbose_name=_("borrower"), on_delete=models.CASCADE, related_name="calls"
    )
    at = models.DateTimeField(_("at"))
    connected = models.BooleanField(_("connected"), default=False)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-at", "-id"]
        indexes = [
            # Facts adapter: calls on a visit day, failed attempts since the last contact.
            models.Index(fields=["borrower", "at"], name="call_borrower_at"),
        ]

    def __str__(self) -> str:
        state = "connected" if self.connected else "no answer"
        return f"{self.borrower_id} {self.at:%Y-%m-%d %H:%M} {state}"
