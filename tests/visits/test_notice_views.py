"""Outbox page (visits:notice_list), printable letter (visits:notice_letter), visit partial.

Per persona: the collector sees their own visits' notices, another collector does not; the
supervisor sees the team's; compliance everything; no role 403 on the outbox and 404 on a
letter; anonymous is sent to log in.
"""

import uuid

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests import factories as f
from visits.models import Notice, NoticeStatus
from visits.services.sending import notice_send

from .conftest import NOW, START
from .notice_helpers import book

LIST = "/notices/"
NAME, NAME_MASKED = "王小明", "王**"


def letter_url(notice) -> str:
    return reverse("visits:notice_letter", args=[notice.public_id])


def rows(response) -> int:
    return response.content.decode().count('data-testid="notice-row"')


@pytest.fixture
def sms(good_plan, home, agent):
    (notice,) = book(good_plan, home, agent, NOW)
    notice_send(notice_id=notice.pk, now=NOW)
    notice.refresh_from_db()
    return notice


@pytest.fixture
def letter(case, good_plan, home, agent):
    case.borrower.mobile = ""
    case.borrower.gender = "M"
    case.borrower.save()
    (notice,) = book(good_plan, home, agent, NOW)
    notice_send(notice_id=notice.pk, now=NOW)
    notice.refresh_from_db()
    return notice


@pytest.fixture
def other_notice(other_case, other_agent):
    visit = f.make_visit(case=other_case, start=START, members=(other_agent,))
    return Notice.objects.create(visit=visit, channel="sms", next_attempt_at=NOW)


def test_route_names():
    assert reverse("visits:notice_list") == LIST
    assert letter_url(Notice(public_id=uuid.UUID(int=1))).startswith("/notices/")


class TestOutbox:
    def test_collector_sees_their_visits_notices_masked(self, agent_client, sms, other_notice):
        response = agent_client.get(LIST)
        assert response.status_code == 200
        assert rows(response) == 1
        assertContains(response, NAME_MASKED)
        assertNotContains(response, NAME)
        assertContains(response, "2026-12-02 10:00")  # the agent's zone: Shanghai
        assertContains(response, reverse("visits:visit_detail", args=[sms.visit.public_id]))
        assertContains(response, 'data-testid="notice-status">Delivered<')

    def test_other_collector_does_not_see_it(self, other_agent_client, sms, other_notice):
        response = other_agent_client.get(LIST)
        assert rows(response) == 1
        assertNotContains(response, NAME_MASKED)
        assertContains(response, "赵*")

    def test_supervisor_sees_the_team_only(self, supervisor_client, sms, other_notice):
        response = supervisor_client.get(LIST)
        assert rows(response) == 1
        assertContains(response, NAME_MASKED)

    def test_other_supervisor_does_not(self, other_supervisor_client, sms, other_notice):
        response = other_supervisor_client.get(LIST)
        assert rows(response) == 1
        assertNotContains(response, NAME_MASKED)

    def test_compliance_sees_everything(self, compliance_client, sms, other_notice):
        response = compliance_client.get(LIST)
        assert rows(response) == 2

    def test_user_without_role_is_403(self, outsider_client, sms):
        assert outsider_client.get(LIST).status_code == 403

    def test_anonymous_is_sent_to_login(self, client, sms):
        assertRedirects(
            client.get(LIST), f"{reverse('login')}?next={LIST}", fetch_redirect_response=False
        )

    def test_post_is_405(self, agent_client):
        assert agent_client.post(LIST).status_code == 405

    def test_times_in_the_users_zone(self, agent, agent_client, sms):
        agent.staff_profile.timezone = "Asia/Urumqi"
        agent.staff_profile.save()
        response = agent_client.get(LIST)
        assertContains(response, "2026-12-02 08:00")

    def test_failed_row_shows_error_attempts_and_given_up(self, compliance_client, other_notice):
        Notice.objects.filter(pk=other_notice.pk).update(
            status=NoticeStatus.FAILED,
            attempts=8,
            next_attempt_at=None,
            last_error="SMS gateway answered HTTP 503 Service Unavailable",
        )
        response = compliance_client.get(LIST)
        assertContains(response, "Given up")
        assertContains(response, "HTTP 503")

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("status=delivered", 1),
            ("status=pending", 1),
            ("status=failed", 0),
            ("status=gave_up", 0),
            ("channel=sms", 2),
            ("channel=letter", 0),
            ("status=delivered&channel=email", 0),
        ],
    )
    def test_filters(self, compliance_client, sms, other_notice, query, expected):
        response = compliance_client.get(f"{LIST}?{query}")
        assert response.status_code == 200
        assert rows(response) == expected

    def test_unknown_filter_value_is_ignored_with_an_error_shown(self, compliance_client, sms):
        response = compliance_client.get(f"{LIST}?status=bogus")
        assert response.status_code == 200
        assertContains(response, "Select a valid choice")

    def test_newest_first_and_paged_without_counting(
        self, compliance_client, case, crew, settings, django_assert_max_num_queries
    ):
        settings.NOTICES_PAGE_SIZE = 3
        visit = f.make_visit(case=case, start=START, members=crew)
        made = [
            Notice.objects.create(visit=visit, channel="sms", next_attempt_at=NOW) for _ in range(7)
        ]
        compliance_client.get(LIST)  # the first request also stores the zone in the session
        # Session, user, zone, two permission lookups, role, then ONE query for the page.
        with django_assert_max_num_queries(7) as captured:
            first = compliance_client.get(LIST)
        assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
        assert rows(first) == 3
        html = first.content.decode()
        assert html.index(letter_or_row(made[6])) < html.index(letter_or_row(made[4]))
        assertContains(first, 'data-testid="next-page"')
        last = compliance_client.get(f"{LIST}?page=3")
        assert rows(last) == 1
        assertNotContains(last, 'data-testid="next-page"')
        assert rows(compliance_client.get(f"{LIST}?page=abc")) == 3
        assert rows(compliance_client.get(f"{LIST}?page=99")) == 0

    def test_queries_do_not_grow_with_rows(
        self, compliance_client, case, other_case, crew, django_assert_max_num_queries
    ):
        for c in (case, other_case):
            visit = f.make_visit(case=c, start=START, members=crew)
            for _ in range(10):
                Notice.objects.create(visit=visit, channel="sms", next_attempt_at=NOW)
        compliance_client.get(LIST)
        with django_assert_max_num_queries(7):
            assert rows(compliance_client.get(LIST)) == 20

    def test_letter_rows_link_to_the_letter(self, agent_client, letter):
        response = agent_client.get(LIST)
        assertContains(response, letter_url(letter))


