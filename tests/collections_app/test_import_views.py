"""The import upload page: upload → Celery task (eager here) → progress JSON → error report."""

import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertTemplateUsed

from collections_app.models import Address, Borrower, ImportJob

pytestmark = pytest.mark.django_db(transaction=False)

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples" / "core"
UPLOAD = reverse("collections_app:import_upload")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, kind, name, data: bytes, encoding="utf-8"):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(UPLOAD, {"kind": kind, "encoding": encoding, "file": file})


def status_of(client, job):
    url = reverse("collections_app:import_job_status", args=[job.public_id])
    return client.get(url).json()


@pytest.mark.parametrize("who", ["admin_client_", "compliance_client"])
def test_upload_imports_and_reports_done(request, who, django_capture_on_commit_callbacks):
    client = request.getfixturevalue(who)
    assertTemplateUsed(client.get(UPLOAD), "collections_app/import_upload.html")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "borrowers", "b.csv", (SAMPLES / "borrowers.csv").read_bytes())
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("collections_app:import_job", args=[job.public_id])
    assert Borrower.objects.count() == 3
    data = status_of(client, job)
    assert (data["status"], data["progress"], data["errors_url"]) == ("done", 100, None)
    assert "3 inserted" in data["summary"]
    page = client.get(response.url)
    assertContains(page, "js/import_progress.js")
    assertContains(page, 'data-status="done"')
    assertContains(client.get(UPLOAD), "3 inserted")


def test_gbk_upload(admin_client_, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        data = (SAMPLES / "borrowers_gbk.csv").read_bytes()
        upload(admin_client_, "borrowers", "b.csv", data, encoding="gbk")
    assert Borrower.objects.filter(name="王芳").exists()


def test_a_bad_file_fails_with_a_downloadable_report(
    admin_client_, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client_, "loans", "l.csv", (SAMPLES / "loans.csv").read_bytes())
    job = ImportJob.objects.get()
    data = status_of(admin_client_, job)
    assert (data["status"], data["error_count"]) == ("failed", 3)
    assert data["errors_url"] == reverse("collections_app:import_job_errors", args=[job.public_id])
    report = admin_client_.get(data["errors_url"])
    assert report.status_code == 200 and report["Content-Type"] == "text/csv"
    lines = b"".join(report.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,reason"
    assert lines[1] == "2,customer_number,C90000001,no borrower with this customer_number"


def test_bad_form_input_is_400_and_starts_nothing(admin_client_):
    response = upload(admin_client_, "loans", "l.txt", b"x")
    assert response.status_code == 400
    assertContains(response, "Upload a .csv or .xlsx file.", status_code=400)
    assert upload(admin_client_, "cars", "l.csv", b"x").status_code == 400
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("who", ["agent_client", "supervisor_client", "outsider_client"])
def test_other_roles_get_404_everywhere(request, who, admin_user):
    client = request.getfixturevalue(who)
    job = ImportJob.objects.create(kind="loans", file="imports/x.csv", created_by=admin_user)
    assert client.get(UPLOAD).status_code == 404
    assert upload(client, "loans", "l.csv", b"x").status_code == 404
    for name in ("import_job", "import_job_status", "import_job_errors"):
        assert (
            client.get(reverse(f"collections_app:{name}", args=[job.public_id])).status_code == 404
        )
    assert not Borrower.objects.exists() and ImportJob.objects.count() == 1


def test_anonymous_is_sent_to_login(client):
    response = client.get(UPLOAD)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_missing_job_no_report_and_wrong_method(admin_client_, admin_user):
    missing = reverse("collections_app:import_job", args=[uuid.uuid4()])
    assert admin_client_.get(missing).status_code == 404
    job = ImportJob.objects.create(kind="loans", file="imports/x.csv", created_by=admin_user)
    errors = reverse("collections_app:import_job_errors", args=[job.public_id])
    assert admin_client_.get(errors).status_code == 404
    status = reverse("collections_app:import_job_status", args=[job.public_id])
    assert admin_client_.post(status).status_code == 405
    assert admin_client_.delete(UPLOAD).status_code == 405


def test_a_redelivered_task_does_not_import_twice(
    admin_client_, django_capture_on_commit_callbacks
):
    from collections_app.importing.jobs import import_job_run

    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client_, "borrowers", "b.csv", (SAMPLES / "borrowers.csv").read_bytes())
    job = import_job_run(job_id=ImportJob.objects.get().id)
    assert (job.status, job.inserted) == ("done", 3)


def test_addresses_upload_is_imported_and_audited_as_the_job(
    admin_client_, admin_user, django_capture_on_commit_callbacks
):
    from compliance.models import AuditEvent
    from tests.factories import make_borrower

    make_borrower(customer_number="C1")
    data = "customer_number,address_ref,district,street,is_primary\nC1,A1,五华区,街1号,1\n"
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client_, "addresses", "a.csv", data.encode())
    job = ImportJob.objects.get()
    assert (job.status, job.inserted) == (ImportJob.Status.DONE, 1)
    assert Address.objects.get().external_ref == "A1"
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id) == ("core_import.committed", admin_user.pk)
    assert (event.object_type, event.object_id) == ("collections_app.importjob", str(job.public_id))
    assert (event.data["kind"], event.data["file"], event.data["inserted"]) == (
        "addresses",
        Path(job.file.name).name,
        1,
    )
