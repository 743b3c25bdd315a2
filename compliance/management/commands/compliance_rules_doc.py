"""Write docs/compliance-rules.md from the shipped rule packs, or check that it is current."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from compliance.packs import shipped_packs
from compliance.rules_doc import COMMAND, render_rules_doc

DEFAULT_OUTPUT = "docs/compliance-rules.md"


class Command(BaseCommand):
    help = (
        "Generate docs/compliance-rules.md (every rule per pack, in engine order) from "
        "compliance/packs/*.json. With --check, exit 1 when the file is out of date."
    )
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit 1 when the file differs from a fresh rendering.",
        )
        parser.add_argument(
            "--output",
            default=DEFAULT_OUTPUT,
            help=f"The file to write or check, relative to the project root ({DEFAULT_OUTPUT}).",
        )

    def handle(self, *args, check: bool, output: str, **options) -> None:
        path = Path(settings.BASE_DIR) / output  # an absolute --output stays as it is
        packs = shipped_packs()
        text = render_rules_doc(packs)
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                self.stderr.write(f"{output} is out of date: run {COMMAND}")
                raise SystemExit(1)
            self.stdout.write(f"{output} is up to date.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        rules = sum(1 for line in text.splitlines() if line.startswith("### "))
        self.stdout.write(f"Wrote {output}: {rules} rules, {len(packs)} packs.")
