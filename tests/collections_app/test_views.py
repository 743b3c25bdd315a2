"""Ledger screens: worklist, dossier, briefing, overdue reason, borrower redirect, reveal.

Every view: happy path, anonymous (login redirect), wrong role (403 on permission gates),
outsider / out of scope (404), GET on POST-only views (405), missing object (404), bad
input (400 with the field error, nothing written). Masking is checked on every screen.
"""

import uuid
from datetime import date

import pytest
from django.urls import reverse
from pytest_django.asserts import (
    assertContains,
    assertNotContains,
    assertRedirects,
    assertTemplateUsed,
)

from collections_app.models import Case
from compliance.models import PiiAccess
from tests import factories as f

NATIONAL_ID = "530102198805061234"  # the `case` fixture's borrower
NATIONAL_ID_MASKED = "530***********1234"
MOBILE = "13812345678"
MOBILE_MASKED = "138****5678"
CONTACT_MOBILE = "13900001111"
NAME = "王小明"
NAME_MASKED = "王**"


def dossier_url(case) -> str:
    return reverse("collections_app:case_detail", args=[case.public_id])


def briefing_url(case) -> str:
    return reverse("collections_app:case_briefing", args=[case.public_id])


def reason_url(case) -> str:
    return reverse("collections_app:case_overdue_reason", args=[case.public_id])


def borrower_url(borrower) -> str:
    return reverse("collections_app:borrower_detail", args=[borrower.public_id])


def reveal_url(borrower) -> str:
    return reverse("collections_app:borrower_reveal", args=[borrower.public_id])


def login_redirect(url: str) -> str:
    return f"{reverse('login')}?next={url}"


def rows(response) -> int:
    """Worklist rows on the page (each row carries one bucket badge)."""
    return response.content.decode().count('data-testid="bucket"')


def order_of(response, *needles: str) -> list[str]:
    """The needles sorted by where they first appear on the page."""
    html = response.content.decode()
    found = {n: html.index(n) for n in needles}
    return sorted(found, key=found.get)


# --------------------------------------------------------------------------------------
# Worklist (home)
# --------------------------------------------------------------------------------------


@pytest.fixture
def portfolio(agent, team):
    """Five open cases of `agent` with distinct buckets, districts, promises and flags.

    Keyed by a short label; customer numbers are unique so rows can be found on the page.
    """

    def open_case(label, *, dpd, bucket, overdue, district, flagged=False, **case_fields):
        borrower = f.make_borrower(
            name="陈" + label, customer_number=f"CUST-{label}", vulnerable=flagged
        )
        f.make_address(borrower=borrower, district=district)
        return f.make_case(
            borrower=borrower,
            assigned_collector=agent,
            team=team,
            dpd=dpd,
            bucket=bucket,
            overdue_amount=overdue,
            **case_fields,
        )

    cases = {
        "m1": open_case("m1", dpd=10, bucket="M1", overdue="500.00", district="五华区"),
        "m2": open_case("m2", dpd=45, bucket="M2", overdue="3000.00", district="盘龙区"),
        "m3": open_case(
            "m3", dpd=75, bucket="M3", overdue="1000.00", district="五华区", flagged=True
        ),
        "m4": open_case("m4", dpd=100, bucket="M4", overdue="9000.00", district="官渡区"),
        "m0": open_case("m0", dpd=0, bucket="M0", overdue="0.00", district="西山区"),
    }
    f.make_promise(
        case=cases["m1"], amount="500.00", promised_on=date(2026, 2, 1), due_on=date(2026, 2, 10)
    )
    # The latest promise decides: m2's older one broke, its newest is still pending.
    f.make_promise(
        case=cases["m2"],
        amount="100.00",
        promised_on=date(2026, 1, 1),
        due_on=date(2026, 1, 5),
        status="broken",
    )
    f.make_promise(
        case=cases["m2"], amount="300.00", promised_on=date(2026, 2, 1), due_on=date(2026, 2, 20)
    )
    f.make_promise(
        case=cases["m4"],
        amount="900.00",
        promised_on=date(2026, 1, 1),
        due_on=date(2026, 1, 20),
        status="kept",
    )
    return cases


def shown(response, portfolio) -> set[str]:
    html = response.content.decode()
    return {label for label, case in portfolio.items() if case.borrower.customer_number in html}


