"""`import_credentials FILE [--dry-run] [--by USERNAME]`: the registry's CSV upload.

The same service as the upload page; errors end it with exit code 1 and one line.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.services.credentials import CSV_COLUMNS, credential_import

# Errors named on the one line; the rest are counted.
SHOWN_ERRORS = 5


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Add collectors' credentials from a CSV file (columns: %(columns)s). Every row "
            "is checked first; any error adds nothing and exits 1. Rows identical to a "
            "credential on record are skipped."
        ) % {"columns": ",".join(CSV_COLUMNS)}

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help=_("The CSV file (UTF-8, with or without BOM)."))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check every row, add nothing.")
        )
        parser.add_argument(
            "--by", help=_("Username recorded as the actor in the audit log (default: system).")
        )

    def handle(self, *args, **options) -> None:
        by = None
        if options["by"]:
            by = get_user_model().objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(_("No user is called %(name)s.") % {"name": options["by"]})
        try:
            with open(options["file"], "rb") as handle:
                content = handle.read()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s")
                % {"file": options["file"], "error": error.strerror}
            ) from None
        result = credential_import(
            content=content, by=by, now=timezone.now(), dry_run=options["dry_run"]
        )
        if not result.ok:
            raise CommandError(_one_line(result))
        self.stdout.write(result.summary())


def _one_line(result) -> str:
    named = [_describe(error) for error in result.errors[:SHOWN_ERRORS]]
    more = len(result.errors) - SHOWN_ERRORS
    if more > 0:
        named.append(_("%(count)d more") % {"count": more})
    # A value may hold a quoted newline; the line stays one line.
    return f"{result.summary()} {'; '.join(named)}".replace("\r", " ").replace("\n", " ")


def _describe(error) -> str:
    where = " ".join(
        part
        for part in (
            _("line %(row)d") % {"row": error.row} if error.row else "",
            error.column,
            repr(error.value) if error.value else "",
        )
        if part
    )
    reason = error.reason.rstrip(".")
    return f"{where}: {reason}" if where else reason
