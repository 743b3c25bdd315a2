"""Team dashboard: every figure checked against a hand-counted set of visits, in the
selector, on the page and in the CSV; scope per persona; bad filters; bounded queries.

The period is two ISO weeks of October 2025 in Asia/Shanghai: W41 (Mon 6 – Sun 12) and W42
(Mon 13 – Sun 19). Due dates are either long past (October 2025) or far ahead (2099), so the
figures do not depend on the day the tests run.
"""

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from collections_app.models import StaffProfile
from compliance.models import ComplianceCheck, Flag, Override, RulePack
from tests import factories as f
from visits.forms.dashboard import DashboardForm
from visits.models import VisitReport
from visits.selectors import team_dashboard_for_user
from visits.views.dashboard import csv_header

SH = ZoneInfo("Asia/Shanghai")
START, END = date(2025, 10, 6), date(2025, 10, 19)
PERIOD = {"from": "2025-10-06", "to": "2025-10-19"}
TODAY = date(2026, 1, 5)
URL = reverse("visits:team_dashboard")
CSV_URL = reverse("visits:team_dashboard_csv")


def at(day: int, hour: int = 10, month: int = 10) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=SH)


def _report(visit, outcome, *, promise=None, amount_paid=None):
    VisitReport.objects.create(
        visit=visit,
        outcome=outcome,
        promise=promise,
        amount_paid=Decimal(amount_paid) if amount_paid else None,
        submitted_at=visit.planned_end,
    )


def _promise(visit, amount, due_on, status, paid="0.00"):
    return f.make_promise(
        case=visit.case,
        amount=amount,
        promised_on=visit.planned_start.date(),
        due_on=due_on,
        status=status,
        paid_amount=Decimal(paid),
    )


def _flag(visit, status="open"):
    resolved = {"disposition": "no_breach", "resolved_at": visit.planned_end}
    Flag.objects.create(
        borrower=visit.borrower,
        case=visit.case,
        visit=visit,
        rule="NOTICE_GIVEN",
        severity="warn",
        summary="test flag",
        status=status,
        **(resolved if status == "resolved" else {}),
    )


def _override(visit, status, *, by, decider=None):
    pack = RulePack.objects.filter(jurisdiction="CN").first()
    check = ComplianceCheck.objects.create(
        stage="pre",
        borrower=visit.borrower,
        case=visit.case,
        visit=visit,
        pack=pack,
        pack_version=pack.version,
        facts={},
        decision="review",
        checked_at=visit.created_at,
    )
    decided = {} if status == "pending" else {"decided_by": decider, "decided_at": check.checked_at}
    Override.objects.create(
        visit=visit, check_run=check, requested_by=by, justification="x", status=status, **decided
    )


@pytest.fixture
def partner(team):
    return f.make_user(role="collector", team=team, username="partner", first_name="Partner")


