"""Fill the database with the deterministic Kunming demo portfolio (interface only)."""

import logging
from contextlib import contextmanager
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collections_app.demo import DEMO_PASSWORD, DemoDataPresent, DemoResetRefused, seed_demo


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse needs a real str, translated when the parser is built
        return _(
            "Create a deterministic demo portfolio (borrowers, loans, repayments, cases, "
            "teams, visits booked over the next days, six weeks of past visits with reports "
            "and reviews) and one login per role. The same "
            "--seed and --today give the same data."
        )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--borrowers", type=int, default=300, help=gettext_lazy("How many borrowers (300).")
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help=gettext_lazy("Random seed (2026).")
        )
        parser.add_argument(
            "--today",
            help=gettext_lazy("Business date YYYY-MM-DD the portfolio is aged to (today)."),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=gettext_lazy("Delete all ledger data, teams and demo logins first."),
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help=gettext_lazy("Skip the six weeks of past visits (a faster seed)."),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=gettext_lazy("Do nothing (and succeed) when data is already there."),
        )
        parser.add_argument(
            "--no-score",
            action="store_true",
            help=gettext_lazy(
                "Do not train the repayment-propensity score on the seeded history and score "
                "the open cases."
            ),
        )

    def handle(
        self,
        *args,
        borrowers: int,
        seed: int,
        today: str | None,
        reset: bool,
        if_empty: bool,
        no_history: bool = False,
        no_score: bool = False,
        **options,
    ):
        if borrowers < 1:
            raise CommandError(_("--borrowers must be at least 1."))
        try:
            as_of = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError(
                _("--today must be a date as YYYY-MM-DD, got %(value)s.") % {"value": today}
            ) from None
        try:
            with _quiet_task_log():
                summary = seed_demo(
                    borrowers=borrowers,
                    seed=seed,
                    today=as_of,
                    reset=reset,
                    history=not no_history,
                )
        except DemoDataPresent as error:
            if if_empty and not reset:
                # `make run` seeds on first start only; later starts keep the user's changes.
                self.stdout.write(_("Demo data present: left as it is."))
                return
            raise CommandError(str(error)) from None
        except DemoResetRefused as error:
            raise CommandError(str(error)) from None
        buckets = " ".join(f"{b}:{n}" for b, n in summary.case_buckets.items())
        self.stdout.write(
            _(
                "Seeded %(borrowers)d borrowers, %(loans)d loans, %(installments)d instalments, "
                "%(repayments)d repayments, %(cases)d open cases (%(buckets)s), %(promises)d "
                "promises, %(plans)d plans, %(users)d staff as of %(today)s in %(seconds).1f s."
            )
            % {
                "borrowers": summary.borrowers,
                "loans": summary.loans,
                "installments": summary.installments,
                "repayments": summary.repayments,
                "cases": summary.open_cases,
                "buckets": buckets,
                "promises": summary.promises,
                "plans": summary.plans,
                "users": summary.users,
                "today": as_of.isoformat(),
                "seconds": summary.seconds,
            }
        )
        self.stdout.write(
            _(
                "Booked %(booked)d demo visits over the next days, %(pending)d more awaiting "
                "a supervisor's approval."
            )
            % {"booked": summary.visits_booked, "pending": summary.visits_pending}
        )
        history = summary.history
        self.stdout.write(
            _(
                "Recorded %(visits)d past visits: %(reported)d reported (%(approved)d approved, "
                "%(unreviewed)d awaiting review; %(returned)d sent back for changes), "
                "%(cancelled)d cancelled, %(flags)d flags."
            )
            % {
                "visits": history.visits,
                "reported": history.reported,
                "approved": history.approved,
                "returned": history.returned,
                "unreviewed": history.unreviewed,
                "cancelled": history.cancelled,
                "flags": history.flags,
            }
        )
        if not no_score:
            self.stdout.write(_score(as_of))
        self.stdout.write(
            _("Log in as %(logins)s with password %(password)s.")
            % {"logins": ", ".join(summary.logins), "password": DEMO_PASSWORD}
        )


def _score(as_of: date) -> str:
    """Train on the seeded history and score the open cases, so the worklist and the dossier
    show scores from the first start. A seed too small to train on still succeeds."""
    from scoring.services import cases_score
    from scoring.training import NotEnoughHistory, score_model_train

    now = timezone.now()
    try:
        trained = score_model_train(as_of=as_of, snapshots=6, now=now, challenger=False)
    except NotEnoughHistory as error:
        return _("Score not trained: %(reason)s") % {"reason": error}
    scored = cases_score(as_of=as_of, now=now, model=trained.model)
    metrics = trained.metrics
    return _(
        "Trained score model v%(version)d (backtest AUC %(auc).3f, DPD alone %(dpd).3f) and "
        "scored %(cases)d open cases."
    ) % {
        "version": trained.model.version,
        "auc": metrics["auc"],
        "dpd": metrics["dpd_auc"],
        "cases": scored.scored,
    }


@contextmanager
def _quiet_task_log():
    """Once the seed commits, each notice it wrote is queued for sending (run at once without
    a broker). The past visits' notices went out long ago, so those tasks find nothing to do,
    and a success line for each (hundreds) would bury the summary."""
    logger = logging.getLogger("celery.app.trace")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