class TestWorklist:
    url = "/"

    def test_anonymous_is_sent_to_login(self, client):
        assertRedirects(client.get(self.url), login_redirect(self.url))

    def test_collector_sees_own_cases_only(self, agent_client, case, other_case):
        response = agent_client.get(self.url)
        assertTemplateUsed(response, "collections_app/case_list.html")
        assertContains(response, case.borrower.customer_number)
        assertNotContains(response, other_case.borrower.customer_number)
        assertContains(response, "My worklist")

    def test_collector_gets_no_collector_filter_or_column(self, agent_client, case):
        response = agent_client.get(self.url)
        assertContains(response, 'name="bucket"')
        assertNotContains(response, 'name="collector"')
        assert "collector" not in response.context["filter"].form.fields
        assertNotContains(response, '<th scope="col" class="d-none d-lg-table-cell">Collector')

    def test_worklist_masks_personal_data(self, agent_client, case):
        response = agent_client.get(self.url)
        assertContains(response, NAME_MASKED)
        for raw in (NAME, NATIONAL_ID, MOBILE, CONTACT_MOBILE):
            assertNotContains(response, raw)

    def test_supervisor_sees_team_cases_with_collector_filter(
        self, supervisor_client, agent, case, other_case
    ):
        response = supervisor_client.get(self.url)
        assertContains(response, case.borrower.customer_number)
        assertNotContains(response, other_case.borrower.customer_number)
        assertContains(response, "Team worklist")
        assertContains(response, 'name="collector"')
        assertContains(response, '<th scope="col" class="d-none d-lg-table-cell">Collector')
        assertContains(response, f'<option value="{agent.pk}"')

    def test_supervisor_filters_by_collector(self, supervisor_client, team, case, portfolio):
        colleague = f.make_user(role="collector", team=team, username="colleague")
        theirs = f.make_case(assigned_collector=colleague, team=team, dpd=5, bucket="M1")
        response = supervisor_client.get(self.url, {"collector": colleague.pk})
        assertContains(response, theirs.borrower.customer_number)
        assertNotContains(response, case.borrower.customer_number)
        assert rows(response) == 1

    def test_supervisor_cannot_filter_by_a_collector_outside_the_team(
        self, supervisor_client, other_agent, case, other_case
    ):
        response = supervisor_client.get(self.url, {"collector": other_agent.pk, "sort": "-dpd"})
        # Not a valid choice: a form error, the filter is ignored, never their cases.
        assert "collector" in response.context["filter"].form.errors
        assertContains(response, case.borrower.customer_number)
        assertNotContains(response, other_case.borrower.customer_number)

    def test_collector_filter_parameter_is_ignored_for_collectors(
        self, agent_client, other_agent, case, other_case
    ):
        response = agent_client.get(self.url, {"collector": other_agent.pk})
        assertContains(response, case.borrower.customer_number)
        assertNotContains(response, other_case.borrower.customer_number)

    @pytest.mark.parametrize("persona", ["compliance_client", "admin_client_"])
    def test_compliance_and_admin_see_all_cases(self, request, persona, case, other_case):
        response = request.getfixturevalue(persona).get(self.url)
        assertContains(response, case.borrower.customer_number)
        assertContains(response, other_case.borrower.customer_number)
        assertContains(response, "All cases")

    def test_user_without_role_gets_an_empty_worklist(self, outsider_client, case, other_case):
        response = outsider_client.get(self.url)
        assertContains(response, 'data-testid="worklist-empty"')
        assertNotContains(response, case.borrower.customer_number)
        assertNotContains(response, other_case.borrower.customer_number)

    def test_closed_cases_are_not_listed(self, agent_client, agent, case):
        closed = f.make_case(assigned_collector=agent, status="closed", closed_on=date(2026, 2, 1))
        response = agent_client.get(self.url)
        assertContains(response, case.borrower.customer_number)
        assertNotContains(response, closed.borrower.customer_number)

    def test_default_order_is_worst_first(self, agent_client, portfolio):
        response = agent_client.get(self.url)
        numbers = [portfolio[k].borrower.customer_number for k in ("m0", "m1", "m2", "m3", "m4")]
        assert order_of(response, *numbers) == numbers[::-1]

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"bucket": ["M2"]}, {"m2"}),
            ({"bucket": ["M1", "M3"]}, {"m1", "m3"}),
            ({"district": "五华区"}, {"m1", "m3"}),
            ({"district": "盘龙区"}, {"m2"}),
            ({"promise": "none"}, {"m3", "m0"}),
            ({"promise": "pending"}, {"m1", "m2"}),
            ({"promise": "kept"}, {"m4"}),
            ({"promise": "broken"}, set()),  # m2's broken promise is not its latest
            ({"flagged": "true"}, {"m3"}),
            ({"flagged": "false"}, {"m0", "m1", "m2", "m4"}),
            ({"bucket": ["M1", "M2", "M3"], "district": "五华区", "flagged": "false"}, {"m1"}),
        ],
        ids=lambda v: str(v) if isinstance(v, dict) else None,
    )
    def test_filters(self, agent_client, portfolio, params, expected):
        response = agent_client.get(self.url, params)
        assert response.status_code == 200
        assert shown(response, portfolio) == expected
        assert rows(response) == len(expected)

    def test_district_choices_come_from_the_users_own_cases(
        self, agent_client, supervisor_client, compliance_client, case, other_case
    ):
        # `case` is in 五华区 (agent's team), `other_case` in 盘龙区 (other team).
        for client, offered, hidden in (
            (agent_client, "五华区", "盘龙区"),
            (supervisor_client, "五华区", "盘龙区"),
        ):
            response = client.get(self.url)
            assertContains(response, f'<option value="{offered}">')
            assertNotContains(response, f'<option value="{hidden}">')
        response = compliance_client.get(self.url)
        assertContains(response, '<option value="五华区">')
        assertContains(response, '<option value="盘龙区">')

    def test_unknown_bucket_is_a_form_error_not_a_crash(self, agent_client, portfolio):
        response = agent_client.get(self.url, {"bucket": "M99"})
        assert response.status_code == 200
        assert "bucket" in response.context["filter"].form.errors

    def test_sort_by_dpd_descending(self, agent_client, portfolio):
        response = agent_client.get(self.url, {"sort": "-dpd"})
        labels = ["m4", "m3", "m2", "m1", "m0"]
        numbers = [portfolio[k].borrower.customer_number for k in labels]
        assert order_of(response, *numbers) == numbers

    def test_sort_by_overdue_ascending(self, agent_client, portfolio):
        response = agent_client.get(self.url, {"sort": "overdue"})
        labels = ["m0", "m1", "m3", "m2", "m4"]  # 0, 500, 1000, 3000, 9000
        numbers = [portfolio[k].borrower.customer_number for k in labels]
        assert order_of(response, *numbers) == numbers

    def test_pagination_keeps_the_filter(self, agent_client, agent, team, portfolio, settings):
        settings.WORKLIST_PAGE_SIZE = 3
        for _ in range(4):  # with portfolio's m2: five M2 cases, two pages of three
            f.make_case(assigned_collector=agent, team=team, dpd=40, bucket="M2")
        first = agent_client.get(self.url, {"bucket": "M2", "sort": "-dpd"})
        assert rows(first) == 3
        assertContains(first, "?bucket=M2&amp;sort=-dpd&amp;page=2")
        assertContains(first, "5 open cases")

        second = agent_client.get(self.url, {"bucket": "M2", "sort": "-dpd", "page": 2})
        assert rows(second) == 2
        assert second.context["page"].number == 2
        assertContains(second, "?bucket=M2&amp;sort=-dpd&amp;page=1")
        assertNotContains(second, "page=3")
        assert shown(second, portfolio) <= {"m2"}  # never another bucket on page 2

    def test_page_out_of_range_shows_last_page(self, agent_client, case):
        response = agent_client.get(self.url, {"page": 99})
        assert response.status_code == 200
        assertContains(response, case.borrower.customer_number)

    def test_post_is_not_allowed(self, agent_client):
        assert agent_client.post(self.url).status_code == 405


