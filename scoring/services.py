"""Score open cases with the active model: history rows and the worklist's fields."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from collections_app.models import Case

from .features import FEATURES, Population, features_at
from .logistic import contributions, sigmoid
from .models import CaseScore, ScoreModel

TOP_FACTORS = 3
BATCH = 5000
CENT = Decimal("0.01")


class NoActiveModel(Exception):
    """Nothing to score with: train a model first."""


@dataclass(frozen=True)
class ScoreResult:
    model: ScoreModel
    as_of: date
    scored: int


def active_model() -> ScoreModel:
    model = ScoreModel.objects.filter(active=True).first()
    if model is None:
        raise NoActiveModel(_("No active score model: run train_score first."))
    return model


def cases_score(*, as_of: date, now: datetime, model: ScoreModel | None = None) -> ScoreResult:
    """Score every open case at `as_of`: one CaseScore row each (replacing the model's rows
    of that day) and the case's repay_probability, expected_recovery and scored_at."""
    model = model or active_model()
    if model.params["features"] != list(FEATURES):
        raise NoActiveModel(
            _("Score model v%(version)d uses other features than this code: retrain it.")
            % {"version": model.version}
        )
    frame = features_at(as_of=as_of, population=Population.OPEN_CASES)
    cases = _open_cases()
    parts = contributions(model.params, frame.matrix)
    probabilities = sigmoid(model.params["intercept"] + parts.sum(axis=1))
    rows = []
    for n, borrower_id in enumerate(frame.borrower_ids):
        case_id, overdue = cases[borrower_id]
        p = float(probabilities[n])
        rows.append(
            CaseScore(
                case_id=case_id,
                model=model,
                as_of=as_of,
                scored_at=now,
                probability=p,
                expected_recovery=(Decimal(repr(p)) * overdue).quantize(CENT, ROUND_HALF_UP),
                factors=top_factors(frame.matrix[n], parts[n]),
            )
        )
    with transaction.atomic():
        CaseScore.objects.filter(model=model, as_of=as_of).delete()
        CaseScore.objects.bulk_create(rows, batch_size=BATCH)
        _copy_to_cases(model, as_of, now)
    return ScoreResult(model, as_of, len(rows))


def _open_cases() -> dict[int, tuple[int, Decimal]]:
    """borrower id → (open case id, its overdue amount); one open case per borrower."""
    rows = Case.objects.open().values_list("borrower_id", "id", "overdue_amount")
    return {b: (c, overdue) for b, c, overdue in rows.iterator(chunk_size=BATCH)}


def top_factors(values: np.ndarray, parts: np.ndarray) -> dict:
    """The three contributions that raised the score most, the three that lowered it most,
    and the sum of all the others, so that intercept + everything stored = the logit."""
    order = np.argsort(parts, kind="stable")
    raised = [int(j) for j in order[::-1][:TOP_FACTORS] if parts[j] > 0]
    lowered = [int(j) for j in order[:TOP_FACTORS] if parts[j] < 0]
    shown = set(raised) | set(lowered)

    def entry(j: int) -> list:
        return [FEATURES[j], float(values[j]), float(parts[j])]

    return {
        "raised": [entry(j) for j in raised],
        "lowered": [entry(j) for j in lowered],
        "other": float(sum(parts[j] for j in range(len(parts)) if j not in shown)),
    }


def _copy_to_cases(model: ScoreModel, as_of: date, now: datetime) -> None:
    """One statement: the day's scores onto the cases the worklist sorts."""
    case = connection.ops.quote_name(Case._meta.db_table)
    score = connection.ops.quote_name(CaseScore._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"""
            UPDATE {case} SET repay_probability = ROUND(CAST(s.probability AS NUMERIC), 4),
                              expected_recovery = s.expected_recovery,
                              scored_at = %s
            FROM {score} s
            WHERE s.case_id = {case}.id AND s.model_id = %s AND s.as_of = %s
            """,
            [now, model.pk, as_of],
        )


# Score history: every night for the last month, then the first score of each week, for
# about a year. A row per case per night would grow without end (about 53 MB a night at
# 100,000 open cases); the dossier shows a trend, not every day.
DAILY_DAYS = 31
KEEP_DAYS = 400


def score_history_thin(*, today: date) -> int:
    """Delete what the history no longer keeps; the number of rows deleted. Set-based."""
    daily_from = today - timedelta(days=DAILY_DAYS)
    older = CaseScore.objects.filter(as_of__lt=daily_from)
    expired, _by_model = older.filter(as_of__lt=today - timedelta(days=KEEP_DAYS)).delete()
    # Beyond the month, a row goes when its case has an earlier one in the same week.
    earlier_that_week = CaseScore.objects.filter(
        case_id=OuterRef("case_id"), as_of__gte=OuterRef("week"), as_of__lt=OuterRef("as_of")
    )
    thinned_ids = (
        older.annotate(week=TruncWeek("as_of")).filter(Exists(earlier_that_week)).values("id")
    )
    thinned, _by_model = CaseScore.objects.filter(id__in=Subquery(thinned_ids)).delete()
    return expired + thinned
