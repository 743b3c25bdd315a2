"""Training on a seeded demo, scoring, explanations and the commands' interfaces."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from collections_app.demo import seed_demo
from collections_app.models import Case
from scoring.features import FEATURES, Population, features_at
from scoring.logistic import logit, logits, sigmoid
from scoring.models import CaseScore, ScoreModel
from scoring.selectors import score_panel
from scoring.services import NoActiveModel, cases_score
from scoring.tasks import score_cases_task
from scoring.training import EXPECTED_SIGN, NotEnoughHistory, score_model_train
from tests import factories as f

TODAY = date(2026, 11, 27)


@pytest.fixture(scope="class")
def trained(django_db_setup, django_db_blocker):
    """One seed and one training for a class of tests (each runs in a savepoint inside the
    seed's transaction, rolled back after the class's last test)."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(borrowers=300, seed=11, today=TODAY, history=False)
        result = score_model_train(as_of=TODAY, snapshots=6, now=timezone.now())
        cases_score(as_of=TODAY, now=timezone.now())
        yield result
        transaction.set_rollback(True)


class TestOnTheDemo:
    def test_backtest_beats_ordering_by_dpd(self, db, trained):
        m = trained.metrics
        assert m["test_size"] >= 100 and m["train_size"] > 2 * m["test_size"]
        assert m["auc"] > 0.7, m
        assert m["auc"] > m["dpd_auc"] + 0.1, m
        assert m["top20_model"] > m["top20_dpd"], m
        assert 0 < m["brier"] < 0.25
        reliability = m["reliability"]
        assert len(reliability) == 10
        assert sum(row["count"] for row in reliability) == m["test_size"]
        assert m["challenger"]["kind"] == "hist_gradient_boosting"
        assert m["snapshots"][-1] == m["test_as_of"] == (TODAY - timedelta(days=30)).isoformat()
        assert m["training_seconds"] >= m["fit_seconds"]

    def test_the_model_is_stored_as_numbers_and_active(self, db, trained):
        model = ScoreModel.objects.get(active=True)
        assert model == trained.model and model.version == 1
        params = model.params
        assert params["features"] == list(FEATURES)
        assert len(params["coef"]) == len(params["mean"]) == len(params["scale"]) == len(FEATURES)
        # No coefficient points against its expected direction; left-out features weigh 0.
        for name, coef in zip(FEATURES, params["coef"], strict=True):
            assert EXPECTED_SIGN.get(name, 0) * coef >= 0, name
            assert (coef == 0) == (name in params["left_out"]) or coef == 0, name
        # Retraining adds a version and moves the active flag.
        again = score_model_train(as_of=TODAY, snapshots=3, now=timezone.now(), challenger=False)
        assert again.model.version == 2
        assert list(ScoreModel.objects.filter(active=True)) == [again.model]

    def test_every_open_case_is_scored_with_history_and_case_fields(self, db, trained):
        open_cases = Case.objects.open()
        scores = CaseScore.objects.filter(as_of=TODAY)
        assert scores.count() == open_cases.count() > 200
        for score in scores.select_related("case")[:50]:
            case = score.case
            p = Decimal(repr(score.probability))
            assert case.repay_probability == p.quantize(Decimal("0.0001"), ROUND_HALF_UP)
            assert score.expected_recovery == (p * case.overdue_amount).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            assert case.expected_recovery == score.expected_recovery
            assert case.scored_at is not None
        # Rescoring the day replaces its rows; another day adds to the history.
        cases_score(as_of=TODAY, now=timezone.now())
        assert CaseScore.objects.filter(as_of=TODAY).count() == open_cases.count()
        cases_score(as_of=TODAY + timedelta(days=1), now=timezone.now())
        assert CaseScore.objects.count() == 2 * open_cases.count()

    def test_explanations_add_up_to_the_stored_score(self, db, trained):
        model = trained.model
        intercept = model.params["intercept"]
        for score in CaseScore.objects.filter(as_of=TODAY):
            factors = score.factors
            parts = [c for _n, _v, c in factors["raised"] + factors["lowered"]]
            assert all(c > 0 for _n, _v, c in factors["raised"])
            assert all(c < 0 for _n, _v, c in factors["lowered"])
            total = intercept + sum(parts) + factors["other"]
            assert total == pytest.approx(logit(score.probability), abs=1e-9)
        # And the stored probability is the model applied to the case's features.
        frame = features_at(as_of=TODAY, population=Population.OPEN_CASES)
        by_case = dict(
            CaseScore.objects.filter(as_of=TODAY).values_list("case__borrower_id", "probability")
        )
        recomputed = sigmoid(logits(model.params, frame.matrix))
        for borrower_id, p in zip(frame.borrower_ids, recomputed, strict=True):
            assert by_case[borrower_id] == pytest.approx(p, abs=1e-12)

    def test_the_dossier_panel_says_why_in_words(self, db, trained, django_assert_num_queries):
        scores = CaseScore.objects.filter(as_of=TODAY).select_related("case")
        score = scores.order_by("-probability").first()
        with django_assert_num_queries(1):
            panel = score_panel(case=score.case)
        assert panel["percent"] == round(score.probability * 100)
        assert panel["expected_recovery"] == score.expected_recovery
        assert panel["raised"] and all(isinstance(text, str) for text in panel["raised"])
        words = " ".join(panel["raised"] + panel["lowered"])
        assert not [name for name in FEATURES if "_" in name and name in words]  # no raw names
        assert [row["as_of"] for row in panel["history"]] == [TODAY]
        html = render_to_string("scoring/_score_panel.html", {"score": panel})
        assert f"{panel['percent']}%" in html and panel["raised"][0] in html
        assert "<script>" not in html.replace('<script id="score-history-data"', "")

    def test_the_nightly_task_scores(self, db, trained):
        assert score_cases_task(as_of=TODAY.isoformat()) == Case.objects.open().count()


def test_panel_for_a_case_never_scored(db):
    case = f.make_case()
    assert score_panel(case=case) is None
    html = render_to_string("scoring/_score_panel.html", {"score": None})
    assert 'data-testid="score-none"' in html


def test_nothing_to_score_without_a_model(db):
    with pytest.raises(NoActiveModel):
        cases_score(as_of=TODAY, now=timezone.now())
    assert score_cases_task() == 0


def test_training_without_history_says_so(db):
    with pytest.raises(NotEnoughHistory):
        score_model_train(as_of=TODAY, snapshots=6, now=timezone.now())


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        ("train_score", {"as_of": "27/11/2026"}, "--as-of must be a date as YYYY-MM-DD"),
        ("train_score", {"snapshots": 1}, "--snapshots must be between 2 and 36"),
        ("train_score", {"as_of": "2026-11-27"}, "Not enough history for the training set"),
        ("score_cases", {"as_of": "2026-13-01"}, "--as-of must be a date as YYYY-MM-DD"),
        ("score_cases", {}, "No active score model: run train_score first."),
    ],
)
def test_commands_refuse_bad_input_in_one_line(db, command, options, message):
    with pytest.raises(CommandError) as error:
        call_command(command, **options)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_the_score_runs_nightly_after_the_ledger():
    entry = settings.CELERY_BEAT_SCHEDULE["score-cases-nightly"]
    ledger = settings.CELERY_BEAT_SCHEDULE["ledger-refresh-nightly"]["schedule"]
    assert entry["task"] == "scoring.tasks.score_cases_task"
    when = (min(entry["schedule"].hour), min(entry["schedule"].minute))
    assert when > (min(ledger.hour), min(ledger.minute))
