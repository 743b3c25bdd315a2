"""Import one core-banking export: `manage.py import_core KIND FILE [--encoding …] [--dry-run]`.

Exit code 0 when the file was valid (and, unless --dry-run, imported), 1 when it was not:
then nothing is committed and an error report CSV is written (see docs/import.md).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from collections_app.importing import KINDS, core_import, error_report_write


class Command(BaseCommand):
    help = "Import borrowers, addresses, loans, installments or repayments from the core system."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--encoding", default="utf-8", help="utf-8 (BOM or not) or gbk")
        parser.add_argument("--dry-run", action="store_true", help="validate only")
        parser.add_argument("--errors", type=Path, help="where to write the error report")

    def handle(self, *args, kind, file, encoding, dry_run, errors, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            "".encode(encoding)
        except LookupError:
            raise CommandError(f"Unknown encoding: {encoding}") from None
        result = core_import(kind=kind, path=file, encoding=encoding, dry_run=dry_run)
        if not result.ok:
            report = error_report_write(
                errors=result.errors, path=errors or file.with_name(f"{file.stem}.errors.csv")
            )
            self.stderr.write(f"{result.summary()}; error report: {report}")
            raise SystemExit(1)
        self.stdout.write(result.summary())
        if result.refresh:
            self.stdout.write(
                f"ledger refresh: {result.refresh.loans} loan(s), "
                f"{result.refresh.bucket_changes} bucket change(s), "
                f"{result.refresh.cases_opened} case(s) opened in {result.refresh_seconds:.2f} s"
            )
