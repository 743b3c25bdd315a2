"""The score panel in the case dossier: shown to whoever may open the case, never wider."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from scoring.models import CaseScore, ScoreModel

AS_OF = date(2026, 11, 27)


@pytest.fixture
def scored(case):
    model = ScoreModel.objects.create(
        version=1, trained_at=timezone.now(), as_of=AS_OF, params={}, metrics={}, active=True
    )
    CaseScore.objects.create(
        case=case,
        model=model,
        as_of=AS_OF,
        scored_at=timezone.now(),
        probability=0.4321,
        expected_recovery=Decimal("1234.50"),
        factors={"raised": [["paid_ratio_3m", 1.0, 0.8]], "lowered": [["dpd", 95, -0.6]]},
    )
    return case


def test_the_collector_sees_the_score_and_its_reasons(agent_client, scored):
    html = agent_client.get(scored.get_absolute_url()).content.decode()
    assert 'data-testid="score-panel"' in html
    assert ">43%<" in html
    assert "1,234.50" in html or "1234.50" in html
    assert 'data-testid="score-raised"' in html and 'data-testid="score-lowered"' in html


def test_an_unscored_case_says_so(agent_client, case):
    html = agent_client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="score-none"' in html


def test_another_team_never_sees_it(other_agent_client, other_supervisor, scored, client):
    assert other_agent_client.get(scored.get_absolute_url()).status_code == 404
    client.force_login(other_supervisor)
    assert client.get(scored.get_absolute_url()).status_code == 404