# --------------------------------------------------------------------------------------
# Case dossier
# --------------------------------------------------------------------------------------


class TestCaseDetail:
    def test_anonymous_is_sent_to_login(self, client, case):
        url = dossier_url(case)
        assertRedirects(client.get(url), login_redirect(url))

    def test_collector_opens_own_case(self, agent_client, case):
        response = agent_client.get(dossier_url(case))
        assertTemplateUsed(response, "collections_app/case_detail.html")
        assertContains(response, case.borrower.customer_number)
        assertContains(response, 'data-testid="overdue-reason-form"')
        # Collectors may not reveal: no reveal form at all.
        assertNotContains(response, reveal_url(case.borrower))

    def test_dossier_masks_personal_data(self, agent_client, case):
        response = agent_client.get(dossier_url(case))
        assertContains(response, NATIONAL_ID_MASKED)
        assertContains(response, MOBILE_MASKED)
        assertContains(response, NAME_MASKED)
        assertContains(response, "139****1111")  # the contact person's mobile
        for raw in (NATIONAL_ID, MOBILE, NAME, CONTACT_MOBILE):
            assertNotContains(response, raw)

    def test_dossier_masks_for_revealing_roles_too(self, compliance_client, case):
        response = compliance_client.get(dossier_url(case))
        assertContains(response, NATIONAL_ID_MASKED)
        assertContains(response, reveal_url(case.borrower))
        for raw in (NATIONAL_ID, MOBILE, NAME):
            assertNotContains(response, raw)
        # Compliance reads the reason but does not edit it.
        assertNotContains(response, 'data-testid="overdue-reason-form"')

    @pytest.mark.parametrize("persona", ["supervisor_client", "compliance_client", "admin_client_"])
    def test_roles_in_scope_open_it(self, request, persona, case):
        response = request.getfixturevalue(persona).get(dossier_url(case))
        assertContains(response, case.borrower.customer_number)

    @pytest.mark.parametrize(
        "persona", ["other_agent_client", "other_supervisor_client", "outsider_client"]
    )
    def test_out_of_scope_is_404(self, request, persona, case):
        assert request.getfixturevalue(persona).get(dossier_url(case)).status_code == 404

    def test_collector_cannot_open_another_collectors_case(self, agent_client, other_case):
        assert agent_client.get(dossier_url(other_case)).status_code == 404

    def test_missing_case_is_404(self, agent_client):
        url = reverse("collections_app:case_detail", args=[uuid.uuid4()])
        assert agent_client.get(url).status_code == 404

    def test_post_is_not_allowed(self, agent_client, case):
        assert agent_client.post(dossier_url(case)).status_code == 405

    def test_repayment_history_is_paginated(self, agent_client, case):
        loan = case.borrower.loans.get()
        for day in range(1, 26):
            f.make_repayment(loan=loan, paid_on=date(2026, 1, day), amount="10.00")
        first = agent_client.get(dossier_url(case))
        assert len(first.context["repayments"].object_list) == 20
        assertContains(first, "rpage=2")
        second = agent_client.get(dossier_url(case), {"rpage": 2})
        assert len(second.context["repayments"].object_list) == 5


