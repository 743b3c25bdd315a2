"""The PII access log: every reveal (written by the real reveal flow), filters, keyset pages,
the CSV export (BOM, header, masked names, audited), per persona, bad input, bounded queries."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from collections_app.services.pii import pii_reveal
from compliance.models import AuditEvent, PiiAccess
from compliance.views import audit as views
from tests import factories as f

LOG = reverse("compliance:pii_access")
CSV = reverse("compliance:pii_access_csv")
NAME, NAME_MASKED = "王小明", "王**"  # the `case` fixture's borrower
OTHER_NAME, OTHER_MASKED = "欧阳娜娜", "欧***"
# 2026-03-01 17:30 UTC is already 2 March in Shanghai.
LATE_EVENING_UTC = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
MARCH_3 = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
MARCH_5 = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)


def reveal(user, borrower, field, reason, at):
    pii_reveal(user=user, borrower=borrower, field=field, reason=reason)
    access = PiiAccess.objects.latest("id")
    # accessed_at is set on insert (auto_now_add): move it to the time the test needs.
    PiiAccess.objects.filter(pk=access.pk).update(accessed_at=at)
    return access


def ids(response) -> list[int]:
    return [access.pk for access in response.context["page"].items]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def other_borrower(db):
    return f.make_borrower(name=OTHER_NAME, customer_number="C-OTHER-1")


@pytest.fixture
def reveals(case, other_borrower, supervisor, compliance_officer):
    borrower = case.borrower
    return {
        "sup_mobile": reveal(supervisor, borrower, "mobile", "回访前核对号码", LATE_EVENING_UTC),
        "off_name": reveal(compliance_officer, borrower, "name", "投诉调查需要全名", MARCH_3),
        "off_id": reveal(
            compliance_officer, other_borrower, "national_id", "监管问询核对身份", MARCH_5
        ),
    }


# --- who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LOG, CSV])
@pytest.mark.parametrize("persona", ["compliance_client", "admin_client_"])
def test_officers_may(request, reveals, persona, url):
    assert request.getfixturevalue(persona).get(url).status_code == 200


@pytest.mark.parametrize("url", [LOG, CSV])
@pytest.mark.parametrize("persona", ["supervisor_client", "agent_client", "outsider_client"])
def test_other_roles_get_403_and_nothing_is_exported(request, reveals, persona, url):
    assert request.getfixturevalue(persona).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="pii_access.exported").exists()


@pytest.mark.parametrize("url", [LOG, CSV])
def test_anonymous_is_sent_to_login(client, url):
    assertRedirects(
        client.get(url), f"{reverse('login')}?next={url}", fetch_redirect_response=False
    )


@pytest.mark.parametrize("url", [LOG, CSV])
def test_wrong_method_is_405(compliance_client, reveals, url):
    assert compliance_client.post(url).status_code == 405
    assert not AuditEvent.objects.filter(action="pii_access.exported").exists()


# --- the page ---------------------------------------------------------------------------


def test_log_newest_first_with_who_what_whose_why_and_when(compliance_client, reveals, case):
    response = compliance_client.get(LOG)
    assert ids(response) == [reveals[k].pk for k in ("off_id", "off_name", "sup_mobile")]
    assertContains(response, NAME_MASKED)
    assertContains(response, OTHER_MASKED)
    assertNotContains(response, NAME)
    assertNotContains(response, OTHER_NAME)
    assertContains(response, case.borrower.customer_number)
    assertContains(response, "C-OTHER-1")
    assertContains(response, "Mobile")
    assertContains(response, "National ID")
    assertContains(response, "投诉调查需要全名")
    assertContains(response, "2026-03-02 01:30:00")  # LATE_EVENING_UTC in Shanghai
    assertContains(
        response, reverse("collections_app:borrower_detail", args=[case.borrower.public_id])
    )
    assertContains(response, "supervisor")
    # Revealed values never reach the log.
    assertNotContains(response, case.borrower.mobile)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"user": "supervisor"}, ["sup_mobile"]),
        ({"user": "officer"}, ["off_id", "off_name"]),
        ({"user": "nobody"}, []),
        ({"field": "name"}, ["off_name"]),
        ({"field": "national_id"}, ["off_id"]),
        ({"customer_number": "C-OTHER-1"}, ["off_id"]),
        ({"from": "2026-03-02", "to": "2026-03-02"}, ["sup_mobile"]),  # a Shanghai day
        ({"to": "2026-03-01"}, []),
        ({"from": "2026-03-03"}, ["off_id", "off_name"]),
        ({"from": "2026-03-04", "to": "2026-03-05"}, ["off_id"]),
        ({"user": "officer", "field": "name", "to": "2026-03-03"}, ["off_name"]),
    ],
)
def test_filters(compliance_client, reveals, query, expected):
    response = compliance_client.get(LOG, query)
    assert response.status_code == 200
    assert ids(response) == [reveals[k].pk for k in expected]


def test_customer_number_filter(compliance_client, reveals, case):
    response = compliance_client.get(LOG, {"customer_number": case.borrower.customer_number})
    assert ids(response) == [reveals["off_name"].pk, reveals["sup_mobile"].pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "03/05/2026"}, "to"),
        ({"from": "1899-12-31"}, "from"),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "to"),
        ({"field": "salary"}, "field"),
        ({"customer_number": "9" * 33}, "customer_number"),
        ({"before": "-1"}, "before"),
    ],
)
@pytest.mark.parametrize("url", [LOG, CSV])
def test_bad_filters_are_400_with_the_field_error(compliance_client, reveals, url, query, field):
    response = compliance_client.get(url, query)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assertContains(response, f'data-field="{field}"', status_code=400)
    assertNotContains(response, 'data-testid="pii-row"', status_code=400)
    assert not AuditEvent.objects.filter(action="pii_access.exported").exists()


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)


def test_pages_without_a_count(compliance_client, reveals, small_pages):
    first = compliance_client.get(LOG)
    assert ids(first) == [reveals["off_id"].pk, reveals["off_name"].pk]
    assert "previous" not in first.context["links"]
    second = compliance_client.get(f"{LOG}?{first.context['links']['next']}")
    assert ids(second) == [reveals["sup_mobile"].pk]
    assert "next" not in second.context["links"]
    back = compliance_client.get(f"{LOG}?{second.context['links']['previous']}")
    assert ids(back) == ids(first)


def test_exactly_one_full_page_has_no_next(compliance_client, reveals, small_pages):
    response = compliance_client.get(LOG, {"user": "officer"})
    assert len(ids(response)) == 2
    assert response.context["links"] == {}


def test_page_links_keep_the_filters(compliance_client, reveals, small_pages, case, supervisor):
    for n in range(2):  # three mobile reveals in all: a page of two and one more
        reveal(supervisor, case.borrower, "mobile", f"核对号码第{n}次", MARCH_5)
    first = compliance_client.get(LOG, {"field": "mobile"})
    assert "field=mobile" in first.context["links"]["next"]
    second = compliance_client.get(f"{LOG}?{first.context['links']['next']}")
    assert ids(second) == [reveals["sup_mobile"].pk]
    assert {a.field for a in second.context["page"].items} == {"mobile"}


def test_the_page_reads_a_bounded_number_of_queries(compliance_client, case, supervisor):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert compliance_client.get(LOG).status_code == 200
        return len(ctx)

    reveal(supervisor, case.borrower, "mobile", "核对号码", MARCH_3)
    queries()  # the session's first request also reads the viewer's zone
    few = queries()
    for n in range(15):
        borrower = f.make_borrower(name=f"李{n}")
        reveal(f.make_user(role="supervisor"), borrower, "name", "核对身份信息", MARCH_5)
    assert queries() == few
    assert few <= 5


# --- the export -------------------------------------------------------------------------


def test_export_is_utf8_with_bom_header_and_masked_names(compliance_client, reveals, case):
    response = compliance_client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="pii-access-')
    header, *rows = csv_rows(response)
    assert header == [
        "Accessed at (Asia/Shanghai)",
        "Username",
        "User",
        "Field",
        "Borrower (masked)",
        "Customer number",
        "Case",
        "Reason",
    ]
    assert [row[1] for row in rows] == ["officer", "officer", "supervisor"]
    newest = rows[-1]
    assert newest[0] == "2026-03-02 01:30:00"
    assert newest[3:6] == ["Mobile", NAME_MASKED, case.borrower.customer_number]
    assert newest[6] == "http://testserver" + reverse(
        "collections_app:borrower_detail", args=[case.borrower.public_id]
    )
    assert newest[7] == "回访前核对号码"
    assert rows[0][4] == OTHER_MASKED
    body = "\n".join(",".join(row) for row in rows)
    assert NAME not in body and OTHER_NAME not in body


def test_export_uses_the_filters_and_records_itself(compliance_client, reveals):
    query = {"user": "officer", "from": "2026-03-04", "to": "2026-03-31"}
    response = compliance_client.get(CSV, query)
    _header, *rows = csv_rows(response)
    assert [row[5] for row in rows] == ["C-OTHER-1"]
    event = AuditEvent.objects.get(action="pii_access.exported")
    assert (event.actor_label, event.object_type, event.object_id) == (
        "officer",
        "compliance.piiaccess",
        "log",
    )
    assert event.data == {"filters": query, "rows": 1}


def test_unfiltered_export_records_every_row(compliance_client, reveals):
    csv_rows(compliance_client.get(CSV))
    event = AuditEvent.objects.get(action="pii_access.exported")
    assert event.data == {"filters": {}, "rows": 3}


def test_export_of_nothing_has_the_header_only(compliance_client, reveals):
    _header, *rows = csv_rows(compliance_client.get(CSV, {"user": "nobody"}))
    assert rows == []
    assert AuditEvent.objects.get(action="pii_access.exported").data["rows"] == 0


def test_export_keeps_a_formula_like_reason_as_text(compliance_client, case, supervisor):
    reveal(supervisor, case.borrower, "mobile", '=HYPERLINK("http://x")', MARCH_3)
    _header, row = csv_rows(compliance_client.get(CSV))
    assert row[7] == '\'=HYPERLINK("http://x")'


def test_export_times_follow_the_viewers_zone(compliance_client, compliance_officer, reveals):
    compliance_officer.staff_profile.timezone = "Europe/London"
    compliance_officer.staff_profile.save()
    compliance_client.force_login(compliance_officer)
    header, *rows = csv_rows(compliance_client.get(CSV))
    assert header[0] == "Accessed at (Europe/London)"
    assert rows[-1][0] == "2026-03-01 17:30:00"


def test_the_page_links_the_export_with_its_filters(compliance_client, reveals):
    response = compliance_client.get(LOG, {"field": "name"})
    assertContains(response, f'href="{CSV}?field=name"')
