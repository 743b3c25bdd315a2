"""Evidence packs: a ZIP about one case or one visit, built in the background (issue 6).

The row tracks the job (queued → running → done | failed) and, once done, the stored ZIP
with its SHA-256. The file is served only through the officer-checked download view. When
the retention command anonymises the borrower, the ZIP is deleted and the job marked purged.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collections_app.models.base import optional_link, public_id_field, status_valid


class EvidencePackStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    PURGED = "purged", _("Deleted (retention period over)")


class EvidencePackJob(models.Model):
    Status = EvidencePackStatus

    public_id = public_id_field()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = optional_link("collections_app.Case", _("case"), "evidence_packs")
    visit = optional_link("visits.Visit", _("visit"), "evidence_packs")
    # The language the timeline is written in: the requester's at the time of the request.
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(_("status"), max_length=7, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="evidence_packs/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence pack")
        verbose_name_plural = _("evidence packs")
        ordering = ["-created_at", "-id"]
        constraints = [
            status_valid("status", EvidencePackStatus, "evidencepackjob_status_valid"),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100),
                name="evidencepackjob_progress_range",
            ),
            # A pack is about exactly one case or one visit.
            models.CheckConstraint(
                condition=Q(case__isnull=False, visit__isnull=True)
                | Q(case__isnull=True, visit__isnull=False),
                name="evidencepackjob_one_subject",
            ),
            # Ready means a stored file with its hash.
            models.CheckConstraint(
                condition=~Q(status="done") | (~Q(file="") & ~Q(sha256="") & Q(progress=100)),
                name="evidencepackjob_done_has_file",
            ),
        ]
        indexes = [
            # The evidence-pack list, newest first.
            models.Index(fields=["-created_at"], name="evidencepack_recent"),
        ]

    def __str__(self) -> str:
        return f"evidence pack {self.public_id} {self.status}"

    @property
    def is_pending(self) -> bool:
        return self.status in (EvidencePackStatus.QUEUED, EvidencePackStatus.RUNNING)