# --------------------------------------------------------------------------------------
# Briefing
# --------------------------------------------------------------------------------------


class TestCaseBriefing:
    def test_anonymous_is_sent_to_login(self, client, case):
        url = briefing_url(case)
        assertRedirects(client.get(url), login_redirect(url))

    def test_collector_prints_own_briefing(self, agent_client, case):
        response = agent_client.get(briefing_url(case))
        assertTemplateUsed(response, "collections_app/case_briefing.html")
        assertContains(response, 'data-testid="briefing"')
        assertContains(response, MOBILE_MASKED)
        assertContains(response, NAME_MASKED)
        assertNotContains(response, MOBILE)
        assertNotContains(response, NAME)

    def test_briefing_leaves_out_national_id_and_repayment_history(self, agent_client, case):
        loan = case.borrower.loans.get()
        f.make_repayment(loan=loan, paid_on=date(2026, 1, 20), amount="777.77")
        dossier = agent_client.get(dossier_url(case))
        assertContains(dossier, "¥777.77")  # control: the dossier does show it

        response = agent_client.get(briefing_url(case))
        assertNotContains(response, NATIONAL_ID)
        assertNotContains(response, NATIONAL_ID_MASKED)
        assertNotContains(response, "National ID")
        assertNotContains(response, "777.77")
        assertNotContains(response, "Repayment history")
        assertNotContains(response, 'data-testid="repayments"')

    @pytest.mark.parametrize(
        "persona", ["other_agent_client", "other_supervisor_client", "outsider_client"]
    )
    def test_out_of_scope_is_404(self, request, persona, case):
        assert request.getfixturevalue(persona).get(briefing_url(case)).status_code == 404

    def test_missing_case_is_404(self, agent_client):
        url = reverse("collections_app:case_briefing", args=[uuid.uuid4()])
        assert agent_client.get(url).status_code == 404

    def test_post_is_not_allowed(self, agent_client, case):
        assert agent_client.post(briefing_url(case)).status_code == 405