@pytest.fixture
def world(case, agent, partner, supervisor, team, other_case, other_agent):
    """The hand-counted visits. Agent and partner are in `team`; v1 and v6 are both's."""
    case2 = f.make_case(team=team, assigned_collector=partner)
    both = (agent, partner)

    def visit(start, status, members, on=case):
        return f.make_visit(case=on, start=start, status=status, members=members)

    # W41 — planned 4, done 2, cancelled 1.
    v1 = visit(at(7), "approved", both)
    _report(
        v1, "promise_to_pay", promise=_promise(v1, "1000.00", date(2025, 10, 20), "kept", "1000.00")
    )
    _flag(v1)
    _flag(v1, status="resolved")
    v2 = visit(at(8), "reported", (agent,))
    _report(v2, "paid", amount_paid="300.00")
    v3 = visit(at(9), "cancelled", (agent,))
    _override(v3, "rejected", by=agent, decider=supervisor)
    v4 = visit(at(10), "booked", (partner,), on=case2)
    _override(v4, "pending", by=partner)
    visit(at(10, 15), "draft", (agent,))  # never counted
    # W42 — planned 7, done 5, cancelled 1. v6 is Monday 07:00 in Shanghai, still Sunday in UTC.
    v6 = visit(at(13, 7), "returned", both)
    _report(
        v6, "promise_to_pay", promise=_promise(v6, "500.00", date(2025, 10, 25), "broken", "100.00")
    )
    _flag(v6)
    v7 = visit(at(14), "approved", (partner,), on=case2)
    _report(
        v7,
        "promise_to_pay",
        promise=_promise(v7, "600.00", date(2099, 1, 1), "pending"),
        amount_paid="50.00",
    )
    v8 = visit(at(15), "rescheduled", (agent,))
    _override(v8, "approved", by=agent, decider=supervisor)
    visit(at(16), "in_progress", (agent,))
    v10 = visit(at(17), "reported", (partner,), on=case2)
    _report(v10, "not_home")
    _flag(v10)
    v11 = visit(at(18), "approved", (agent,))  # kept early: counts as due
    _report(
        v11, "promise_to_pay", promise=_promise(v11, "200.00", date(2099, 1, 1), "kept", "200.00")
    )
    v12 = visit(at(18, 14), "approved", (agent,))  # a cancelled promise is never due
    _report(v12, "promise_to_pay", promise=_promise(v12, "400.00", date(2025, 10, 20), "cancelled"))
    # Outside the period in Shanghai (v13 is inside it in UTC).
    visit(datetime(2025, 10, 5, 23, 59, tzinfo=SH), "approved", (agent,))
    visit(at(20, 7), "approved", (agent,))
    # Another team's visit: only compliance and admin see it.
    v15 = f.make_visit(case=other_case, start=at(8), status="approved", members=(other_agent,))
    _report(v15, "paid", amount_paid="999.00")
    _flag(v15)
    return {"agent": agent, "partner": partner}


OVERRIDES_NONE = {"pending": 0, "approved": 0, "rejected": 0, "withdrawn": 0}

W41 = {
    "planned": 4, "done": 2, "cancelled": 1, "still_planned": 1,
    "outcomes": {"promise_to_pay": 1, "paid": 1},
    "promises_made": 1, "promises_due": 1, "promises_kept": 1, "kept_rate": Decimal("100.0"),
    "promised": Decimal("1000.00"), "paid_on_promises": Decimal("1000.00"),
    "paid_at_visit": Decimal("300.00"), "flags": 2, "flags_per_100": Decimal("100.0"),
    "overrides": {**OVERRIDES_NONE, "pending": 1, "rejected": 1},
}  # fmt: skip
W42 = {
    "planned": 7, "done": 5, "cancelled": 1, "still_planned": 1,
    "outcomes": {"promise_to_pay": 4, "not_home": 1},
    "promises_made": 4, "promises_due": 2, "promises_kept": 1, "kept_rate": Decimal("50.0"),
    "promised": Decimal("1700.00"), "paid_on_promises": Decimal("300.00"),
    "paid_at_visit": Decimal("50.00"), "flags": 2, "flags_per_100": Decimal("40.0"),
    "overrides": {**OVERRIDES_NONE, "approved": 1},
}  # fmt: skip
TOTAL = {
    "planned": 11, "done": 7, "cancelled": 2, "still_planned": 2,
    "outcomes": {"promise_to_pay": 5, "paid": 1, "not_home": 1},
    "promises_made": 5, "promises_due": 3, "promises_kept": 2, "kept_rate": Decimal("66.7"),
    "promised": Decimal("2700.00"), "paid_on_promises": Decimal("1300.00"),
    "paid_at_visit": Decimal("350.00"), "flags": 4, "flags_per_100": Decimal("57.1"),
    "overrides": {**OVERRIDES_NONE, "pending": 1, "approved": 1, "rejected": 1},
}  # fmt: skip
AGENT = {
    "planned": 8, "done": 5, "cancelled": 2, "still_planned": 1,
    "outcomes": {"promise_to_pay": 4, "paid": 1},
    "promises_made": 4, "promises_due": 3, "promises_kept": 2, "kept_rate": Decimal("66.7"),
    "promised": Decimal("2100.00"), "paid_on_promises": Decimal("1300.00"),
    "paid_at_visit": Decimal("300.00"), "flags": 3, "flags_per_100": Decimal("60.0"),
    "overrides": {**OVERRIDES_NONE, "approved": 1, "rejected": 1},
}  # fmt: skip
PARTNER = {
    "planned": 5, "done": 4, "cancelled": 0, "still_planned": 1,
    "outcomes": {"promise_to_pay": 3, "not_home": 1},
    "promises_made": 3, "promises_due": 2, "promises_kept": 1, "kept_rate": Decimal("50.0"),
    "promised": Decimal("2100.00"), "paid_on_promises": Decimal("1100.00"),
    "paid_at_visit": Decimal("50.00"), "flags": 4, "flags_per_100": Decimal("100.0"),
    "overrides": {**OVERRIDES_NONE, "pending": 1},
}  # fmt: skip
# Each collector's weeks: (planned, done, cancelled, promises made, flags).
AGENT_WEEKS = {"2025-W41": (3, 2, 1, 1, 2), "2025-W42": (5, 3, 1, 3, 1)}
PARTNER_WEEKS = {"2025-W41": (2, 1, 0, 1, 2), "2025-W42": (3, 3, 0, 2, 2)}


