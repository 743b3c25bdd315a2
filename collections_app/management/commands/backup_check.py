"""`backup_check DIR`: compare the database in use (a restore) with a backup's manifest;
exit 1 listing every difference."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from collections_app.services.backup import Manifest, backup_check

DIFFERENT = 1


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Check a restored database against the backup in DIR: the row count of every "
            "table, the audit chain (intact, same head hash) and, with --media-root, every "
            "evidence file against its SHA-256. Exit code 1 when anything differs."
        )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--media-root", type=Path, help=_("the restored media directory to check")
        )

    def handle(self, *args, directory: Path, media_root: Path | None, **options) -> None:
        problems = backup_check(directory=directory, media_root=media_root)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            sys.exit(DIFFERENT)
        manifest = Manifest.read(directory)
        self.stdout.write(
            _("Restore matches the backup of %(at)s: %(tables)d tables, audit head %(hash)s.")
            % {
                "at": manifest.created_at,
                "tables": len(manifest.row_counts),
                "hash": manifest.audit_head["hash"],
            }
        )
