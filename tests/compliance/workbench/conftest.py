"""Shared fixtures of the compliance workbench tests.

The visit fixtures of tests/visits/conftest.py (a bookable plan for the `case` fixture) are
imported so that a flag comes from the real flow: book, start, check out, submit a report.
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.visits.conftest import NOW, START, crew, good_plan, home, partner  # noqa: F401
from visits.models import Notice
from visits.services.booking import visit_book
from visits.services.execution import Position, visit_check_out, visit_start
from visits.services.reports import report_save, report_submit

AT_DOOR = START + timedelta(minutes=5)
LEAVING = START + timedelta(minutes=50)
SUBMITTED = START + timedelta(hours=2)
AT_HOME = Position(lat=Decimal("25.043100"), lng=Decimal("102.704100"), accuracy_m=15)
THREAT = "再不还钱就让警察抓你"
REPORT = {
    "outcome": "promise_to_pay",
    "id_shown": True,
    "institution_named": True,
    "purpose_stated": True,
    "left_when_asked": True,
    "notes": THREAT,
    "promise_amount": Decimal("1500.00"),
    "promise_due_on": START.date() + timedelta(days=8),
}


@pytest.fixture
def flagged_visit(good_plan, home, agent, crew):  # noqa: F811
    """A visit booked, done and reported with a threat in the notes and no recording: the
    post check raises PROHIBITED_CONDUCT and RECORDING_ATTACHED flags (both block in CN)."""
    visit = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    Notice.objects.filter(visit=visit).update(status="delivered", sent_at=NOW, delivered_at=NOW)
    visit_start(visit=visit, by=agent, now=AT_DOOR, position=AT_HOME)
    visit_check_out(visit=visit, by=agent, now=LEAVING, position=AT_HOME)
    report_save(visit=visit, by=agent, fields=REPORT, present=list(crew))
    report_submit(visit=visit, by=agent, now=SUBMITTED)
    visit.refresh_from_db()
    return visit
