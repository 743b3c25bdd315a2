"""Plan, verdict, visit page, cancel, reschedule and override pages, per persona."""

from dataclasses import replace
from datetime import datetime, timedelta

import holidays
import pytest
from django.urls import reverse
from django.utils import timezone

from compliance.models import ComplianceCheck, Override
from tests import factories as f
from tests.visits.conftest import NOW, SH
from visits.models import Visit
from visits.services.booking import VisitPlace, visit_book

pytestmark = pytest.mark.django_db


def working_day_at(hour: int, minute: int = 0, days_ahead: int = 2) -> str:
    """Views use the real clock: a working day ahead (no Chinese holiday), local time."""
    day = timezone.now().astimezone(SH).date() + timedelta(days=days_ahead)
    cn = holidays.country_holidays("CN")
    while day.weekday() >= 5 or day in cn:
        day += timedelta(days=1)
    return day.strftime("%Y-%m-%d") + f"T{hour:02d}:{minute:02d}"


def plan_data(case, partner, start_hour=10, end_hour=11, end_minute=0, **overrides):
    data = {
        "start": working_day_at(start_hour),
        "end": working_day_at(end_hour, end_minute),
        "location_type": "home",
        "address": case.borrower.addresses.first().pk,
        "target": "borrower",
        "purpose": "Discuss the overdue instalments and a repayment plan",
        "recorder": "on",
        "members": [partner.pk],
    }
    data.update(overrides)
    return data


def plan_url(case):
    return reverse("visits:visit_plan", args=[case.public_id])


def verdict_url(case):
    return reverse("visits:visit_verdict", args=[case.public_id])


# Plan page and live verdict


def test_plan_page_offers_only_team_mates(agent_client, case, crew, other_agent):
    page = agent_client.get(plan_url(case))
    assert page.status_code == 200
    members = page.context["form"].fields["members"].queryset
    assert list(members) == [crew[1]]  # the partner; not the agent, not another team
    assert other_agent not in members


def test_live_verdict_shows_a_block_with_citation_and_next_start(agent_client, case, partner, crew):
    page = agent_client.post(verdict_url(case), plan_data(case, partner, 21, 22, 30))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-decision="block"' in html
    assert 'data-rule="VISIT_WINDOW" data-outcome="fail"' in html
    assert "22:00" in html and "CBA" in html  # message and citation
    assert 'data-testid="use-next-start"' in html
    assert not ComplianceCheck.objects.exists()  # a dry run records nothing
    # Failing findings first.
    assert html.index('data-rule="VISIT_WINDOW"') < html.index('data-rule="PURPOSE_STATED"')


def test_live_verdict_allows_a_good_plan(agent_client, case, partner, crew):
    page = agent_client.post(verdict_url(case), plan_data(case, partner))
    assert 'data-decision="allow"' in page.content.decode()


def test_live_verdict_with_incomplete_plan_names_the_fields(agent_client, case, partner):
    page = agent_client.post(verdict_url(case), plan_data(case, partner, end_hour=9))
    assert page.status_code == 200
    assert 'data-testid="verdict-incomplete"' in page.content.decode()
    assert "must end after it starts" in page.content.decode()


def test_booking_an_allowed_plan_redirects_to_the_visit(agent_client, case, partner, crew):
    response = agent_client.post(plan_url(case), plan_data(case, partner))
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("visits:visit_detail", args=[visit.public_id])
    assert visit.status == "booked"
    assert visit.notices.exists()


def test_blocked_booking_stays_on_the_page_with_the_refused_attempt(
    agent_client, case, partner, crew
):
    page = agent_client.post(plan_url(case), plan_data(case, partner, 21, 22, 30))
    html = page.content.decode()
    assert page.status_code == 200
    assert not Visit.objects.exists()
    assert "Not booked" in html and 'data-testid="refused-attempts"' in html