# --------------------------------------------------------------------------------------
# Overdue reason (POST)
# --------------------------------------------------------------------------------------


class TestOverdueReason:
    data = {"overdue_reason": "illness", "overdue_reason_note": "In hospital since March."}

    def test_collector_sets_the_reason(self, agent_client, case):
        response = agent_client.post(reason_url(case), self.data)
        assertRedirects(response, dossier_url(case), fetch_redirect_response=False)
        case.refresh_from_db()
        assert case.overdue_reason == "illness"
        assert case.overdue_reason_note == "In hospital since March."
        page = agent_client.get(dossier_url(case))
        assertContains(page, "Overdue reason saved.")
        assertContains(page, "Illness or injury")

    def test_supervisor_sets_the_reason_on_a_team_case(self, supervisor_client, case):
        response = supervisor_client.post(reason_url(case), self.data)
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.overdue_reason == "illness"

    def test_anonymous_is_sent_to_login(self, client, case):
        url = reason_url(case)
        assertRedirects(
            client.post(url, self.data), login_redirect(url), fetch_redirect_response=False
        )
        case.refresh_from_db()
        assert case.overdue_reason == "unknown"

    @pytest.mark.parametrize("persona", ["compliance_client", "outsider_client"])
    def test_roles_without_change_permission_get_403(self, request, persona, case):
        response = request.getfixturevalue(persona).post(reason_url(case), self.data)
        assert response.status_code == 403
        case.refresh_from_db()
        assert case.overdue_reason == "unknown"

    @pytest.mark.parametrize("persona", ["other_agent_client", "other_supervisor_client"])
    def test_out_of_scope_is_404(self, request, persona, case):
        response = request.getfixturevalue(persona).post(reason_url(case), self.data)
        assert response.status_code == 404
        case.refresh_from_db()
        assert case.overdue_reason == "unknown"

    def test_missing_case_is_404(self, agent_client):
        url = reverse("collections_app:case_overdue_reason", args=[uuid.uuid4()])
        assert agent_client.post(url, self.data).status_code == 404

    def test_get_is_not_allowed(self, agent_client, case):
        assert agent_client.get(reason_url(case)).status_code == 405

    def test_bogus_reason_is_400_with_the_field_error(self, agent_client, case):
        response = agent_client.post(
            reason_url(case), {"overdue_reason": "bogus", "overdue_reason_note": "x"}
        )
        assertContains(response, "Select a valid choice", status_code=400)
        assertTemplateUsed(response, "collections_app/case_detail.html")
        # The dossier re-rendered with the error is still masked.
        assertContains(response, NATIONAL_ID_MASKED, status_code=400)
        assertNotContains(response, NATIONAL_ID, status_code=400)
        case.refresh_from_db()
        assert (case.overdue_reason, case.overdue_reason_note) == ("unknown", "")


# --------------------------------------------------------------------------------------
# Borrower detail (redirect to the dossier)
# --------------------------------------------------------------------------------------


class TestBorrowerDetail:
    def test_redirects_to_the_case_dossier(self, agent_client, case):
        response = agent_client.get(borrower_url(case.borrower))
        assertRedirects(response, dossier_url(case), fetch_redirect_response=False)

    def test_prefers_the_open_case_over_a_closed_one(self, agent_client, agent, team, case):
        closed = f.make_case(
            borrower=case.borrower,
            assigned_collector=agent,
            team=team,
            status="closed",
            opened_on=date(2025, 3, 1),
            closed_on=date(2025, 9, 1),
        )
        response = agent_client.get(borrower_url(case.borrower))
        assertRedirects(response, dossier_url(case), fetch_redirect_response=False)
        Case.objects.filter(pk=case.pk).update(status="closed", closed_on=date(2026, 2, 1))
        response = agent_client.get(borrower_url(case.borrower))
        # Both closed: the latest opened wins.
        assertRedirects(response, dossier_url(case), fetch_redirect_response=False)
        assert closed.opened_on < case.opened_on

    def test_anonymous_is_sent_to_login(self, client, case):
        url = borrower_url(case.borrower)
        assertRedirects(client.get(url), login_redirect(url), fetch_redirect_response=False)

    @pytest.mark.parametrize(
        "persona", ["other_agent_client", "other_supervisor_client", "outsider_client"]
    )
    def test_out_of_scope_is_404(self, request, persona, case):
        response = request.getfixturevalue(persona).get(borrower_url(case.borrower))
        assert response.status_code == 404

    def test_missing_borrower_is_404(self, agent_client):
        url = reverse("collections_app:borrower_detail", args=[uuid.uuid4()])
        assert agent_client.get(url).status_code == 404

    def test_post_is_not_allowed(self, agent_client, case):
        assert agent_client.post(borrower_url(case.borrower)).status_code == 405


