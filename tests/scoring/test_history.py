"""The score history keeps every night of the last month, then one score a week for about
a year, and nothing older."""

from datetime import date, timedelta

from django.utils import timezone

from scoring.models import CaseScore, ScoreModel
from scoring.services import DAILY_DAYS, KEEP_DAYS, score_history_thin
from tests import factories as f

TODAY = date(2026, 11, 27)  # a Friday


def test_history_is_thinned_to_weekly_then_dropped(db):
    case = f.make_case()
    model = ScoreModel.objects.create(
        version=1, trained_at=timezone.now(), as_of=TODAY, params={}, metrics={}
    )
    days = [TODAY - timedelta(days=n) for n in range(450)]
    CaseScore.objects.bulk_create(
        CaseScore(
            case=case,
            model=model,
            as_of=day,
            scored_at=timezone.now(),
            probability=0.5,
            expected_recovery=0,
            factors={"raised": [], "lowered": []},
        )
        for day in days
    )

    deleted = score_history_thin(today=TODAY)

    kept = set(CaseScore.objects.values_list("as_of", flat=True))
    assert deleted == len(days) - len(kept)
    daily_from = TODAY - timedelta(days=DAILY_DAYS)
    assert {d for d in days if d >= daily_from} <= kept  # the last month, every night
    older = sorted(d for d in kept if d < daily_from)
    assert min(older) >= TODAY - timedelta(days=KEEP_DAYS)  # nothing beyond a year or so
    weeks = [d.isocalendar()[:2] for d in older]
    assert len(weeks) == len(set(weeks))  # one a week ...
    assert all(d.weekday() == 0 for d in older[1:])  # ... its first, a Monday
    assert score_history_thin(today=TODAY) == 0  # a second run has nothing to do
