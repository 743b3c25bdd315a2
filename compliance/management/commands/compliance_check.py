"""Dry-run a §6.2 request: `compliance_check FILE|-` prints the verdict JSON."""

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from compliance.contract import ContractError
from compliance.services.checks import compliance_dry_run

BAD_INPUT = 2


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Check a planned visit or a visit report given as JSON (DESIGN.md §6.2) and print "
            "the verdict as JSON. Exit code 0 for any valid input, 2 for malformed input."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help=_("Path of the JSON request, or - for standard input."))
        parser.add_argument(
            "--language",
            default="en",
            choices=[code for code, _name in settings.LANGUAGES],
            help=_("Language of the messages."),
        )

    def handle(self, *args, file: str, language: str, **options) -> None:
        try:
            text = sys.stdin.read() if file == "-" else _read(file)
            data = json.loads(text)
        except OSError as error:
            raise CommandError(
                _("cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror},
                returncode=BAD_INPUT,
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(
                _("request: not valid JSON (%(error)s)") % {"error": error}, returncode=BAD_INPUT
            ) from None
        with translation.override(language):
            try:
                verdict = compliance_dry_run(data=data)
            except ContractError as error:
                raise CommandError(
                    f"{error.field}: {error.message}", returncode=BAD_INPUT
                ) from None
        self.stdout.write(json.dumps(verdict, ensure_ascii=False, indent=2))


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()
