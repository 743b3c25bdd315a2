"""The append-only audit log with a SHA-256 hash chain (DESIGN.md §7).

Each row stores hash = SHA-256(previous row's hash + canonical JSON of this event). Rows are
never updated or deleted (a PostgreSQL trigger refuses it); `verify_audit` recomputes the chain.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    # Actor kept as id + label, not a foreign key: nothing may ever cascade into this table.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    data = models.JSONField(_("data"), default=dict)
    at = models.DateTimeField(_("at"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        indexes = [
            # Object history on the audit page.
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object_history"),
            models.Index(fields=["actor_id", "at"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"