# --------------------------------------------------------------------------------------
# Reveal (POST, permission gate, logged)
# --------------------------------------------------------------------------------------


class TestBorrowerReveal:
    reason = "Borrower disputes identity on the phone"

    def test_supervisor_reveals_national_id(self, supervisor_client, supervisor, case):
        response = supervisor_client.post(
            reveal_url(case.borrower), {"field": "national_id", "reason": self.reason}
        )
        assertTemplateUsed(response, "collections_app/borrower_reveal.html")
        assertContains(response, NATIONAL_ID)
        assertContains(response, "<html", status_code=200)
        access = PiiAccess.objects.get()
        assert (access.user, access.borrower, access.field, access.reason) == (
            supervisor,
            case.borrower,
            "national_id",
            self.reason,
        )

    def test_htmx_reveal_returns_only_the_partial(self, supervisor_client, supervisor, case):
        response = supervisor_client.post(
            reveal_url(case.borrower),
            {"field": "mobile", "reason": self.reason},
            HTTP_HX_REQUEST="true",
        )
        assertTemplateUsed(response, "collections_app/includes/_reveal.html")
        assertNotContains(response, "<html")
        assertContains(response, MOBILE)
        assertContains(response, 'data-testid="revealed"')
        assert PiiAccess.objects.filter(
            user=supervisor, borrower=case.borrower, field="mobile", reason=self.reason
        ).exists()

    def test_compliance_reveals_any_borrower(self, compliance_client, other_case):
        response = compliance_client.post(
            reveal_url(other_case.borrower), {"field": "name", "reason": self.reason}
        )
        assertContains(response, "赵六")
        assert PiiAccess.objects.filter(borrower=other_case.borrower, field="name").count() == 1

    def test_each_reveal_is_logged(self, supervisor_client, case):
        for _ in range(2):
            supervisor_client.post(
                reveal_url(case.borrower), {"field": "mobile", "reason": self.reason}
            )
        assert PiiAccess.objects.count() == 2

    def test_anonymous_is_sent_to_login(self, client, case):
        url = reveal_url(case.borrower)
        response = client.post(url, {"field": "mobile", "reason": self.reason})
        assertRedirects(response, login_redirect(url), fetch_redirect_response=False)
        assert not PiiAccess.objects.exists()

    @pytest.mark.parametrize("persona", ["agent_client", "outsider_client"])
    def test_roles_without_reveal_permission_get_403(self, request, persona, case):
        response = request.getfixturevalue(persona).post(
            reveal_url(case.borrower), {"field": "national_id", "reason": self.reason}
        )
        assert response.status_code == 403
        assertNotContains(response, NATIONAL_ID, status_code=403)
        assert not PiiAccess.objects.exists()

    def test_out_of_scope_supervisor_gets_404(self, other_supervisor_client, case):
        response = other_supervisor_client.post(
            reveal_url(case.borrower), {"field": "national_id", "reason": self.reason}
        )
        assert response.status_code == 404
        assert not PiiAccess.objects.exists()

    def test_missing_borrower_is_404(self, supervisor_client):
        url = reverse("collections_app:borrower_reveal", args=[uuid.uuid4()])
        response = supervisor_client.post(url, {"field": "mobile", "reason": self.reason})
        assert response.status_code == 404

    def test_get_is_not_allowed(self, supervisor_client, case):
        assert supervisor_client.get(reveal_url(case.borrower)).status_code == 405

    def test_failed_htmx_reveal_keeps_the_masked_value_beside_the_error(
        self, supervisor_client, case
    ):
        dossier = supervisor_client.get(dossier_url(case)).content.decode()
        # The reveal form swaps the whole value element, which the dossier renders masked.
        assert 'hx-target="#pii-national_id" hx-swap="outerHTML"' in dossier
        assert dossier.count(' id="pii-national_id"') == 1

        response = supervisor_client.post(
            reveal_url(case.borrower),
            {"field": "national_id", "reason": "   "},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 400
        html = response.content.decode().strip()
        # One element replaces the target, with its id kept for the next attempt: the
        # masked value is still there and the error stands next to it.
        assert html.startswith('<span id="pii-national_id">') and html.endswith("</span>")
        assert html.count(' id="pii-national_id"') == 1
        assert f'<span data-testid="pii-national_id">{NATIONAL_ID_MASKED}</span>' in html
        assert 'data-testid="reveal-error">Reason: This field is required.</span>' in html
        assert html.index(NATIONAL_ID_MASKED) < html.index("reveal-error")
        assert NATIONAL_ID not in html
        assert not PiiAccess.objects.exists()

    def test_failed_page_reveal_shows_the_masked_value_and_the_error(self, supervisor_client, case):
        response = supervisor_client.post(
            reveal_url(case.borrower), {"field": "mobile", "reason": "why"}
        )
        assertTemplateUsed(response, "collections_app/borrower_reveal.html")
        assertContains(response, f'data-testid="pii-mobile">{MOBILE_MASKED}<', status_code=400)
        assertContains(response, "at least 5 characters", status_code=400)
        assertNotContains(response, MOBILE, status_code=400)

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            ({"field": "national_id", "reason": ""}, "Reason: This field is required."),
            ({"field": "national_id", "reason": "    "}, "Reason: This field is required."),
            ({"field": "national_id", "reason": "why"}, "at least 5 characters"),
            ({"field": "national_id"}, "Reason: This field is required."),
            ({"field": "account_number", "reason": "need the account"}, "Select a valid choice"),
            ({"field": "email", "reason": "need the e-mail"}, "Select a valid choice"),
            ({"reason": "no field given"}, "Field: This field is required."),
        ],
        ids=["empty", "blank", "short", "no-reason", "account", "email", "no-field"],
    )
    @pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
    def test_bad_input_is_400_and_writes_nothing(self, supervisor_client, case, data, error, htmx):
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = supervisor_client.post(reveal_url(case.borrower), data, **headers)
        assertContains(response, error, status_code=400)
        assertNotContains(response, NATIONAL_ID, status_code=400)
        assertNotContains(response, 'data-testid="revealed"', status_code=400)
        assert not PiiAccess.objects.exists()


