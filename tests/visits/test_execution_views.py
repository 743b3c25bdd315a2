"""Visit page at the door, check-in/out, report form, review queue: per persona."""

from datetime import timedelta

import pytest
from django.urls import reverse

from compliance.models import Flag
from tests.visits.conftest import NOW, START
from visits.models import Notice
from visits.services.booking import visit_book
from visits.services.execution import Position, visit_check_out, visit_start
from visits.services.reports import report_save, report_submit

pytestmark = pytest.mark.django_db

POSITION = {"lat": "25.043100", "lng": "102.704100", "accuracy": "12", "problem": ""}


@pytest.fixture
def booked(good_plan, home, agent):
    visit = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    Notice.objects.filter(visit=visit).update(status="delivered", sent_at=NOW, delivered_at=NOW)
    return visit


@pytest.fixture
def in_progress(booked, agent):
    visit_start(visit=booked, by=agent, now=START, position=Position.missing("denied"))
    return booked


@pytest.fixture
def reported(in_progress, agent, crew):
    visit_check_out(
        visit=in_progress, by=agent, now=START + timedelta(minutes=40), position=Position.missing()
    )
    report_save(
        visit=in_progress,
        by=agent,
        fields={
            "outcome": "not_home",
            "id_shown": True,
            "institution_named": True,
            "purpose_stated": True,
            "notes": "Nobody answered.",
        },
        present=list(crew),
    )
    report_submit(visit=in_progress, by=agent, now=START + timedelta(hours=1))
    in_progress.refresh_from_db()
    return in_progress


def url(name, visit):
    return reverse(f"visits:{name}", args=[visit.public_id])


# The visit page


def test_member_sees_the_briefing_navigate_link_and_start_button(agent_client, booked):
    html = agent_client.get(url("visit_detail", booked)).content.decode()
    assert 'data-testid="at-the-door"' in html
    assert "geo:25.043000,102.704000" in html
    assert 'data-testid="start-visit"' in html
    assert "王*" in html and "138****5678" in html  # masked


def test_supervisor_sees_the_page_but_no_start_button(supervisor_client, booked):
    html = supervisor_client.get(url("visit_detail", booked)).content.decode()
    assert 'data-testid="start-visit"' not in html


# Start and check out


def test_start_with_position(agent_client, booked):
    response = agent_client.post(url("visit_start", booked), POSITION)
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == "in_progress"
    presence = booked.presences.get()
    assert (str(presence.lat), presence.accuracy_m, presence.problem) == ("25.043100", 12, "")


def test_start_with_denied_location_is_recorded_not_an_error(agent_client, booked):
    agent_client.post(url("visit_start", booked), {"problem": "denied"})
    assert booked.presences.get().problem == "denied"


def test_start_with_garbage_position_counts_as_missing(agent_client, booked):
    agent_client.post(url("visit_start", booked), {"lat": "north", "lng": "999", "accuracy": "-1"})
    assert booked.presences.get().problem == "unavailable"


def test_start_refused_without_delivered_notice_offers_reschedule(agent_client, booked):
    Notice.objects.filter(visit=booked).update(status="failed", delivered_at=None)
    response = agent_client.post(url("visit_start", booked), POSITION, follow=True)
    html = response.content.decode()
    assert "cannot start" in html and 'data-testid="reschedule"' in html
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_start_is_post_only_and_scoped(agent_client, other_agent_client, compliance_client, booked):
    assert agent_client.get(url("visit_start", booked)).status_code == 405
    assert other_agent_client.post(url("visit_start", booked), POSITION).status_code == 404
    assert compliance_client.post(url("visit_start", booked), POSITION).status_code == 403


def test_non_member_of_the_team_cannot_start(supervisor_client, booked):
    supervisor_client.post(url("visit_start", booked), POSITION)
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_check_out_leads_to_the_report(agent_client, in_progress):
    response = agent_client.post(url("visit_check_out", in_progress), POSITION)
    assert response.url == url("visit_report", in_progress)


# Report form


def report_post(crew, **changes):
    data = {
        "outcome": "promise_to_pay",
        "present": [c.pk for c in crew],
        "id_shown": "on",
        "institution_named": "on",
        "purpose_stated": "on",
        "left_when_asked": "true",
        "notes": "同意还款",
        "promise_amount": "800.00",
        "promise_due_on": "2026-12-15",
        "action": "save",
    }
    data.update(changes)
    return data


