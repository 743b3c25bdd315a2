"""Flag statistics against a hand-counted fixture: every figure of October 2026 (Shanghai).

Period 2026-10-01 – 2026-10-31 local = [2026-09-30 16:00 UTC, 2026-10-31 16:00 UTC).

Visits (planned start, Shanghai)          members   status      done in period?
  v1  10-05 10:00                         A, B      approved    yes (A, B)
  v2  10-10 10:00                         A         reported    yes (A)
  v3  10-31 21:00 (last local evening)    A         returned    yes (A)
  v4  10-12 10:00                         A         booked      no (not done)
  v5  09-30 23:30 (just before)           A         approved    no (before the period)
  v6  10-15 10:00                         C         approved    yes (C)
  v7  10-20 10:00                         A         cancelled   no
  v8  11-01 00:00 (just after)            B         approved    no
Flags (raised at)                 visit  rule                 status / disposition
  f1  10-06                       v1     PROHIBITED_CONDUCT   confirmed_breach
  f2  10-06                       v1     RECORDING_ATTACHED   false_positive
  f3  10-11                       v2     PROHIBITED_CONDUCT   false_positive
  f4  10-11                       v2     PRESENCE_VERIFIED    investigating
  f5  10-16                       v6     PROHIBITED_CONDUCT   open
  f6  09-30 23:59:59 (before)     v5     ACTUAL_WINDOW        no_breach     (not counted)
  f7  10-01 00:00 (first instant) v5     ACTUAL_WINDOW        no_breach
  f8  11-01 00:00 (after)         v8     REPORT_TIMELY        open          (not counted)
Override requests: A 10-03 and 10-25; C 10-20; B 11-01 00:00 (not counted).
Pre-booking checks: blocked with no visit by A twice (10-02) and B once (10-09), by the
supervisor once (10-05); not counted: A blocked with a visit, A review with no visit, A
blocked 09-30, a blocked check by nobody.

By rule: ACTUAL_WINDOW 1 raised, 1 resolved, 0 FP (0.0 %), 0 confirmed;
PRESENCE_VERIFIED 1, 0, 0 (—), 0; PROHIBITED_CONDUCT 3, 2, 1 (50.0 %), 1;
RECORDING_ATTACHED 1, 1, 1 (100.0 %), 0; all rules 6, 4, 2 (50.0 %), 1.
By collector (done, flags, overrides, blocked): A 3, 5, 2, 2; B 1, 2, 0, 1; C 1, 1, 1, 0;
supervisor 0, 0, 0, 1 (no rates).
"""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from compliance.models import ComplianceCheck, Flag, Override, RulePack
from compliance.selectors.flags import flag_stats
from tests import factories as f

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
STATS = reverse("compliance:flag_stats")
OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}


def sh(month, day, hour=10, minute=0, second=0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=SH)


@pytest.fixture
def people(agent, other_agent, supervisor, team):
    b = f.make_user(role="collector", team=team, username="collector_b")
    return {"A": agent, "B": b, "C": other_agent, "S": supervisor}


