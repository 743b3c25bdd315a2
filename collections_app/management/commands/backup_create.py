"""`backup_create DIR`: dump the database, archive the media, write the manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from collections_app.services.backup import backup_create


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Write a backup into DIR: the database (pg_dump), the media files and a manifest "
            "with every table's row count and the audit chain's head hash, all read in one "
            "snapshot (docs/operations.md)."
        )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--media-root", type=Path, help=_("default: DJANGO_MEDIA_ROOT"))

    def handle(self, *args, directory: Path, media_root: Path | None, **options) -> None:
        manifest = backup_create(directory=directory, now=timezone.now(), media_root=media_root)
        head = manifest.audit_head
        self.stdout.write(
            _(
                "Backup written to %(dir)s: %(tables)d tables, %(rows)d rows; audit head "
                "#%(id)s %(hash)s (%(count)d events)."
            )
            % {
                "dir": directory,
                "tables": len(manifest.row_counts),
                "rows": sum(manifest.row_counts.values()),
                "id": head["id"],
                "hash": head["hash"],
                "count": head["count"],
            }
        )
