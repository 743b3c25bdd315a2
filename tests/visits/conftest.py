"""A bookable situation: the `case` fixture's borrower, two credentialed collectors of the
team (CN packs need two), and a plan for the next day at 10:00 Shanghai time."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from compliance.facts import VisitPlan
from tests import factories as f
from visits.services.booking import VisitPlace

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
START = datetime(2026, 12, 2, 10, 0, tzinfo=SH)  # a Wednesday, no holiday
END = START + timedelta(hours=1)


@pytest.fixture
def partner(team):
    """The agent's team mate who goes along."""
    return f.credentialed(f.make_user(role="collector", team=team, username="partner"))


@pytest.fixture
def crew(agent, partner):
    return (f.credentialed(agent), partner)


@pytest.fixture
def good_plan(case, crew):
    """A plan every CN rule allows."""
    return VisitPlan(
        case=case,
        start=START,
        end=END,
        location_type="home",
        purpose=f.VISIT_PURPOSE,
        recorder=True,
        collector_ids=tuple(c.pk for c in crew),
    )


@pytest.fixture
def home(case):
    return VisitPlace(address=case.borrower.addresses.first())


def moved(plan: VisitPlan, hours: float) -> VisitPlan:
    """The same plan `hours` later."""
    delta = timedelta(hours=hours)
    return replace(plan, start=plan.start + delta, end=plan.end + delta)
