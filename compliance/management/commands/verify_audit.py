"""`verify_audit`: recompute the audit hash chain; exit 1 naming the first broken row."""

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from compliance.models import AuditEvent
from compliance.services.audit import audit_verify

BROKEN = 1


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Recompute the audit log's SHA-256 hash chain in id order. Exit code 0 when it is "
            "intact, 1 when a row was changed, deleted or reordered (the first broken row is "
            "named on standard error)."
        )

    def handle(self, *args, **options) -> None:
        result = audit_verify()
        if result.ok:
            self.stdout.write(
                _("Audit chain intact: %(count)d events.") % {"count": result.checked}
            )
            return
        event = AuditEvent.objects.get(pk=result.first_broken_id)
        self.stderr.write(
            _("Audit chain broken at event #%(id)d (%(action)s %(object)s): %(reason)s.")
            % {
                "id": event.pk,
                "action": event.action,
                "object": f"{event.object_type}:{event.object_id}",
                "reason": result.reason,
            }
        )
        sys.exit(BROKEN)