def test_draft_saves_and_comes_back(agent_client, in_progress, crew):
    response = agent_client.post(url("visit_report", in_progress), report_post(crew))
    assert response.status_code == 302
    page = agent_client.get(url("visit_report", in_progress))
    assert page.context["form"].initial["notes"] == "同意还款"
    in_progress.refresh_from_db()
    assert in_progress.status == "in_progress" and in_progress.report.submitted_at is None


def test_submit_without_check_out_is_a_form_error(agent_client, in_progress, crew):
    page = agent_client.post(url("visit_report", in_progress), report_post(crew, action="submit"))
    assert page.status_code == 400
    assert "Check out" in page.content.decode()


def test_submit_with_a_threat_raises_a_flag(agent_client, in_progress, crew):
    agent_client.post(url("visit_check_out", in_progress), POSITION)
    response = agent_client.post(
        url("visit_report", in_progress),
        report_post(crew, action="submit", notes="不还钱就让警察抓你"),
        follow=True,
    )
    assert "PROHIBITED_CONDUCT" in response.content.decode()
    in_progress.refresh_from_db()
    assert in_progress.status == "reported"
    assert Flag.objects.filter(visit=in_progress, rule="PROHIBITED_CONDUCT").exists()


def test_generate_fills_editable_instalments(agent_client, in_progress, crew):
    page = agent_client.post(
        url("visit_report", in_progress),
        report_post(
            crew,
            action="generate",
            plan_total="1000.00",
            plan_count="4",
            plan_first_due="2026-12-31",
        ),
    )
    text = page.context["form"]["plan_schedule"].value()
    assert text.splitlines() == [
        "2026-12-31 250.00",
        "2027-01-31 250.00",
        "2027-02-28 250.00",
        "2027-03-31 250.00",
    ]


def test_bad_instalment_line_names_the_line(agent_client, in_progress, crew):
    page = agent_client.post(
        url("visit_report", in_progress), report_post(crew, plan_schedule="2027-01-01 abc")
    )
    assert page.status_code == 400
    assert "Line 1" in page.content.decode()


def test_report_scope_and_roles(other_agent_client, compliance_client, in_progress):
    assert other_agent_client.get(url("visit_report", in_progress)).status_code == 404
    assert compliance_client.get(url("visit_report", in_progress)).status_code == 403


def test_submitted_report_cannot_be_edited(agent_client, reported, crew):
    page = agent_client.post(url("visit_report", reported), report_post(crew))
    assert page.status_code == 400
    assert "only during the visit" in page.content.decode()


# Review


def test_queue_lists_team_reports_oldest_first(supervisor_client, reported):
    page = supervisor_client.get(reverse("visits:review_queue"))
    assert list(page.context["visits"]) == [reported]
    assert 'data-testid="failing-findings"' in page.content.decode()  # presence not verified


def test_other_supervisor_and_collectors_see_no_queue(
    other_supervisor_client, agent_client, reported
):
    page = other_supervisor_client.get(reverse("visits:review_queue"))
    assert list(page.context["visits"]) == []
    assert agent_client.get(reverse("visits:review_queue")).status_code == 403


def test_return_needs_a_comment_then_approve_after_resubmission(
    supervisor_client, agent_client, reported, crew
):
    supervisor_client.post(url("visit_return", reported), {"comment": ""})
    reported.refresh_from_db()
    assert reported.status == "reported"
    supervisor_client.post(url("visit_return", reported), {"comment": "Say who answered the door"})
    reported.refresh_from_db()
    assert reported.status == "returned"

    agent_client.post(
        url("visit_report", reported),
        report_post(crew, action="submit", outcome="not_home", notes="Neighbour said away"),
    )
    reported.refresh_from_db()
    assert reported.status == "reported"
    supervisor_client.post(url("visit_approve", reported), {"comment": ""})
    reported.refresh_from_db()
    assert reported.status == "approved"


def test_review_out_of_scope_is_404(other_supervisor_client, reported):
    assert other_supervisor_client.post(url("visit_approve", reported)).status_code == 404


def test_review_is_post_only(supervisor_client, reported):
    assert supervisor_client.get(url("visit_approve", reported)).status_code == 405


def test_review_queue_queries_are_bounded(
    supervisor_client, reported, django_assert_max_num_queries
):
    supervisor_client.get(reverse("visits:review_queue"))
    with django_assert_max_num_queries(12):
        supervisor_client.get(reverse("visits:review_queue"))