def figures_of(figures) -> dict:
    names = [key for key in W41 if key not in ("outcomes", "overrides")]
    out = {name: getattr(figures, name) for name in names}
    out["outcomes"] = {code: n for code, n in figures.outcomes.items() if n}
    out["overrides"] = dict(figures.overrides)
    return out


def _dashboard(user, zone=SH, **filters):
    return team_dashboard_for_user(
        user=user, start=START, end=END, zone=zone, today=TODAY, **filters
    )


# --- the selector -------------------------------------------------------------------------


def test_figures_by_week_and_total(world, supervisor):
    dashboard = _dashboard(supervisor)
    assert [row.label for row in dashboard.weeks] == ["2025-W41", "2025-W42"]
    assert [row.week for row in dashboard.weeks] == [date(2025, 10, 6), date(2025, 10, 13)]
    assert figures_of(dashboard.weeks[0].figures) == W41
    assert figures_of(dashboard.weeks[1].figures) == W42
    assert figures_of(dashboard.totals) == TOTAL


def test_figures_by_collector_count_two_person_visits_for_each(world, supervisor):
    dashboard = _dashboard(supervisor)
    rows = {row.collector.username: figures_of(row.figures) for row in dashboard.collectors}
    assert rows == {"agent": AGENT, "partner": PARTNER}
    # v1 and v6 had two collectors: once each per collector, once in the team total.
    assert AGENT["planned"] + PARTNER["planned"] == TOTAL["planned"] + 2
    cells = {
        (row.collector.username, row.week.label): (
            row.figures.planned,
            row.figures.done,
            row.figures.cancelled,
            row.figures.promises_made,
            row.figures.flags,
        )
        for row in dashboard.collector_weeks
    }
    assert cells == {
        **{("agent", week): v for week, v in AGENT_WEEKS.items()},
        **{("partner", week): v for week, v in PARTNER_WEEKS.items()},
    }


def test_weeks_follow_the_viewers_zone(world, supervisor):
    """In UTC, v6 (Mon 07:00 Shanghai) is Sunday of W41 and Mon 20 Oct 07:00 Shanghai is
    Sunday 19 Oct in UTC, so inside the period."""
    dashboard = _dashboard(supervisor, zone=UTC)
    assert [row.figures.planned for row in dashboard.weeks] == [5, 7]
    assert dashboard.totals.planned == 12


def test_weeks_without_visits_are_listed_with_zeros(world, supervisor):
    dashboard = team_dashboard_for_user(
        user=supervisor, start=START, end=date(2025, 11, 2), zone=SH, today=TODAY
    )
    assert [row.label for row in dashboard.weeks] == [
        "2025-W41", "2025-W42", "2025-W43", "2025-W44"
    ]  # fmt: skip
    assert [row.figures.planned for row in dashboard.weeks] == [4, 7, 1, 0]  # 20 Oct: W43
    assert dashboard.weeks[3].figures.kept_rate is None
    assert dashboard.weeks[3].figures.flags_per_100 is None


