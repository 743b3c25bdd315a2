"""Credentials registry pages per persona: compliance and admin can; supervisors, collectors
and users without a role get 403; anonymous users go to the login page; a missing collector or
credential is 404; a wrong method 405; bad input 400 with the errors and nothing written."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from compliance.models import AuditEvent, Credential
from compliance.services.credentials import CSV_COLUMNS
from tests import factories as f

LIST = reverse("compliance:credential_list")
EXPIRING = reverse("compliance:credentials_expiring")
ADD = reverse("compliance:credential_add")
UPLOAD = reverse("compliance:credential_upload")
NOT_OFFICERS = ["supervisor_client", "agent_client", "outsider_client"]


def today():
    return timezone.localdate()


def cred(collector, kind="work_id", *, end=200, **fields):
    return f.make_credential(
        collector=collector,
        kind=kind,
        valid_from=today() - timedelta(days=100),
        valid_until=today() + timedelta(days=end),
        **fields,
    )


def collector_url(user) -> str:
    return reverse("compliance:credential_collector", args=[user.staff_profile.employee_number])


def edit_url(credential) -> str:
    return reverse("compliance:credential_edit", args=[credential.public_id])


def revoke_url(credential) -> str:
    return reverse("compliance:credential_revoke", args=[credential.public_id])


def upload(client, content: bytes, follow=False, **data):
    file = SimpleUploadedFile("credentials.csv", content, content_type="text/csv")
    return client.post(UPLOAD, {"file": file, **data}, follow=follow)


def csv_of(*lines: str) -> bytes:
    return "\n".join((",".join(CSV_COLUMNS), *lines)).encode("utf-8-sig")


@pytest.fixture
def work_id(agent):
    return cred(agent, number="WID-7")


def urls(credential, collector) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", EXPIRING),
        ("get", collector_url(collector)),
        ("get", ADD),
        ("get", edit_url(credential)),
        ("post", revoke_url(credential)),
        ("get", UPLOAD),
    ]


class TestAccess:
    def test_anonymous_goes_to_login(self, client, work_id, agent):
        for method, url in urls(work_id, agent):
            response = getattr(client, method)(url)
            assertRedirects(
                response, f"{reverse('login')}?next={url}", fetch_redirect_response=False
            )

    @pytest.mark.parametrize("persona", NOT_OFFICERS)
    def test_other_roles_get_403(self, request, persona, work_id, agent):
        client = request.getfixturevalue(persona)
        for method, url in urls(work_id, agent):
            assert getattr(client, method)(url, {"reason": "x"}).status_code == 403, url
        work_id.refresh_from_db()
        assert not work_id.revoked

    @pytest.mark.parametrize("persona", ["compliance_client", "admin_client_"])
    def test_officers_can_open_every_page(self, request, persona, work_id, agent):
        client = request.getfixturevalue(persona)
        for method, url in urls(work_id, agent):
            if method == "get":
                assert client.get(url).status_code == 200, url

    def test_missing_objects_are_404(self, compliance_client, supervisor):
        missing = uuid.uuid4()
        for url in (
            reverse("compliance:credential_collector", args=["E-NOPE"]),
            collector_url(supervisor),  # not a collector
            reverse("compliance:credential_edit", args=[missing]),
        ):
            assert compliance_client.get(url).status_code == 404, url
        url = reverse("compliance:credential_revoke", args=[missing])
        assert compliance_client.post(url, {"reason": "x"}).status_code == 404

    def test_wrong_methods_are_405(self, compliance_client, work_id, agent):
        assert compliance_client.get(revoke_url(work_id)).status_code == 405
        for url in (LIST, EXPIRING, collector_url(agent)):
            assert compliance_client.post(url).status_code == 405, url
        for url in (ADD, edit_url(work_id), UPLOAD):
            assert compliance_client.delete(url).status_code == 405, url


class TestRegistry:
    def test_lists_collectors_with_statuses(self, compliance_client, agent, other_agent, work_id):
        cred(agent, "training", end=10)
        cred(other_agent, "authorization", revoked=True)
        response = compliance_client.get(LIST)
        html = response.content.decode()
        assertContains(response, agent.staff_profile.employee_number)
        assertContains(response, "五华一组")
        for status in ("valid", "expiring", "revoked", "missing"):
            assert f'data-status="{status}"' in html, status
        assertContains(response, 'data-testid="registry-row"', count=2)

    def test_filters(self, compliance_client, agent, other_agent, other_team, work_id):
        cred(other_agent, end=5)
        response = compliance_client.get(LIST, {"status": "expiring"})
        assertContains(response, 'data-testid="registry-row"', count=1)
        assertContains(response, f'data-employee="{other_agent.staff_profile.employee_number}"')
        response = compliance_client.get(LIST, {"team": other_team.public_id, "kind": "work_id"})
        assertContains(response, 'data-testid="registry-row"', count=1)
        response = compliance_client.get(LIST, {"kind": "training", "status": "valid"})
        assertContains(response, 'data-testid="registry-empty"')

    @pytest.mark.parametrize(
        "query",
        [{"status": "soon"}, {"kind": "badge"}, {"team": "not-a-uuid"}, {"team": uuid.uuid4()}],
    )
    def test_bad_filter_is_400(self, compliance_client, work_id, query):
        response = compliance_client.get(LIST, query)
        assert response.status_code == 400
        assertContains(response, 'data-testid="credential-filter-error"', status_code=400)

    def test_bounded_queries_for_many_collectors(
        self, compliance_client, team, django_assert_max_num_queries
    ):
        for n in range(40):
            collector = f.make_user(role="collector", team=team)
            cred(collector, end=n)
            cred(collector, "certification", code="IIBF", end=n * 3)
        with django_assert_max_num_queries(12) as captured:
            response = compliance_client.get(LIST)
        assertContains(response, 'data-testid="registry-row"', count=40)
        count = len(captured.captured_queries)
        for _n in range(40):
            cred(f.make_user(role="collector", team=team), "training")
        with django_assert_max_num_queries(count):
            compliance_client.get(LIST, {"page": 2})

    def test_expiring_page(self, compliance_client, agent, other_agent, work_id):
        soon = cred(other_agent, end=4, number="EXP-1")
        cred(agent, "training", end=45)
        response = compliance_client.get(EXPIRING)
        assertContains(response, 'data-testid="expiring-row"', count=1)
        assertContains(response, f'data-credential="{soon.public_id}"')
        assertContains(response, "4 days left")
        number = other_agent.staff_profile.employee_number
        assertContains(response, f"{ADD}?collector={number}&amp;kind=work_id")
        response = compliance_client.get(EXPIRING, {"kind": "training"})
        assertContains(response, 'data-testid="expiring-empty"')
        assert compliance_client.get(EXPIRING, {"kind": "x"}).status_code == 400

    def test_collector_page_lists_every_credential(self, compliance_client, agent, work_id, case):
        old = cred(agent, end=-30, revoked=True)
        letter = cred(agent, "authorization", case=case)
        response = compliance_client.get(collector_url(agent))
        for credential in (work_id, old, letter):
            assertContains(response, f'data-credential="{credential.public_id}"')
        assertContains(response, str(case))
        assertContains(response, 'data-testid="revoke-form"', count=2)  # not the revoked one
        assertNotContains(response, case.borrower.name)


class TestAddEditRevoke:
    def test_add(self, compliance_client, compliance_officer, agent):
        response = compliance_client.post(
            ADD,
            {
                "collector": agent.staff_profile.employee_number,
                "kind": "certification",
                "code": "IIBF",
                "valid_from": "2026-01-01",
                "valid_until": "2027-12-31",
            },
        )
        assertRedirects(response, collector_url(agent), fetch_redirect_response=False)
        credential = Credential.objects.get()
        assert (credential.collector, credential.code) == (agent, "IIBF")
        assert AuditEvent.objects.get().actor_id == compliance_officer.pk

    def test_add_form_offers_collectors_by_employee_number(
        self, compliance_client, agent, supervisor
    ):
        number = agent.staff_profile.employee_number
        response = compliance_client.get(ADD, {"collector": number, "kind": "training"})
        assertContains(response, f'value="{number}" selected')
        assertContains(response, 'value="training" selected')
        assertNotContains(response, f'value="{supervisor.staff_profile.employee_number}"')

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"valid_until": "2025-01-01"}, "valid_until"),  # service: before valid_from
            ({"kind": "certification"}, "code"),  # service: needs a code
            ({"collector": "E-NOPE"}, "collector"),
            ({"valid_from": "01/02/2026"}, "valid_from"),
            ({"case": "not-a-uuid"}, "case"),
            ({"case": "OTHER"}, "case"),  # service: another team's case
        ],
    )
    def test_add_bad_input_is_400(self, compliance_client, agent, other_case, data, field):
        post = {
            "collector": agent.staff_profile.employee_number,
            "kind": "authorization",
            "valid_from": "2026-01-01",
            "valid_until": "2027-01-01",
        }
        post.update(data)
        if post.get("case") == "OTHER":
            post["case"] = str(other_case.public_id)
        response = compliance_client.post(ADD, post)
        assert response.status_code == 400
        assert field in response.context["form"].errors
        assert not Credential.objects.exists()

    def test_add_a_duplicate_is_400(self, compliance_client, agent, work_id):
        response = compliance_client.post(
            ADD,
            {
                "collector": agent.staff_profile.employee_number,
                "kind": "work_id",
                "number": "WID-7",
                "valid_from": work_id.valid_from.isoformat(),
                "valid_until": work_id.valid_until.isoformat(),
            },
        )
        assertContains(response, "identical credential", status_code=400)
        assert Credential.objects.count() == 1

    def test_edit(self, compliance_client, agent, work_id):
        response = compliance_client.get(edit_url(work_id))
        assertContains(response, 'value="WID-7"')
        data = {"number": "WID-8", "valid_from": "2026-01-01", "valid_until": "2028-01-31"}
        response = compliance_client.post(edit_url(work_id), data)
        assertRedirects(response, collector_url(agent), fetch_redirect_response=False)
        work_id.refresh_from_db()
        assert (work_id.number, str(work_id.valid_until)) == ("WID-8", "2028-01-31")
        assert AuditEvent.objects.get().data["fields"] == ["number", "valid_from", "valid_until"]

    def test_edit_bad_input_is_400(self, compliance_client, work_id):
        data = {"valid_from": "2027-01-01", "valid_until": "2026-01-01"}
        response = compliance_client.post(edit_url(work_id), data)
        assert response.status_code == 400
        assert "valid_until" in response.context["form"].errors
        assert not AuditEvent.objects.exists()

    def test_revoke(self, compliance_client, agent, work_id):
        response = compliance_client.post(revoke_url(work_id), {"reason": "badge lost"})
        assertRedirects(response, collector_url(agent), fetch_redirect_response=False)
        work_id.refresh_from_db()
        assert work_id.revoked
        assert AuditEvent.objects.get().data["reason"] == "badge lost"

    def test_revoke_without_reason_or_twice_is_400(self, compliance_client, work_id):
        response = compliance_client.post(revoke_url(work_id), {"reason": ""})
        assert response.status_code == 400 and "reason" in response.context["form"].errors
        work_id.refresh_from_db()
        assert not work_id.revoked
        compliance_client.post(revoke_url(work_id), {"reason": "lost"})
        response = compliance_client.post(revoke_url(work_id), {"reason": "lost"})
        assertContains(response, "already revoked", status_code=400)


class TestUpload:
    def test_page_names_the_columns(self, compliance_client):
        assertContains(compliance_client.get(UPLOAD), ",".join(CSV_COLUMNS))

    def test_clean_file_adds_all_and_says_how_many(self, compliance_client, agent):
        number = agent.staff_profile.employee_number
        content = csv_of(
            f"{number},work_id,,W1,2026-01-01,2027-01-01,",
            f"{number},training,,T1,2026-01-01,2027-01-01,",
        )
        response = upload(compliance_client, content)
        assertRedirects(response, LIST, fetch_redirect_response=False)
        assert Credential.objects.count() == 2
        response = upload(compliance_client, content, follow=True)
        assertContains(response, "0 credentials added, 2 already present.")
        assert Credential.objects.count() == 2

    def test_dry_run_shows_the_count_and_adds_nothing(self, compliance_client, agent):
        content = csv_of(f"{agent.staff_profile.employee_number},work_id,,,2026-01-01,2027-01-01,")
        response = upload(compliance_client, content, dry_run="on")
        assertContains(response, "1 credential would be added")
        assert not Credential.objects.exists()

    def test_bad_rows_show_a_table_and_add_nothing(self, compliance_client, agent):
        number = agent.staff_profile.employee_number
        content = csv_of(
            f"{number},work_id,,,2026-01-01,2027-01-01,",
            f"{number},badge,,,2026-01-01,2027-01-01,",
            f"{number},training,,,2026-01-01,2025-01-01,",
        )
        response = upload(compliance_client, content)
        assert response.status_code == 400
        assertContains(response, "2 errors: nothing was added.", status_code=400)
        assertContains(response, 'data-row="3" data-column="kind"', status_code=400)
        assertContains(response, 'data-row="4" data-column="valid_until"', status_code=400)
        assertContains(response, "badge", status_code=400)
        assert not Credential.objects.exists()

    @pytest.mark.parametrize(
        ("content", "message"),
        [(b"", "The file is empty."), (b"a,b,c\n1,2,3\n", "The first line must be exactly")],
    )
    def test_unreadable_file_is_400(self, compliance_client, content, message):
        response = upload(compliance_client, content)
        assertContains(response, message, status_code=400)

    def test_no_file_is_400(self, compliance_client):
        response = compliance_client.post(UPLOAD, {})
        assert response.status_code == 400
        assert "file" in response.context["form"].errors
