"""What the dossier shows of a case's score. The caller has fetched the case in scope."""

from django.utils.translation import gettext

from collections_app.models import Case

from .explain import factor_text
from .models import CaseScore

HISTORY = 12  # scores shown in the dossier's history


def score_panel(*, case: Case) -> dict | None:
    """The case's latest score with its factors in words and the recent history, or None
    when the case was never scored. One query."""
    history = list(
        CaseScore.objects.filter(case=case)
        .select_related("model")
        .order_by("-as_of", "-id")[:HISTORY]
    )
    if not history:
        return None
    latest = history[0]
    factors = latest.factors
    return {
        "probability": latest.probability,
        "percent": round(latest.probability * 100),
        "expected_recovery": latest.expected_recovery,
        "as_of": latest.as_of,
        "scored_at": latest.scored_at,
        "model_version": latest.model.version,
        "raised": [factor_text(name, value) for name, value, _part in factors["raised"]],
        "lowered": [factor_text(name, value) for name, value, _part in factors["lowered"]],
        "history": [
            {
                "as_of": score.as_of,
                "percent": round(score.probability * 100),
                "expected_recovery": score.expected_recovery,
                "model_version": score.model.version,
            }
            for score in history
        ],
        "chart": {
            "label": gettext("Score (%)"),
            "labels": [score.as_of.isoformat() for score in reversed(history)],
            "percent": [round(score.probability * 100, 1) for score in reversed(history)],
        },
    }
