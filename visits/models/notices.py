"""The notice outbox (DESIGN.md §5 step 3) and what borrowers answer through its link.

A Notice row is written in the booking transaction and sent after commit by a Celery task
or the sweeper. Sending is exactly-once towards the gateway: the row is locked and its status
checked before a send, and the gateway gets the row's idempotency key, so a send repeated
after a crash is recognised by the gateway rather than delivered twice.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from collections_app.models.base import TimeStampedModel, public_id_field, status_valid

from .visits import Visit


class NoticeChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")


class NoticeKind(models.TextChoices):
    ADVANCE = "advance", _("Advance notice")
    RESCHEDULED = "rescheduled", _("Visit moved")
    CANCELLED = "cancelled", _("Visit cancelled")
    SUMMARY = "summary", _("After-visit summary")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("notice status", "Pending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    # Not sent because the visit was dropped before the notice went out.
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Notice(TimeStampedModel):
    """One message about a visit to the borrower on one channel (the outbox row)."""

    Channel = NoticeChannel
    Kind = NoticeKind
    Status = NoticeStatus

    public_id = public_id_field()
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.ADVANCE)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    states_purpose = models.BooleanField(_("states the purpose"), default=True)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    # Where it went and what it said, as sent: the proof of notice.
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text as sent"), blank=True)
    # The gateway recognises a repeated send by this key (sms_http: Idempotency-Key header).
    idempotency_key = models.UUIDField(
        _("idempotency key"), default=uuid.uuid4, unique=True, editable=False
    )
    gateway = models.CharField(_("gateway"), max_length=16, blank=True)
    provider_ref = models.CharField(_("gateway reference"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["created_at", "id"]
        constraints = [
            status_valid("channel", NoticeChannel, "notice_channel_valid"),
            status_valid("kind", NoticeKind, "notice_kind_valid"),
            status_valid("status", NoticeStatus, "notice_status_valid"),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(status="delivered"),
                name="notice_delivered_at_only_when_delivered",
            ),
        ]
        indexes = [
            # The sweeper: rows still to send whose next attempt is due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="notice_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.status} for {self.visit_id}"


class ResponseKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledged the visit")
    PROPOSE_TIMES = "propose_times", _("Proposed other times")
    CALL_INSTEAD = "call_instead", _("Asked for a phone call instead")
    DISPUTE = "dispute", _("Disputes the debt")
    HARDSHIP = "hardship", _("Reported financial hardship")


class BorrowerResponse(models.Model):
    """What the borrower answered on the notice's link page (no login)."""

    Kind = ResponseKind

    public_id = public_id_field()
    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="responses"
    )
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="responses"
    )
    kind = models.CharField(_("answer"), max_length=14, choices=Kind)
    message = models.TextField(_("message"), blank=True)
    # Up to three proposed start times, ISO 8601 with offset.
    proposed_times = models.JSONField(_("proposed times"), default=list, blank=True)
    received_at = models.DateTimeField(_("received at"))
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seen by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    seen_at = models.DateTimeField(_("seen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("borrower response")
        verbose_name_plural = _("borrower responses")
        ordering = ["-received_at", "-id"]
        constraints = [status_valid("kind", ResponseKind, "borrowerresponse_kind_valid")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.visit_id}"