@pytest.fixture
def october(people, case, other_case):
    a, b, c, s = people["A"], people["B"], people["C"], people["S"]

    def visit(start, status, *members, on=case):
        return f.make_visit(case=on, start=start, status=status, members=members)

    v1 = visit(sh(10, 5), "approved", a, b)
    v2 = visit(sh(10, 10), "reported", a)
    visit(sh(10, 31, 21), "returned", a)
    v4 = visit(sh(10, 12), "booked", a)
    v5 = visit(sh(9, 30, 23, 30), "approved", a)
    v6 = visit(sh(10, 15), "approved", c, on=other_case)
    visit(sh(10, 20), "cancelled", a)
    v8 = visit(sh(11, 1, 0), "approved", b)

    def flag(on, rule, at, status="open", disposition=""):
        row = Flag.objects.create(
            borrower=on.borrower,
            case=on.case,
            visit=on,
            rule=rule,
            severity="block",
            summary=rule,
            status=status,
            disposition=disposition,
            root_cause="why" if disposition else "",
            resolved_at=at + timedelta(days=1) if status == "resolved" else None,
        )
        Flag.objects.filter(pk=row.pk).update(created_at=at)

    flag(v1, "PROHIBITED_CONDUCT", sh(10, 6), "resolved", "confirmed_breach")
    flag(v1, "RECORDING_ATTACHED", sh(10, 6), "resolved", "false_positive")
    flag(v2, "PROHIBITED_CONDUCT", sh(10, 11), "resolved", "false_positive")
    flag(v2, "PRESENCE_VERIFIED", sh(10, 11), "investigating")
    flag(v6, "PROHIBITED_CONDUCT", sh(10, 16))
    flag(v5, "ACTUAL_WINDOW", sh(9, 30, 23, 59, 59), "resolved", "no_breach")
    flag(v5, "ACTUAL_WINDOW", sh(10, 1, 0), "resolved", "no_breach")
    flag(v8, "REPORT_TIMELY", sh(11, 1, 0))

    pack = RulePack.objects.filter(jurisdiction="CN").first()

    def check(by, at, decision="block", on=None):
        return ComplianceCheck.objects.create(
            stage="pre",
            borrower=case.borrower,
            case=case,
            visit=on,
            pack=pack,
            pack_version=pack.version,
            facts={},
            decision=decision,
            checked_by=by,
            checked_at=at,
        )

    def override(by, at, on=v4, status="rejected"):
        row = Override.objects.create(
            visit=on,
            check_run=check(by, at, "review", on),
            requested_by=by,
            justification="needed",
            status=status,
            decided_by=s if status != "pending" else None,
            decided_at=at if status != "pending" else None,
        )
        Override.objects.filter(pk=row.pk).update(created_at=at)

    override(a, sh(10, 3))
    override(a, sh(10, 25), status="pending")
    override(c, sh(10, 20), on=v6)
    override(b, sh(11, 1, 0), on=v8)

    check(a, sh(10, 2, 9))
    check(a, sh(10, 2, 11))
    check(b, sh(10, 9))
    check(s, sh(10, 5))
    check(a, sh(10, 2), on=v4)  # blocked, but a visit exists: a re-check, not an attempt
    check(a, sh(10, 2), decision="review")
    check(a, sh(9, 30, 12))
    check(None, sh(10, 2))
    return people


def test_every_figure_by_rule(october):
    stats = flag_stats(start=date(2026, 10, 1), end=date(2026, 10, 31), zone=SH)
    rows = {
        r.rule: (r.raised, r.resolved, r.false_positives, r.false_positive_rate, r.confirmed)
        for r in stats.rules
    }
    assert rows == {
        "ACTUAL_WINDOW": (1, 1, 0, Decimal("0.0"), 0),
        "PRESENCE_VERIFIED": (1, 0, 0, None, 0),
        "PROHIBITED_CONDUCT": (3, 2, 1, Decimal("50.0"), 1),
        "RECORDING_ATTACHED": (1, 1, 1, Decimal("100.0"), 0),
    }
    assert [r.rule for r in stats.rules] == sorted(rows)
    total = stats.total
    assert (total.raised, total.resolved, total.false_positives, total.confirmed) == (6, 4, 2, 1)
    assert total.false_positive_rate == Decimal("50.0")


def test_every_figure_by_collector(october):
    stats = flag_stats(start=date(2026, 10, 1), end=date(2026, 10, 31), zone=SH)
    by_name = {
        r.collector.username: (
            r.done,
            r.flags,
            r.overrides,
            r.blocked,
            r.flags_per_100,
            r.overrides_per_100,
            r.blocked_per_100,
        )
        for r in stats.collectors
    }
    d = Decimal
    assert by_name == {
        "agent": (3, 5, 2, 2, d("166.7"), d("66.7"), d("66.7")),
        "collector_b": (1, 2, 0, 1, d("200.0"), d("0.0"), d("100.0")),
        "other_agent": (1, 1, 1, 0, d("100.0"), d("100.0"), d("0.0")),
        "supervisor": (0, 0, 0, 1, None, None, None),
    }


