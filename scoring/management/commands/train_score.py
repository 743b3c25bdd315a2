"""Train the repayment-propensity model, print its backtest and make it active."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scoring.report import backtest_lines
from scoring.training import NotEnoughHistory, score_model_train

from ._dates import as_of_date


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse needs a real str, translated when the parser is built
        return _(
            "Train the repayment-propensity score (logistic regression) on monthly snapshots "
            "of the bank's history, backtest it on the newest snapshot, store it as a new "
            "model version and make it the active one."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--as-of", help=gettext_lazy("Last day of data to use, YYYY-MM-DD (today).")
        )
        parser.add_argument(
            "--snapshots",
            type=int,
            default=6,
            help=gettext_lazy("Monthly snapshots; the newest is the test set (6)."),
        )
        parser.add_argument(
            "--no-challenger",
            action="store_true",
            help=gettext_lazy("Skip the gradient-boosting challenger."),
        )

    def handle(self, *args, as_of: str | None, snapshots: int, no_challenger: bool, **options):
        day = as_of_date(as_of)
        if not 2 <= snapshots <= 36:
            raise CommandError(_("--snapshots must be between 2 and 36."))
        try:
            result = score_model_train(
                as_of=day, snapshots=snapshots, now=timezone.now(), challenger=not no_challenger
            )
        except NotEnoughHistory as error:
            raise CommandError(str(error)) from None
        for line in backtest_lines(result.model):
            self.stdout.write(line)
