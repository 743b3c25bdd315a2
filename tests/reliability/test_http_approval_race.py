"""Race-freedom of override approval across processes: the team's supervisor (a session on
each of two gunicorn servers) and an admin approve the same request at once.

Exactly one approval is recorded and one advance notice queued; every other request is told
the request was already decided (the page it redirects to says so); none answers 5xx. The
borrower and override row locks (visits/services/overrides.py) serialise the deciders.
"""

from collections import Counter

from django.urls import reverse
from django.utils import timezone

from compliance.models import AuditEvent, Override
from visits.models import Notice
from visits.services.booking import visit_book

from .conftest import NEEDS_POSTGRES, bookable, visit_day
from .web import Browser, at_once, gunicorn_servers, server_errors, show

# No broker needed: the servers run tasks eagerly.
pytestmark = NEEDS_POSTGRES
REQUESTS = 12


def test_concurrent_approvals_over_http_approve_once(
    transactional_db, team, agent, supervisor, admin_user, tmp_path
):
    now = timezone.now()
    ((plan, place),) = bookable(team=team, agent=agent, day=visit_day(now), borrowers=1)
    borrower = plan.case.borrower
    borrower.vulnerable = True  # CN: a vulnerable borrower's visit needs approval
    borrower.save()
    visit = visit_book(plan=plan, place=place, by=agent, now=now, justification="Asked").visit
    override = Override.objects.get(visit=visit)
    approve = reverse("visits:override_approve", args=[override.public_id])

    with gunicorn_servers(tmp_path) as urls:
        page = reverse("visits:override_list")
        deciders = [
            Browser(supervisor, urls[0], page),
            Browser(supervisor, urls[1], page),  # the same supervisor on a second device
            Browser(admin_user, urls[1], page),
        ]
        answers = at_once(
            REQUESTS,
            lambda n: deciders[n % len(deciders)].post_form(approve, {"comment": "ok"}),
        )
        # What each decider was told, on the page the answer redirects to.
        told = [
            deciders[n % len(deciders)].follow(a) if a.status == 302 else a
            for n, a in enumerate(answers)
        ]

    assert Counter(a.status for a in answers) == {302: REQUESTS}, show(answers, tmp_path)
    approved = [t for t in told if "Approved: the visit is booked." in t.body]
    refused = [t for t in told if "This request has already been decided." in t.body]
    assert (len(approved), len(refused)) == (1, REQUESTS - 1)
    override.refresh_from_db()
    visit.refresh_from_db()
    assert (override.status, visit.status) == ("approved", "booked")
    assert AuditEvent.objects.filter(action="override.approved").count() == 1
    assert Notice.objects.filter(visit=visit).count() == 1  # one advance notice, not several
    print(
        f"\nHTTP approvals: attempted {REQUESTS}, approved {len(approved)}, "
        f"refused as already decided {len(refused)}, 5xx {server_errors(answers)}"
    )
