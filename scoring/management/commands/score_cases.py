"""Score every open case with the active model (the nightly task does the same)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scoring.services import NoActiveModel, cases_score

from ._dates import as_of_date


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Score every open case with the active repayment-propensity model: a score "
            "history row per case and the worklist's expected recovery."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--as-of", help=gettext_lazy("Business date, YYYY-MM-DD (today)."))

    def handle(self, *args, as_of: str | None, **options):
        day = as_of_date(as_of)
        try:
            result = cases_score(as_of=day, now=timezone.now())
        except NoActiveModel as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Scored %(count)d open cases as of %(day)s with model v%(version)d.")
            % {"count": result.scored, "day": day.isoformat(), "version": result.model.version}
        )