def test_collector_filter_counts_only_their_visits(world, supervisor, partner):
    dashboard = _dashboard(supervisor, collector=partner)
    assert figures_of(dashboard.totals) == PARTNER
    assert [row.collector for row in dashboard.collectors] == [partner]


def test_team_filter_and_scope(world, supervisor, other_supervisor, compliance_officer, team):
    assert _dashboard(compliance_officer).totals.planned == 12
    assert figures_of(_dashboard(compliance_officer, team=team).totals) == TOTAL
    other = _dashboard(other_supervisor)
    assert other.totals.planned == 1
    assert other.totals.paid_at_visit == Decimal("999.00")
    assert [row.collector.username for row in other.collectors] == ["other_agent"]


def test_kept_rate_depends_on_today(world, supervisor):
    """v6's broken promise is due on 25 Oct 2025: it counts from the 26th; kept promises
    (v1's, v11's) count whatever their due date."""

    def due_and_kept(today):
        dashboard = team_dashboard_for_user(
            user=supervisor, start=START, end=END, zone=SH, today=today
        )
        return dashboard.totals.promises_due, dashboard.totals.promises_kept

    assert due_and_kept(date(2025, 10, 25)) == (2, 2)
    assert due_and_kept(date(2025, 10, 26)) == (3, 2)


# --- the form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, (date(2026, 10, 12), date(2026, 12, 6))),  # eight weeks up to this Sunday
        ({"to": "2025-10-19"}, (date(2025, 8, 25), date(2025, 10, 19))),
        ({"from": "2025-10-08"}, (date(2025, 10, 8), date(2025, 11, 30))),
        (PERIOD, (START, END)),
    ],
)
def test_form_period(supervisor, data, expected):
    form = DashboardForm(data, user=supervisor, today=date(2026, 12, 2))
    assert form.is_valid(), form.errors
    assert (form.filters()["start"], form.filters()["end"]) == expected


# --- the page -----------------------------------------------------------------------------