def letter_or_row(notice) -> str:
    """A marker unique to the row: its visit link is shared, so use the created order."""
    return f'data-notice="{notice.public_id}"'


class TestLetter:
    def test_collector_gets_the_printable_letter(self, agent_client, letter, settings):
        response = agent_client.get(letter_url(letter))
        assert response.status_code == 200
        assertContains(response, settings.FIELDVISIT_BANK_NAME)
        assertContains(response, NAME)  # the envelope needs the full name
        assertContains(response, "人民中路1号")
        assertContains(response, "五华区")
        assertContains(response, letter.body.splitlines()[0])  # "Dear Mr 王," as sent
        assertContains(response, "2026年12月2日")
        assertContains(response, "data-print")
        assertNotContains(response, "530102198805061234")

    def test_supervisor_too(self, supervisor_client, letter):
        assert supervisor_client.get(letter_url(letter)).status_code == 200

    def test_compliance_sees_it_masked(self, compliance_client, letter):
        response = compliance_client.get(letter_url(letter))
        assert response.status_code == 200
        assertContains(response, NAME_MASKED)
        assertNotContains(response, NAME)
        assertNotContains(response, "人民中路1号")

    @pytest.mark.parametrize(
        "persona", ["other_agent_client", "other_supervisor_client", "outsider_client"]
    )
    def test_out_of_scope_is_404(self, request, persona, letter):
        client = request.getfixturevalue(persona)
        assert client.get(letter_url(letter)).status_code == 404

    def test_not_a_letter_is_404(self, agent_client, sms):
        assert agent_client.get(letter_url(sms)).status_code == 404

    def test_missing_is_404(self, agent_client):
        missing = reverse("visits:notice_letter", args=[uuid.uuid4()])
        assert agent_client.get(missing).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, letter):
        url = letter_url(letter)
        assertRedirects(
            client.get(url), f"{reverse('login')}?next={url}", fetch_redirect_response=False
        )

    def test_post_is_405(self, agent_client, letter):
        assert agent_client.post(letter_url(letter)).status_code == 405

    def test_withdrawn_letter_says_do_not_post(self, agent_client, case, good_plan, home, agent):
        case.borrower.mobile = ""
        case.borrower.save()
        (notice,) = book(good_plan, home, agent, NOW)
        Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.WITHDRAWN)
        response = agent_client.get(letter_url(notice))
        assertContains(response, 'data-testid="letter-withdrawn"')
        assertNotContains(response, 'data-testid="letter"')


class TestVisitPartial:
    def test_lists_one_visits_notices(self, letter, other_notice):
        html = render_to_string(
            "visits/includes/_notices.html", {"notices": [letter, other_notice]}
        )
        assert html.count("<li") == 2
        assert letter_url(letter) in html
        assert letter_url(other_notice) not in html

    def test_empty(self, db):
        html = render_to_string("visits/includes/_notices.html", {"notices": []})
        assert "No notices for this visit." in html


class TestAdmin:
    def test_notices_are_read_only_in_the_admin(self, admin_client_, sms):
        changelist = admin_client_.get(reverse("admin:visits_notice_changelist"))
        assert changelist.status_code == 200
        change = admin_client_.get(reverse("admin:visits_notice_change", args=[sms.pk]))
        assertContains(change, sms.body.splitlines()[0])
        assertNotContains(change, 'name="status"')
        visit = admin_client_.get(reverse("admin:visits_visit_change", args=[sms.visit.pk]))
        assert visit.status_code == 200
        assert admin_client_.get(reverse("admin:visits_notice_add")).status_code == 403
