"""`purge_expired [--dry-run] [--years N]`: anonymise borrowers past the retention period.

Prints a one-line summary (and, in a dry run, one line per borrower that would be purged).
A bad option is one readable line on standard error and exit code 2.
"""

import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.services.retention import retention_purge

BAD_OPTION = 2


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Anonymise the borrowers whose cases all closed more than the retention period "
            "ago (FIELDVISIT_RETENTION_YEARS) and delete their evidence files and locations. "
            "The audit chain records each purge."
        )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = self._bad_option  # one line, not argparse's usage dump
        return parser

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("List what would be purged and change nothing."),
        )
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help=_("Retention period in years (default: FIELDVISIT_RETENTION_YEARS)."),
        )

    def handle(self, *args, dry_run: bool, years: int | None, **options) -> None:
        years = settings.FIELDVISIT_RETENTION_YEARS if years is None else years
        if years < 1:
            self._bad_option(_("--years must be a whole number of at least 1."))
        try:
            result = retention_purge(now=timezone.now(), years=years, dry_run=dry_run)
        except ValidationError as error:
            self._bad_option(" ".join(error.messages))
        totals = result.totals()
        if dry_run:
            for purge in result.borrowers:
                self.stdout.write(
                    _("Would purge %(customer)s (last case closed %(closed)s): %(counts)s")
                    % {
                        "customer": purge.customer_number,
                        "closed": purge.last_closed_on.isoformat(),
                        "counts": _counts(purge.counts),
                    }
                )
        values = {
            "borrowers": totals["borrowers"],
            "cutoff": result.cutoff.isoformat(),
            "files": totals.get("evidence_files", 0),
            "positions": totals.get("positions", 0),
            "notices": totals.get("notices", 0),
        }
        if dry_run:
            message = _(
                "Dry run: %(borrowers)d borrower(s) with cases closed before %(cutoff)s would "
                "be anonymised (%(files)d evidence files, %(positions)d positions, "
                "%(notices)d notices); nothing was changed."
            )
        else:
            message = _(
                "Anonymised %(borrowers)d borrower(s) with cases closed before %(cutoff)s: "
                "%(files)d evidence files and %(positions)d positions deleted, %(notices)d "
                "notices redacted."
            )
        self.stdout.write(message % values)

    def _bad_option(self, message: str):
        if not getattr(self, "_called_from_command_line", False):
            raise CommandError(message)
        self.stderr.write(_("purge_expired: %(message)s") % {"message": message})
        sys.exit(BAD_OPTION)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}={count}" for name, count in counts.items() if count)
