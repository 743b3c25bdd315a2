"""The prioritised worklist and the dossier's "next case" button.

Default order: expected recovery (highest first), then days past due (worst first), then
id. Other sorts keep that order for their ties; unscored cases show "—" and go last when
sorting by probability either way. "Next case" walks the list the user came from (its
filter and sort travel in `wl`), within the user's scope, and says so at the end.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils.http import urlencode
from pytest_django.asserts import assertContains, assertNotContains

from tests import factories as f

SCORED_AT = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def next_url(case, wl: str | None = None) -> str:
    url = reverse("collections_app:case_next", args=[case.public_id])
    return url if wl is None else f"{url}?{_encode(wl)}"


def _encode(wl: str) -> str:
    return urlencode({"wl": wl})


def dossier_url(case) -> str:
    return reverse("collections_app:case_detail", args=[case.public_id])


def order_of(response, cases: dict) -> list[str]:
    """The labels of `cases` in the order their customer numbers appear on the page."""
    html = response.content.decode()
    found = {
        label: html.index(case.borrower.customer_number)
        for label, case in cases.items()
        if case.borrower.customer_number in html
    }
    return sorted(found, key=found.get)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def scored(agent, team):
    """Agent's five open cases: three scored, two not; "b" and "c" tie on expected
    recovery (c has more DPD), "e" and "u1" tie on DPD among the unscored."""

    def open_case(label, *, dpd, bucket, overdue, probability=None, **extra):
        borrower = f.make_borrower(name="吴" + label, customer_number=f"CUST-{label}")
        f.make_address(borrower=borrower)
        fields = {}
        if probability is not None:
            fields = {
                "repay_probability": Decimal(probability),
                "expected_recovery": (Decimal(probability) * Decimal(overdue)).quantize(
                    Decimal("0.01")
                ),
                "scored_at": SCORED_AT,
            }
        return f.make_case(
            borrower=borrower,
            assigned_collector=agent,
            team=team,
            dpd=dpd,
            bucket=bucket,
            overdue_amount=overdue,
            **fields,
            **extra,
        )

    return {
        "a": open_case("a", dpd=10, bucket="M1", overdue="9000.00", probability="0.6300"),
        "b": open_case("b", dpd=40, bucket="M2", overdue="2000.00", probability="0.5000"),
        "c": open_case("c", dpd=70, bucket="M3", overdue="4000.00", probability="0.2500"),
        "u1": open_case("u1", dpd=100, bucket="M4", overdue="500.00"),
        "u2": open_case("u2", dpd=120, bucket="M4", overdue="800.00"),
    }


# a: 5670.00, b: 1000.00, c: 1000.00 (more DPD than b), then the unscored by DPD.
DEFAULT = ["a", "c", "b", "u2", "u1"]


class TestOrder:
    def test_default_order_is_expected_recovery_then_dpd(self, agent_client, scored):
        response = agent_client.get("/")
        assert order_of(response, scored) == DEFAULT

    def test_without_scores_it_is_worst_first(self, agent_client, agent, team):
        cases = {
            str(dpd): f.make_case(assigned_collector=agent, team=team, dpd=dpd, bucket="M2")
            for dpd in (35, 50, 45)
        }
        assert order_of(agent_client.get("/"), cases) == ["50", "45", "35"]

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("-expected_recovery", DEFAULT),
            ("expected_recovery", ["u2", "u1", "c", "b", "a"]),  # ties: default order
            ("-probability", ["a", "b", "c", "u2", "u1"]),  # unscored last
            ("probability", ["c", "b", "a", "u2", "u1"]),  # unscored last this way too
            ("-dpd", ["u2", "u1", "c", "b", "a"]),
            ("overdue", ["u1", "u2", "b", "c", "a"]),
        ],
    )
    def test_sorts(self, agent_client, scored, sort, expected):
        response = agent_client.get("/", {"sort": sort})
        assert response.context["filter"].form.is_valid()
        assert order_of(response, scored) == expected

    def test_sort_choices_offer_recovery_and_probability(self, agent_client, scored):
        response = agent_client.get("/")
        for value in ("expected_recovery", "-expected_recovery", "probability", "-probability"):
            assertContains(response, f'<option value="{value}"')
        assertContains(response, "Expected recovery (descending)")

    def test_unknown_sort_is_a_form_error_in_default_order(self, agent_client, scored):
        response = agent_client.get("/", {"sort": "borrower__national_id"})
        assert response.status_code == 200
        assert "sort" in response.context["filter"].form.errors
        assert order_of(response, scored) == DEFAULT

    def test_columns_show_the_score_or_a_dash(self, agent_client, scored):
        response = agent_client.get("/")
        assertContains(response, '<td class="text-end" data-testid="probability">63%</td>')
        assertContains(
            response,
            '<td class="text-end text-nowrap" data-testid="expected-recovery">¥5,670.00</td>',
        )
        assertContains(response, '<td class="text-end" data-testid="probability">—</td>', 2)
        assertContains(response, '<td class="text-end" data-testid="expected-recovery">—</td>', 2)

    def test_rows_link_to_the_dossier_with_the_worklist_query(self, agent_client, scored):
        response = agent_client.get("/", {"bucket": "M4", "sort": "-dpd", "page": "1"})
        wl = _encode("bucket=M4&sort=-dpd")
        assertContains(response, f'href="{dossier_url(scored["u2"])}?{wl}"')
        plain = agent_client.get("/")
        assertContains(plain, f'href="{dossier_url(scored["a"])}" class="fw-semibold"')


def followed(client, case, wl=None):
    """Where "next case" sends the user: (the case's public id, the wl it carries)."""
    response = client.get(next_url(case, wl))
    assert response.status_code == 302
    location = urlsplit(response.url)
    public_id = location.path.rstrip("/").rsplit("/", 1)[-1]
    return public_id, parse_qs(location.query).get("wl", [None])[0]


class TestNextCase:
    def test_anonymous_is_sent_to_login(self, client, scored):
        response = client.get(next_url(scored["a"]))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_collector_walks_the_default_order(self, agent_client, scored):
        walked = []
        current = scored["a"]
        by_id = {str(case.public_id): label for label, case in scored.items()}
        for _step in range(4):
            public_id, _wl = followed(agent_client, current)
            walked.append(by_id[public_id])
            current = scored[by_id[public_id]]
        assert walked == DEFAULT[1:]

    def test_end_of_the_list_says_so(self, agent_client, scored):
        response = agent_client.get(next_url(scored["u1"]), follow=True)
        assert response.redirect_chain[-1][0] == dossier_url(scored["u1"])
        assert messages_of(response) == ["That was the last case of your worklist."]

    def test_collector_never_gets_someone_elses_case(
        self, agent_client, scored, other_agent, other_team
    ):
        # Theirs would come right after "a" by expected recovery.
        f.make_case(
            assigned_collector=other_agent,
            team=other_team,
            repay_probability=Decimal("0.9"),
            expected_recovery=Decimal("2000.00"),
        )
        public_id, _wl = followed(agent_client, scored["a"])
        assert public_id == str(scored["c"].public_id)

    def test_supervisor_walks_the_team_including_other_collectors(
        self, supervisor_client, team, scored
    ):
        colleague = f.make_user(role="collector", team=team)
        theirs = f.make_case(
            assigned_collector=colleague,
            team=team,
            dpd=90,
            repay_probability=Decimal("0.5"),
            expected_recovery=Decimal("3000.00"),
        )
        public_id, _wl = followed(supervisor_client, scored["a"])
        assert public_id == str(theirs.public_id)

    @pytest.mark.parametrize(
        "persona", ["other_agent_client", "other_supervisor_client", "outsider_client"]
    )
    def test_out_of_scope_is_404(self, request, persona, scored):
        client = request.getfixturevalue(persona)
        assert client.get(next_url(scored["a"])).status_code == 404

    def test_filter_and_sort_travel_along(self, agent_client, scored):
        wl = "bucket=M2&bucket=M3&bucket=M4&sort=dpd"
        public_id, carried = followed(agent_client, scored["b"], wl)
        assert public_id == str(scored["c"].public_id)  # by DPD ascending: b, c, u1, u2
        assert carried == wl
        dossier = agent_client.get(f"{dossier_url(scored['c'])}?{_encode(carried)}")
        assertContains(dossier, f'href="{next_url(scored["c"], wl)}"'.replace("&", "&amp;"))
        assertContains(dossier, 'href="/?bucket=M2&amp;bucket=M3&amp;bucket=M4&amp;sort=dpd"')

    def test_a_case_outside_the_filtered_list_goes_to_its_first_case(self, agent_client, scored):
        public_id, _wl = followed(agent_client, scored["a"], "bucket=M4")
        assert public_id == str(scored["u2"].public_id)

    def test_closed_case_goes_to_the_first_case(self, agent_client, agent, team, scored):
        closed = f.make_case(
            assigned_collector=agent, team=team, status="closed", closed_on=date(2026, 2, 1)
        )
        public_id, _wl = followed(agent_client, closed)
        assert public_id == str(scored["a"].public_id)

    def test_empty_filtered_list_says_so(self, agent_client, scored):
        response = agent_client.get(next_url(scored["a"], "bucket=M7"), follow=True)
        assert response.status_code == 200
        assert response.context["case"] == scored["a"]
        assert messages_of(response) == ["That was the last case of your worklist."]

    @pytest.mark.parametrize(
        "wl", ["bucket=M99", "sort=borrower__national_id", "collector=abc", "%%%", "page=x"]
    )
    def test_bad_worklist_parameters_are_ignored(self, agent_client, scored, wl):
        public_id, _carried = followed(agent_client, scored["a"], wl)
        assert public_id == str(scored["c"].public_id)

    def test_the_page_number_is_not_carried(self, agent_client, scored):
        _public_id, carried = followed(agent_client, scored["a"], "sort=-dpd&page=2")
        assert carried == "sort=-dpd"

    def test_dossier_has_the_button(self, agent_client, scored):
        response = agent_client.get(dossier_url(scored["a"]))
        assertContains(response, f'href="{next_url(scored["a"])}" data-testid="next-case"')
        assertNotContains(response, "?wl=")

    def test_post_is_not_allowed(self, agent_client, scored):
        assert agent_client.post(next_url(scored["a"])).status_code == 405