def _row(html: str, row: str) -> dict[str, str]:
    match = re.search(rf'<tr data-row="{re.escape(row)}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row {row}"
    return {k: v.strip() for k, v in re.findall(r'data-figure="(\w+)"[^>]*>([^<]*)<', match[1])}


def _cards(html: str) -> dict[str, str]:
    return {k: v.strip() for k, v in re.findall(r'data-card="(\w+)"[^>]*>([^<]*)<', html)}


def _shown(expected: dict) -> dict[str, str]:
    """How the page writes the expected figures."""
    out = {
        "planned": str(expected["planned"]),
        "done": str(expected["done"]),
        "cancelled": str(expected["cancelled"]),
        "promises_made": str(expected["promises_made"]),
        "kept_rate": f"{expected['kept_rate']}%",
        "kept_of_due": f"{expected['promises_kept']}/{expected['promises_due']}",
        "promised": f"¥{expected['promised']:,}",
        "paid_on_promises": f"¥{expected['paid_on_promises']:,}",
        "paid_at_visit": f"¥{expected['paid_at_visit']:,}",
        "flags": str(expected["flags"]),
        "flags_per_100": str(expected["flags_per_100"]),
        "overrides": str(sum(expected["overrides"].values())),
    }
    out |= {f"overrides_{k}": str(n) for k, n in expected["overrides"].items() if n}
    return out


def test_page_shows_the_hand_counted_figures(world, supervisor_client, agent, partner):
    response = supervisor_client.get(URL, PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert _row(html, "2025-W41") == _shown(W41)
    assert _row(html, "2025-W42") == _shown(W42)
    assert _row(html, "total") == _shown(TOTAL)
    assert _row(html, f"collector-{agent.pk}") == _shown(AGENT)
    assert _row(html, f"collector-{partner.pk}") == _shown(PARTNER)
    outcomes = _row(html, "outcomes-total")
    assert outcomes["outcome_promise_to_pay"] == "5"
    assert outcomes["outcome_paid"] == outcomes["outcome_not_home"] == "1"
    assert outcomes["outcome_refused"] == "0"
    assert _row(html, f"outcomes-collector-{partner.pk}")["outcome_not_home"] == "1"
    cards = _cards(html)
    assert (cards["planned"], cards["done"], cards["cancelled"]) == ("11", "7", "2")
    assert (cards["kept_rate"], cards["promised"]) == ("66.7%", "¥2,700.00")
    assert (cards["paid_on_promises"], cards["paid_at_visit"]) == ("¥1,300.00", "¥350.00")
    assert (cards["flags_per_100"], cards["flags"], cards["overrides"]) == ("57.1", "4", "3")
    assert cards["overrides_pending"] == cards["overrides_rejected"] == "1"
    assert "How these are counted" in html
    assert 'data-testid="nav-team-dashboard"' in html


def test_page_counts_weeks_in_the_viewers_zone(world, supervisor, supervisor_client):
    StaffProfile.objects.filter(user=supervisor).update(timezone="UTC")
    html = supervisor_client.get(URL, PERIOD).content.decode()
    assert _row(html, "2025-W41")["planned"] == "5"
    assert _row(html, "2025-W42")["planned"] == "7"


def test_page_embeds_chart_data_without_inline_script(world, supervisor_client):
    response = supervisor_client.get(URL, PERIOD)
    chart = response.context["chart"]
    assert chart["weeks"] == ["2025-W41", "2025-W42"]
    assert [s["data"] for s in chart["visits"]] == [[2, 5], [1, 1], [1, 1]]
    assert chart["money"][0]["data"] == ["1000.00", "1700.00"]
    html = response.content.decode()
    assert '<script id="dashboard-data" type="application/json">' in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "vendor/chart.js-4.6.1.umd.min.js" in html
    assert "js/dashboard.js" in html


def test_page_empty_period(world, supervisor_client):
    response = supervisor_client.get(URL, {"from": "2024-01-01", "to": "2024-01-14"})
    assert response.status_code == 200
    assert 'data-testid="dashboard-empty"' in response.content.decode()


def test_default_period_is_eight_weeks(supervisor_client):
    response = supervisor_client.get(URL)
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert len(dashboard.weeks) == 8
    assert dashboard.start.weekday() == 0 and dashboard.end.weekday() == 6
    assert (dashboard.end - dashboard.start).days == 55


def test_other_supervisor_sees_none_of_this_team(world, other_supervisor_client, agent, partner):
    response = other_supervisor_client.get(URL, PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-row="collector-{agent.pk}"' not in html
    assert f'data-row="collector-{partner.pk}"' not in html
    assert _row(html, "total")["planned"] == "1"
    assert "partner" not in html


def test_compliance_sees_all_teams_and_filters_by_team(world, compliance_client, team, other_team):
    html = compliance_client.get(URL, PERIOD).content.decode()
    assert _row(html, "total")["planned"] == "12"
    assert other_team.name in html and team.name in html
    html = compliance_client.get(URL, {**PERIOD, "team": team.public_id}).content.decode()
    assert _row(html, "total") == _shown(TOTAL)


def test_supervisor_cannot_pick_another_team(world, supervisor_client, other_team):
    response = supervisor_client.get(URL, {**PERIOD, "team": other_team.public_id})
    assert response.status_code == 400
    assert 'data-testid="dashboard-error"' in response.content.decode()


def test_collector_filter_on_the_page(world, supervisor_client, agent, partner):
    html = supervisor_client.get(URL, {**PERIOD, "collector": partner.pk}).content.decode()
    assert _row(html, "total") == _shown(PARTNER)
    assert f'data-row="collector-{agent.pk}"' not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "06/10/2025"}, "Enter a date as YYYY-MM-DD."),
        ({"to": "2025-02-30"}, "Enter a date as YYYY-MM-DD."),
        ({"from": "2025-10-19", "to": "2025-10-06"}, "The period starts after it ends."),
        ({"from": "2024-01-01", "to": "2025-10-19"}, "Choose a period of at most 53 weeks."),
        ({"collector": "999999"}, "Select a valid choice."),
        ({"team": "not-a-uuid"}, "is not a valid UUID."),
    ],
)
def test_bad_filters_are_a_400_with_a_message(supervisor_client, params, message):
    response = supervisor_client.get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="dashboard-error"' in html
    assert message in html
    response = supervisor_client.get(CSV_URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_collector_and_no_role_get_403(agent_client, outsider_client):
    assert agent_client.get(URL).status_code == 403
    assert agent_client.get(CSV_URL).status_code == 403
    assert outsider_client.get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    for url in (URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_post_is_405(supervisor_client):
    assert supervisor_client.post(URL).status_code == 405
    assert supervisor_client.post(CSV_URL).status_code == 405


def test_nav_link_only_for_overseeing_roles(agent_client, admin_client_, compliance_client):
    home = reverse("home")
    assert 'data-testid="nav-team-dashboard"' not in agent_client.get(home).content.decode()
    assert 'data-testid="nav-team-dashboard"' in admin_client_.get(home).content.decode()
    assert 'data-testid="nav-team-dashboard"' in compliance_client.get(home).content.decode()


# --- the CSV ------------------------------------------------------------------------------


def test_csv_rows_per_collector_and_week(world, supervisor_client, agent, partner):
    response = supervisor_client.get(CSV_URL, PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="team-dashboard-20251006-20251019.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header == csv_header()
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert len(records) == 4
    employees = {
        agent.staff_profile.employee_number: AGENT_WEEKS,
        partner.staff_profile.employee_number: PARTNER_WEEKS,
    }
    for record in records:
        expected = employees[record["Employee number"]][record["Week"]]
        got = [record[k] for k in ("Planned", "Done", "Cancelled or rescheduled")]
        got += [record["Promises made"], record["Flags"]]
        assert tuple(int(v) for v in got) == expected
        assert record["Team"] == "五华一组"
    agent_w42 = next(
        r for r in records if r["Week"] == "2025-W42" and r["Collector"] == agent.get_full_name()
    )
    # v6 (500, broken, 100 paid), v11 (200, kept early), v12 (400, cancelled).
    assert agent_w42["Week starting"] == "2025-10-13"
    assert agent_w42["Promised (CNY)"] == "1100.00"
    assert agent_w42["Paid towards promises (CNY)"] == "300.00"
    assert agent_w42["Paid at the visit (CNY)"] == "0.00"
    assert (agent_w42["Promises due"], agent_w42["Promises kept"]) == ("2", "1")
    assert agent_w42["Kept rate (%)"] == "50.0"
    assert agent_w42["Flags per 100 visits"] == "33.3"
    assert agent_w42["Promise to pay"] == "3"
    assert agent_w42["Override requests: Approved"] == "1"
    # The sums of the CSV agree with the by-collector table.
    planned = sum(int(r["Planned"]) for r in records)
    assert planned == AGENT["planned"] + PARTNER["planned"]


def test_csv_is_scoped_like_the_page(world, other_supervisor_client, other_agent):
    response = other_supervisor_client.get(CSV_URL, PERIOD)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == [other_agent.staff_profile.employee_number]


# --- bounded queries ----------------------------------------------------------------------


def _more_visits(n: int, *, case, members, supervisor):
    """n more done visits in W42, each with a report, a promise, a flag and an override."""
    for k in range(n):
        v = f.make_visit(
            case=case, start=at(13 + k % 5, 9 + k % 8), status="approved", members=members
        )
        _report(
            v, "promise_to_pay", promise=_promise(v, "10.00", date(2025, 10, 31), "kept", "10.00")
        )
        _flag(v)
        _override(v, "approved", by=members[0], decider=supervisor)


def test_page_queries_are_bounded(
    world, supervisor_client, supervisor, case, agent, partner, team, django_assert_max_num_queries
):
    supervisor_client.get(URL)  # the session learns the user's time zone once
    with django_assert_max_num_queries(12) as small:
        assert supervisor_client.get(URL, PERIOD).status_code == 200
    more = [f.make_user(role="collector", team=team) for _ in range(4)]
    _more_visits(30, case=case, members=(agent, *more[:2]), supervisor=supervisor)
    _more_visits(30, case=case, members=(partner, *more[2:]), supervisor=supervisor)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = supervisor_client.get(URL, PERIOD)
    assert response.context["dashboard"].totals.planned == TOTAL["planned"] + 60
    assert len(large.captured_queries) == len(small.captured_queries)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert supervisor_client.get(CSV_URL, PERIOD).status_code == 200
