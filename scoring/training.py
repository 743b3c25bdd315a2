"""Train the repayment-propensity model on the bank's own history and backtest it.

Examples are borrowers who were past due at monthly snapshot dates in the past (every 30
days back from `as_of`, each with its complete 30-day label window). The newest snapshot
is the test set, the older ones train the model: a time split, so the backtest asks what
the model would have said a month ago about a month it had not seen.
"""

import math
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from .features import FEATURES, HORIZON_DAYS, FeatureFrame, features_at
from .logistic import logits, sigmoid
from .models import ScoreModel

SNAPSHOT_DAYS = 30
MIN_TRAIN = 30  # examples; fewer cannot say anything
MIN_TEST = 10
TOP_SHARE = 0.2  # the lift compares who is found in the top fifth of the list
REGULARISATION_C = 1.0
LABEL = (
    "Repayments dated in (as_of, as_of + 30 days] on the loans past due at as_of sum to at "
    "least the amount due of the earliest instalment not fully paid at as_of."
)


# The direction each of these features may push the score. A fitted coefficient against it
# (collinear features such as DPD and bucket, or noise) would make an explanation read
# backwards ("Kept 2 promises to pay" lowering the score), so that feature is left out and
# the model refitted, one feature at a time. Left-out features keep a coefficient of 0.
EXPECTED_SIGN = {
    "dpd": -1,
    "dpd_change_30d": -1,
    "bucket": -1,
    "paid_ratio_3m": 1,
    "paid_ratio_6m": 1,
    "days_since_payment": -1,
    "paid_last_30d": 1,
    "promises_kept": 1,
    "promises_broken": -1,
    "last_visit_positive": 1,
    "last_visit_refused": -1,
}


class NotEnoughHistory(Exception):
    """Too few past-due borrowers (or only payers, or none) to train or to test."""


@dataclass(frozen=True)
class TrainResult:
    model: ScoreModel
    metrics: dict


def snapshot_dates(*, as_of: date, snapshots: int) -> list[date]:
    """Oldest first; the newest is a full label window before `as_of`."""
    first = max(SNAPSHOT_DAYS, HORIZON_DAYS)
    return [as_of - timedelta(days=first + SNAPSHOT_DAYS * k) for k in range(snapshots)][::-1]


def score_model_train(
    *, as_of: date, snapshots: int, now: datetime, challenger: bool = True
) -> TrainResult:
    """Fit logistic regression on all but the newest snapshot, backtest on the newest, store
    the model with its figures and make it the active one."""
    if snapshots < 2:
        raise NotEnoughHistory(_("At least two snapshots are needed: one to train, one to test."))
    started = time.perf_counter()
    dates = snapshot_dates(as_of=as_of, snapshots=snapshots)
    frames = [features_at(as_of=day) for day in dates]
    feature_seconds = time.perf_counter() - started
    train, test = frames[:-1], frames[-1]
    x_train = np.vstack([f.matrix for f in train])
    y_train = np.concatenate([f.labels for f in train])
    _check(x_train, y_train, MIN_TRAIN, _("training"))
    _check(test.matrix, test.labels, MIN_TEST, _("test"))

    fit_started = time.perf_counter()
    scaler = StandardScaler().fit(x_train)
    coef, intercept, left_out = fit_with_signs(scaler.transform(x_train), y_train)
    fit_seconds = time.perf_counter() - fit_started
    params = {
        "features": list(FEATURES),
        "coef": coef,
        "intercept": intercept,
        "left_out": left_out,
        "mean": [float(m) for m in scaler.mean_],
        "scale": [float(s) for s in scaler.scale_],
        "C": REGULARISATION_C,
        "label": LABEL,
        "horizon_days": HORIZON_DAYS,
    }
    # Evaluate with the stored arithmetic: the backtest is of what gets deployed.
    predicted = sigmoid(logits(params, test.matrix))
    metrics = backtest(test, predicted)
    metrics |= {
        "as_of": as_of.isoformat(),
        "snapshots": [d.isoformat() for d in dates],
        "train_size": int(len(y_train)),
        "train_positive_rate": float(y_train.mean()),
        "fit_seconds": round(fit_seconds, 3),
        "feature_seconds": round(feature_seconds, 3),
    }
    if challenger:
        metrics["challenger"] = _challenger(x_train, y_train, test)
    metrics["training_seconds"] = round(time.perf_counter() - started, 3)
    with transaction.atomic():
        last = ScoreModel.objects.select_for_update().order_by("-version").first()
        ScoreModel.objects.filter(active=True).update(active=False)
        model = ScoreModel.objects.create(
            version=(last.version + 1) if last else 1,
            kind="logistic_regression",
            trained_at=now,
            as_of=as_of,
            params=params,
            metrics=metrics,
            active=True,
        )
    return TrainResult(model, metrics)