# --------------------------------------------------------------------------------------
# Language and login
# --------------------------------------------------------------------------------------


class TestLanguage:
    def test_english_by_default(self, agent_client, case):
        assertContains(agent_client.get("/"), '<html lang="en">')

    def test_accept_language_header_picks_chinese(self, agent_client, case):
        response = agent_client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assertContains(response, '<html lang="zh-hans">')

    def test_switcher_sets_chinese_for_later_pages(self, agent_client, case):
        response = agent_client.post(
            reverse("set_language"), {"language": "zh-hans", "next": dossier_url(case)}
        )
        assertRedirects(response, dossier_url(case), fetch_redirect_response=False)
        assertContains(agent_client.get(dossier_url(case)), '<html lang="zh-hans">')
        assertContains(agent_client.get("/"), '<html lang="zh-hans">')

    def test_switcher_is_on_every_page(self, client, agent_client, case):
        for response in (client.get(reverse("login")), agent_client.get(dossier_url(case))):
            assertContains(response, 'data-testid="language-switcher"')
            assertContains(response, "简体中文")


class TestLogin:
    def test_login_page_renders(self, client):
        response = client.get(reverse("login"))
        assertTemplateUsed(response, "registration/login.html")
        assertContains(response, 'name="username"')
        assertContains(response, 'name="password"')

    def test_wrong_password_shows_an_error(self, client, agent):
        response = client.post(
            reverse("login"), {"username": agent.username, "password": "wrong-password"}
        )
        assertContains(response, "Please enter a correct username and password")
        assert "_auth_user_id" not in client.session

    def test_right_password_lands_on_the_worklist(self, client, agent):
        response = client.post(
            reverse("login"), {"username": agent.username, "password": "pw-test-1234"}
        )
        assertRedirects(response, "/", fetch_redirect_response=False)
