"""An import started from the upload page: the file, its progress and its outcome."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel, public_id_field, status_valid

IMPORT_KINDS = (
    ("borrowers", _("Borrowers")),
    ("addresses", _("Addresses")),
    ("loans", _("Loans")),
    ("installments", _("Installments")),
    ("repayments", _("Repayments")),
)


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")


class ImportJob(TimeStampedModel):
    Status = ImportJobStatus

    public_id = public_id_field()
    kind = models.CharField(_("kind"), max_length=20, choices=IMPORT_KINDS)
    encoding = models.CharField(_("encoding"), max_length=20, default="utf-8")
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    error_report = models.FileField(_("error report"), upload_to="imports/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            status_valid("status", ImportJobStatus, "importjob_status_valid"),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="importjob_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
