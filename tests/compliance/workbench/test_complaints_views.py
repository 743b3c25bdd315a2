"""The complaint register pages per persona: the list with its filters and tabs, recording a
complaint, one complaint's page, and the assign / extend / close actions.

The views read the real clock, so complaints are received relative to it.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from collections_app.models import Borrower
from compliance.models import Complaint
from compliance.services.complaints import complaint_assign, complaint_close, complaint_record
from tests import factories as f
from visits.services.booking import visit_book

pytestmark = pytest.mark.django_db


def received(days_ago: float):
    return timezone.now() - timedelta(days=days_ago)


def record(borrower, by, *, days_ago: float = 1, **changes) -> Complaint:
    fields = {
        "case": None,
        "visit": None,
        "channel": "phone",
        "category": "conduct",
        "description": "The collector was rude.",
    }
    fields.update(changes)
    at = received(days_ago)
    return complaint_record(borrower=borrower, received_at=at, by=by, now=at, **fields)


@pytest.fixture
def complaint(case, compliance_officer):
    return record(case.borrower, compliance_officer, case=case)


def detail_url(complaint) -> str:
    return reverse("compliance:complaint_detail", args=[complaint.public_id])


def action_url(complaint, action: str) -> str:
    return reverse(f"compliance:complaint_{action}", args=[complaint.public_id])


LIST = reverse("compliance:complaint_list")
NEW = reverse("compliance:complaint_new")


# Who may see the pages


@pytest.mark.parametrize("persona", ["compliance_client", "admin_client_"])
def test_officers_see_the_register_the_page_and_the_form(request, persona, complaint):
    client = request.getfixturevalue(persona)
    for url in (LIST, NEW, detail_url(complaint)):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "persona", ["agent_client", "supervisor_client", "other_supervisor_client", "outsider_client"]
)
def test_other_roles_get_403_everywhere(request, persona, complaint):
    client = request.getfixturevalue(persona)
    for url in (LIST, NEW, detail_url(complaint)):
        assert client.get(url).status_code == 403, url
    for action in ("assign", "extend", "close"):
        assert client.post(action_url(complaint, action), {}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == "open"


def test_anonymous_is_sent_to_login(complaint):
    for url in (LIST, NEW, detail_url(complaint)):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response.url, url
    response = Client().post(action_url(complaint, "close"), {"resolution": "Done."})
    assert response.status_code == 302 and "/login/" in response.url
    complaint.refresh_from_db()
    assert complaint.status == "open"


def test_missing_complaint_is_404(compliance_client):
    missing = Complaint(public_id="00000000-0000-0000-0000-000000000000")
    assert compliance_client.get(detail_url(missing)).status_code == 404
    for action in ("assign", "extend", "close"):
        assert (
            compliance_client.post(action_url(missing, action), {"reason": "x"}).status_code == 404
        )


def test_wrong_methods_are_405(compliance_client, complaint):
    for action in ("assign", "extend", "close"):
        assert compliance_client.get(action_url(complaint, action)).status_code == 405
    assert compliance_client.post(LIST).status_code == 405
    assert compliance_client.post(detail_url(complaint)).status_code == 405
    assert compliance_client.delete(NEW).status_code == 405


# The register


@pytest.fixture
def register(case, other_case, compliance_officer):
    """One complaint per state the register tells apart (CN: 15 days to respond)."""
    officer = compliance_officer
    other = other_case.borrower
    made = {
        "later": record(case.borrower, officer, days_ago=1),
        "soon": record(other, officer, days_ago=13, channel="letter", category="fees"),
        "overdue": record(case.borrower, officer, days_ago=20, category="privacy"),
        "closed": record(other, officer, days_ago=30, channel="branch"),
    }
    complaint_assign(complaint=made["soon"], handler=officer, by=officer, now=timezone.now())
    complaint_close(complaint=made["closed"], resolution="Done.", by=officer, now=timezone.now())
    return made


def rows(response) -> set[str]:
    return {str(c.public_id) for c in response.context["page"].object_list}


def ids(register, *names) -> set[str]:
    return {str(register[name].public_id) for name in names}


def test_register_lists_everything_open_first_by_deadline(compliance_client, register):
    response = compliance_client.get(LIST)
    order = [str(c.public_id) for c in response.context["page"].object_list]
    assert order == [str(register[n].public_id) for n in ("overdue", "soon", "later", "closed")]
    assert (response.context["counts"]["soon"], response.context["counts"]["overdue"]) == (1, 1)
    assertContains(response, 'data-testid="count-overdue">1<')
    assertContains(response, "王*")
    assertNotContains(response, "王小明")  # masked


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"due": "soon"}, ("soon",)),
        ({"due": "overdue"}, ("overdue",)),
        ({"status": "closed"}, ("closed",)),
        ({"status": "in_progress"}, ("soon",)),
        ({"category": "privacy"}, ("overdue",)),
        ({"channel": "letter"}, ("soon",)),
        ({"handler": "none"}, ("later", "overdue", "closed")),
    ],
)
def test_register_filters(compliance_client, register, query, expected):
    response = compliance_client.get(LIST, query)
    assert response.status_code == 200
    assert rows(response) == ids(register, *expected)


def test_register_filters_by_handler(compliance_client, register, compliance_officer):
    response = compliance_client.get(LIST, {"handler": compliance_officer.pk})
    assert rows(response) == ids(register, "soon")


@pytest.mark.parametrize(
    "query", [{"due": "tomorrow"}, {"status": "lost"}, {"handler": "99999"}, {"channel": "fax"}]
)
def test_register_refuses_bad_filters(compliance_client, register, query):
    response = compliance_client.get(LIST, query)
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == query.keys()
    assertContains(response, 'data-testid="complaint-filter-error"', status_code=400)


def test_register_reads_a_bounded_number_of_queries(
    compliance_client, register, case, compliance_officer, django_assert_max_num_queries
):
    for _ in range(5):
        record(case.borrower, compliance_officer)
    with django_assert_max_num_queries(12):
        response = compliance_client.get(LIST)
    assert len(response.context["page"].object_list) == 9


# Recording a complaint


def test_record_by_customer_number_links_the_open_case_and_starts_the_clock(
    compliance_client, case, compliance_officer
):
    at = timezone.localtime(received(0.5)).strftime("%Y-%m-%dT%H:%M")
    response = compliance_client.post(
        NEW,
        {
            "customer_number": case.borrower.customer_number,
            "channel": "regulator",
            "category": "contact",
            "received_at": at,
            "description": "Forwarded by the regulator: visits at night.",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == detail_url(complaint)
    assert (complaint.case, complaint.visit, complaint.channel) == (case, None, "regulator")
    assert (complaint.recorded_by, complaint.pack_version) == (compliance_officer, "CN-2026.3")
    assert complaint.due_at > complaint.received_at + timedelta(days=15)
    assert Borrower.objects.get(pk=case.borrower_id).complaint_open


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        (
            {"customer_number": "C-NOBODY"},
            "customer_number",
            "No borrower has this customer number",
        ),
        ({"channel": "visit"}, "channel", ""),
        ({"description": ""}, "description", ""),
        ({"received_at": "yesterday"}, "received_at", ""),
        ({"received_at": "2099-01-01T10:00"}, "received_at", "future"),
        ({"received_at": "2020-01-01T10:00"}, "received_at", "No published CN rule pack"),
    ],
)
def test_record_refuses_bad_input_with_field_errors(compliance_client, case, changes, field, words):
    data = {
        "customer_number": case.borrower.customer_number,
        "channel": "phone",
        "category": "conduct",
        "received_at": timezone.localtime(received(0.5)).strftime("%Y-%m-%dT%H:%M"),
        "description": "Rude collector.",
    }
    data.update(changes)
    response = compliance_client.post(NEW, data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert words in " ".join(errors[field])
    assert not Complaint.objects.exists()


# One complaint's page


def test_page_shows_the_clock_the_linked_case_and_visit_and_the_timeline(
    compliance_client, case, good_plan, home, agent, compliance_officer
):
    visit = visit_book(plan=good_plan, place=home, by=agent, now=received(2)).visit
    complaint = record(case.borrower, compliance_officer, case=case, visit=visit, channel="visit")
    response = compliance_client.get(detail_url(complaint))
    assertContains(response, reverse("collections_app:case_detail", args=[case.public_id]))
    assertContains(response, reverse("visits:visit_detail", args=[visit.public_id]))
    assertContains(response, 'data-testid="clock-pack">CN-2026.3<')
    assertContains(response, "15 days")
    assertContains(response, "Extend to 30 days")
    assertContains(response, 'data-action="complaint.recorded"')
    assertContains(response, "王*")
    assertNotContains(response, "王小明")
    assertNotContains(response, "530102198805061234")


def test_uk_page_says_no_extension(compliance_client, compliance_officer):
    borrower = f.make_borrower(jurisdiction="UK", timezone="Europe/London", name="John Smith")
    complaint = record(borrower, compliance_officer)
    response = compliance_client.get(detail_url(complaint))
    assertContains(response, 'data-testid="no-extension"')
    assertContains(response, "56 days")
    assertContains(response, "J*** S****")
    assertNotContains(response, "John Smith")


# Actions


def test_assign_extend_and_close(compliance_client, complaint, compliance_officer, case):
    response = compliance_client.post(
        action_url(complaint, "assign"), {"handler": compliance_officer.pk}
    )
    assert response.status_code == 302 and response.url == detail_url(complaint)
    before = Complaint.objects.get(pk=complaint.pk).due_at

    response = compliance_client.post(action_url(complaint, "extend"), {"reason": "Complex."})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.handler, complaint.status) == (compliance_officer, "in_progress")
    assert complaint.due_at == before + timedelta(days=15)

    response = compliance_client.post(action_url(complaint, "close"), {"resolution": "Refunded."})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution) == ("closed", "Refunded.")
    assert not Borrower.objects.get(pk=case.borrower_id).complaint_open
    page = compliance_client.get(detail_url(complaint))
    actions = [e.action for e in page.context["timeline"]]
    assert actions == [
        "complaint.recorded",
        "complaint.assigned",
        "complaint.extended",
        "complaint.closed",
    ]
    assertContains(page, 'data-testid="complaint-resolution">Refunded.<')
    assertNotContains(page, 'data-testid="close-form"')


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("assign", {}, "handler"),
        ("assign", {"handler": "999999"}, "handler"),
        ("extend", {"reason": "  "}, "reason"),
        ("close", {"resolution": ""}, "resolution"),
    ],
)
def test_actions_refuse_bad_input_with_400(compliance_client, complaint, action, data, field):
    response = compliance_client.post(action_url(complaint, action), data)
    assert response.status_code == 400
    assert field in response.context[f"{action}_form"].errors
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handler, complaint.extensions.count()) == ("open", None, 0)


def test_a_collector_cannot_be_made_handler(compliance_client, complaint, agent):
    response = compliance_client.post(action_url(complaint, "assign"), {"handler": agent.pk})
    assert response.status_code == 400
    assert "handler" in response.context["assign_form"].errors


def test_refusals_of_the_clock_come_back_as_400(compliance_client, compliance_officer):
    uk = record(f.make_borrower(jurisdiction="UK", timezone="Europe/London"), compliance_officer)
    response = compliance_client.post(action_url(uk, "extend"), {"reason": "Complex."})
    assertContains(response, "allows no extension", status_code=400)

    overdue = record(f.make_borrower(), compliance_officer, days_ago=20)
    response = compliance_client.post(action_url(overdue, "extend"), {"reason": "Complex."})
    assertContains(response, "deadline has passed", status_code=400)

    complaint_close(complaint=uk, resolution="Done.", by=compliance_officer, now=timezone.now())
    response = compliance_client.post(action_url(uk, "close"), {"resolution": "Again."})
    assertContains(response, "This complaint is closed.", status_code=400)
