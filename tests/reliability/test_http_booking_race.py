"""Race-freedom of booking across processes: two gunicorn servers (two worker processes
each, several threads per process) share the PostgreSQL test database, and many booking
requests for the same borrower and day arrive at once through the API.

The CN pack allows one visit per borrower and local day, so exactly one request books (201)
and every other is refused by VISIT_FREQUENCY (422); none answers 5xx. The borrower's row
lock (visits/services/booking.py) is what serialises them: without it every process would
count no visit yet and book.
"""

import json
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as clock

from django.urls import reverse
from django.utils import timezone

from compliance.models import ComplianceCheck
from tests import factories as f
from visits.models import Visit

from .conftest import NEEDS_POSTGRES, SH, bookable, credentialed_on, visit_day
from .web import Browser, at_once, gunicorn_servers, server_errors, show

# No broker needed: the servers run tasks eagerly.
pytestmark = NEEDS_POSTGRES
REQUESTS = 24


def test_concurrent_bookings_over_http_book_exactly_the_daily_cap(
    transactional_db, team, agent, tmp_path
):
    day = visit_day(timezone.now())
    credentialed_on(agent, day)
    partner = credentialed_on(f.make_user(role="collector", team=team, username="partner"), day)
    ((plan, _place),) = bookable(team=team, agent=agent, day=day, borrowers=1)
    case = plan.case
    first = datetime.combine(day, clock(9, 0), tzinfo=SH)

    def payload(n: int) -> str:
        # Different times of the same day, none overlapping: only the daily cap can refuse.
        start = first + timedelta(minutes=25 * n)
        return json.dumps(
            {
                "case": str(case.public_id),
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=20)).isoformat(),
                "location_type": "home",
                "address": "home",
                "purpose": f.VISIT_PURPOSE,
                "recorder": True,
                "collectors": [partner.username],
            }
        )

    with gunicorn_servers(tmp_path) as urls:
        plan_page = reverse("visits:visit_plan", args=[case.public_id])
        browsers = [Browser(agent, url, plan_page) for url in urls]  # one session per server
        answers = at_once(
            REQUESTS,
            lambda n: browsers[n % len(browsers)].post_json("/api/v1/visits/", payload(n)),
        )

    statuses = Counter(a.status for a in answers)
    assert statuses == {201: 1, 422: REQUESTS - 1}, show(answers, tmp_path)
    for answer in answers:
        if answer.status == 422:
            failing = {x["rule"] for x in json.loads(answer.body)["verdict"]["findings"]
                       if x["outcome"] == "fail"}  # fmt: skip
            assert failing == {"VISIT_FREQUENCY"}, answer.body
    assert Visit.objects.filter(case=case).count() == 1
    blocked = ComplianceCheck.objects.filter(case=case, decision="block").count()
    assert blocked == REQUESTS - 1
    print(
        f"\nHTTP bookings: attempted {REQUESTS}, succeeded {statuses[201]}, "
        f"blocked {statuses[422]}, 5xx {server_errors(answers)}"
    )