def test_the_period_moves_the_figures(october):
    """September's last day alone: v5 is done, f6 raised, A's 09-30 block."""
    stats = flag_stats(start=date(2026, 9, 30), end=date(2026, 9, 30), zone=SH)
    assert [(r.rule, r.raised, r.resolved) for r in stats.rules] == [("ACTUAL_WINDOW", 1, 1)]
    assert [
        (r.collector.username, r.done, r.flags, r.overrides, r.blocked) for r in stats.collectors
    ] == [("agent", 1, 1, 0, 1)]


def figures(html: str, testid: str, key: str, value: str) -> dict[str, str]:
    row = re.search(rf'data-testid="{testid}" data-{key}="{value}">(.*?)</tr>', html, re.S)
    assert row, f"no {testid} row for {value}"
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', row.group(1)))


def test_the_page_shows_every_figure(october, compliance_client):
    response = compliance_client.get(STATS, OCTOBER)
    assert response.status_code == 200
    html = response.content.decode()
    assertContains(response, "2026-10-01 – 2026-10-31")
    assert figures(html, "stats-rule", "rule", "PROHIBITED_CONDUCT") == {
        "raised": "3",
        "resolved": "2",
        "false_positives": "1",
        "false_positive_rate": "50.0%",
        "confirmed": "1",
    }
    assert figures(html, "stats-rule", "rule", "PRESENCE_VERIFIED")["false_positive_rate"] == "—"
    total = re.search(r'data-testid="stats-rule-total">(.*?)</tr>', html, re.S).group(1)
    assert dict(re.findall(r'data-figure="(\w+)">([^<]*)<', total)) == {
        "raised": "6",
        "resolved": "4",
        "false_positives": "2",
        "false_positive_rate": "50.0%",
        "confirmed": "1",
    }
    assert figures(html, "stats-collector", "collector", "agent") == {
        "done": "3",
        "flags": "5",
        "flags_per_100": "166.7",
        "overrides": "2",
        "overrides_per_100": "66.7",
        "blocked": "2",
        "blocked_per_100": "66.7",
    }
    assert figures(html, "stats-collector", "collector", "supervisor") == {
        "done": "0",
        "flags": "0",
        "flags_per_100": "—",
        "overrides": "0",
        "overrides_per_100": "—",
        "blocked": "1",
        "blocked_per_100": "—",
    }
    assert html.count('data-testid="stats-collector"') == 4


def test_the_default_period_is_the_last_90_days(compliance_client):
    today = timezone.localdate(timezone=SH)  # the officer's zone
    response = compliance_client.get(STATS)
    start = today - timedelta(days=89)
    assertContains(response, f"{start:%Y-%m-%d} – {today:%Y-%m-%d}")
    assertContains(response, 'data-testid="stats-rules-empty"')


def test_the_statistics_queries_are_bounded(
    october, compliance_client, django_assert_max_num_queries
):
    compliance_client.get(STATS, OCTOBER)
    with django_assert_max_num_queries(10):  # 9 + the navigation's notification badge
        compliance_client.get(STATS, OCTOBER)


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-10-31", "to": "2026-10-01"},
        {"from": "yesterday"},
        {"to": "2026-02-30"},
        {"from": "2020-01-01", "to": "2026-01-01"},
    ],
)
def test_bad_periods_are_400(compliance_client, query):
    response = compliance_client.get(STATS, query)
    assert response.status_code == 400
    assertContains(response, 'data-testid="stats-error"', status_code=400)
    assert 'data-testid="stats-rules"' not in response.content.decode()