def test_review_without_justification_is_a_field_error(agent_client, case, partner, crew):
    case.borrower.vulnerable = True
    case.borrower.save()
    page = agent_client.post(plan_url(case), plan_data(case, partner))
    assert page.status_code == 400
    assert "justification" in page.context["form"].errors
    page = agent_client.post(plan_url(case), plan_data(case, partner, justification="Family asked"))
    assert page.status_code == 302
    assert Visit.objects.get().status == "pending_approval"


@pytest.mark.parametrize(
    ("field", "value"),
    [("start", "not a time"), ("location_type", "moon"), ("address", "999999"), ("purpose", "")],
)
def test_bad_input_is_a_field_error(agent_client, case, partner, field, value):
    page = agent_client.post(plan_url(case), plan_data(case, partner, **{field: value}))
    assert page.status_code == 400
    assert field in page.context["form"].errors
    assert not Visit.objects.exists()


def test_agreed_place_needs_description_and_coordinates(agent_client, case, partner):
    page = agent_client.post(plan_url(case), plan_data(case, partner, location_type="agreed_place"))
    assert page.status_code == 400
    assert {"place_description", "lat", "lng"} <= set(page.context["form"].errors)


def test_other_collector_gets_404(other_agent_client, case):
    assert other_agent_client.get(plan_url(case)).status_code == 404
    assert other_agent_client.post(verdict_url(case), {}).status_code == 404


def test_compliance_cannot_plan(compliance_client, case):
    assert compliance_client.get(plan_url(case)).status_code == 403


def test_anonymous_is_sent_to_login(client, case):
    response = client.get(plan_url(case))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_verdict_is_post_only(agent_client, case):
    assert agent_client.get(verdict_url(case)).status_code == 405


# Visit page, cancel, reschedule


@pytest.fixture
def booked(good_plan, home, agent):
    return visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit


def detail_url(visit):
    return reverse("visits:visit_detail", args=[visit.public_id])


@pytest.mark.parametrize("persona", ["agent_client", "supervisor_client", "compliance_client"])
def test_visit_page_in_scope(request, booked, persona):
    page = request.getfixturevalue(persona).get(detail_url(booked))
    assert page.status_code == 200
    assert 'data-status="booked"' in page.content.decode()


@pytest.mark.parametrize(
    "persona", ["other_agent_client", "other_supervisor_client", "outsider_client"]
)
def test_visit_page_out_of_scope_is_404(request, booked, persona):
    assert request.getfixturevalue(persona).get(detail_url(booked)).status_code == 404


def test_partner_sees_the_visit_they_go_on(booked, partner, client):
    client.force_login(partner)
    assert client.get(detail_url(booked)).status_code == 200


def test_compliance_sees_no_cancel_form_and_cannot_cancel(compliance_client, booked):
    page = compliance_client.get(detail_url(booked))
    assert 'data-testid="cancel"' not in page.content.decode()
    url = reverse("visits:visit_cancel", args=[booked.public_id])
    assert compliance_client.post(url, {"reason": "x"}).status_code == 403


def test_cancel(agent_client, booked):
    url = reverse("visits:visit_cancel", args=[booked.public_id])
    assert agent_client.get(url).status_code == 405
    agent_client.post(url, {"reason": ""})
    booked.refresh_from_db()
    assert booked.status == "booked"  # no reason, nothing happens
    response = agent_client.post(url, {"reason": "Borrower paid"})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert (booked.status, booked.cancel_reason) == ("cancelled", "Borrower paid")
    response = agent_client.post(url, {"reason": "again"}, follow=True)
    assert "cannot become" in response.content.decode()


def test_cancel_out_of_scope_is_404(other_agent_client, booked):
    url = reverse("visits:visit_cancel", args=[booked.public_id])
    assert other_agent_client.post(url, {"reason": "x"}).status_code == 404