def fit_with_signs(standardised: np.ndarray, labels: np.ndarray) -> tuple[list, float, list]:
    """Logistic regression whose coefficients all point the expected way (EXPECTED_SIGN):
    (coefficients for every feature, intercept, features left out)."""
    keep = list(range(len(FEATURES)))
    left_out = []
    while True:
        regression = LogisticRegression(C=REGULARISATION_C, max_iter=2000)
        regression.fit(standardised[:, keep], labels)
        fitted = dict(zip(keep, regression.coef_[0], strict=True))
        wrong = [
            (abs(c), j) for j, c in fitted.items() if EXPECTED_SIGN.get(FEATURES[j], 0) * c < 0
        ]
        if not wrong:
            break
        _size, worst = max(wrong)
        keep.remove(worst)
        left_out.append(FEATURES[worst])
    coef = [float(fitted.get(j, 0.0)) for j in range(len(FEATURES))]
    return coef, float(regression.intercept_[0]), left_out


def _check(matrix: np.ndarray, labels: np.ndarray, minimum: int, which: str) -> None:
    if len(labels) < minimum or labels.min() == labels.max():
        raise NotEnoughHistory(
            _(
                "Not enough history for the %(which)s set: %(n)d past-due borrowers, "
                "%(payers)d of whom paid (at least %(min)d and both outcomes are needed)."
            )
            % {"which": which, "n": len(labels), "payers": int(labels.sum()), "min": minimum}
        )


def backtest(test: FeatureFrame, predicted: np.ndarray) -> dict:
    """AUC, Brier score, a 10-bin reliability table, and the comparison with ordering the
    same cases by DPD alone (lowest first, the usual "freshest arrears first" worklist)."""
    labels, dpd = test.labels, test.column("dpd")
    ids = np.asarray(test.borrower_ids)
    by_model = np.lexsort((ids, -predicted))
    by_dpd = np.lexsort((ids, dpd))
    top = max(1, math.ceil(TOP_SHARE * len(labels)))
    payers = max(int(labels.sum()), 1)
    model_share = float(labels[by_model[:top]].sum() / payers)
    dpd_share = float(labels[by_dpd[:top]].sum() / payers)
    return {
        "test_as_of": test.as_of.isoformat(),
        "test_size": int(len(labels)),
        "test_positive_rate": float(labels.mean()),
        "auc": float(roc_auc_score(labels, predicted)),
        "brier": float(brier_score_loss(labels, predicted)),
        "reliability": reliability(labels, predicted),
        "dpd_auc": float(roc_auc_score(labels, -dpd)),
        "top20_model": model_share,
        "top20_dpd": dpd_share,
        "top20_lift": model_share / dpd_share if dpd_share else None,
    }


def reliability(labels: np.ndarray, predicted: np.ndarray, bins: int = 10) -> list[dict]:
    """Per bin of predicted probability: how many cases, mean prediction, observed rate."""
    index = np.minimum((predicted * bins).astype(int), bins - 1)
    table = []
    for n in range(bins):
        inside = index == n
        count = int(inside.sum())
        table.append(
            {
                "low": n / bins,
                "high": (n + 1) / bins,
                "count": count,
                "predicted": float(predicted[inside].mean()) if count else None,
                "observed": float(labels[inside].mean()) if count else None,
            }
        )
    return table


def _challenger(x_train: np.ndarray, y_train: np.ndarray, test: FeatureFrame) -> dict:
    """Gradient boosting, reported for comparison only: it is deployed only if it wins the
    backtest and its scores can still be explained per case (see docs/scoring.md)."""
    started = time.perf_counter()
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=0)
    with threadpool_limits(limits=1):  # OpenMP threads on a shared box cost more than they save
        model.fit(x_train, y_train)
    predicted = model.predict_proba(test.matrix)[:, 1]
    return {
        "kind": "hist_gradient_boosting",
        "auc": float(roc_auc_score(test.labels, predicted)),
        "brier": float(brier_score_loss(test.labels, predicted)),
        "fit_seconds": round(time.perf_counter() - started, 3),
    }