def test_reschedule_page_is_prefilled_and_books_the_new_time(agent_client, booked, case, partner):
    url = reverse("visits:visit_reschedule", args=[booked.public_id])
    page = agent_client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["purpose"] == booked.purpose
    response = agent_client.post(url, plan_data(case, partner, 14, 15))
    assert response.status_code == 302, response.context["form"].errors
    booked.refresh_from_db()
    assert booked.status == "rescheduled"
    assert Visit.objects.get(rescheduled_from=booked).status == "booked"


def test_missing_visit_is_404(agent_client):
    assert agent_client.get("/visits/00000000-0000-0000-0000-000000000000/").status_code == 404


# Overrides


@pytest.fixture
def pending(good_plan, home, agent):
    good_plan.case.borrower.vulnerable = True
    good_plan.case.borrower.save()
    visit = visit_book(plan=good_plan, place=home, by=agent, now=NOW, justification="asked").visit
    return Override.objects.get(visit=visit)


def test_supervisor_sees_pending_requests_of_the_team(supervisor_client, pending):
    page = supervisor_client.get(reverse("visits:override_list"))
    assert page.status_code == 200
    assert list(page.context["overrides"]) == [pending]
    assert "VULNERABILITY" in page.content.decode()


def test_other_supervisor_sees_none_and_cannot_decide(other_supervisor_client, pending):
    page = other_supervisor_client.get(reverse("visits:override_list"))
    assert list(page.context["overrides"]) == []
    url = reverse("visits:override_approve", args=[pending.public_id])
    assert other_supervisor_client.post(url).status_code == 404


def test_collector_cannot_decide(agent_client, pending):
    assert agent_client.get(reverse("visits:override_list")).status_code == 403
    url = reverse("visits:override_approve", args=[pending.public_id])
    assert agent_client.post(url).status_code == 403


def test_reject_needs_a_comment_then_cancels(supervisor_client, pending):
    url = reverse("visits:override_reject", args=[pending.public_id])
    assert supervisor_client.get(url).status_code == 405
    supervisor_client.post(url, {"comment": ""})
    pending.refresh_from_db()
    assert pending.status == "pending"
    supervisor_client.post(url, {"comment": "Wait until the family is back"})
    pending.refresh_from_db()
    assert pending.status == "rejected"


def test_approve_from_the_page_books_when_the_recheck_allows_it(supervisor_client, pending):
    # The views use the real clock: move the visit to a working day still ahead.
    start = datetime.fromisoformat(working_day_at(10, days_ahead=30) + "+08:00")
    Visit.objects.filter(pk=pending.visit.pk).update(
        planned_start=start, planned_end=start + timedelta(hours=1)
    )
    response = supervisor_client.post(
        reverse("visits:override_approve", args=[pending.public_id]), {"comment": "ok"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.visit.status) == ("approved", "booked")


def test_override_list_queries_do_not_grow_with_requests(
    supervisor_client, good_plan, home, agent, django_assert_max_num_queries
):
    for n in range(6):
        borrower = f.make_borrower(vulnerable=True)
        f.make_address(borrower=borrower)
        case = f.make_case(borrower=borrower, assigned_collector=agent, team=good_plan.case.team)
        plan = replace(
            good_plan,
            case=case,
            start=good_plan.start + timedelta(days=n),
            end=good_plan.end + timedelta(days=n),
        )
        visit_book(
            plan=plan,
            place=VisitPlace(address=borrower.addresses.get()),
            by=agent,
            now=NOW,
            justification="asked",
        )
    supervisor_client.get(reverse("visits:override_list"))  # session warm-up
    with django_assert_max_num_queries(9):  # 7 measured
        page = supervisor_client.get(reverse("visits:override_list"))
    assert len(page.context["overrides"]) == 6


def test_visit_page_queries_are_bounded(agent_client, booked, django_assert_max_num_queries):
    agent_client.get(detail_url(booked))
    with django_assert_max_num_queries(19):  # 17 measured: one per panel, none per row
        agent_client.get(detail_url(booked))
