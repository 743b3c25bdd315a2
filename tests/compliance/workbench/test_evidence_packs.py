"""Evidence packs: what the ZIP holds (every member, hashes that match, the timeline naming
each record), progress and failure, and the pages per persona.

The visit comes from the real flow: booked, answered by the borrower, started, a photo and a
recording attached, checked out, a report with a threat and a complaint (flags), returned by
the supervisor; plus a refused booking (a check on the case with no visit).
"""

import hashlib
import io
import json
import uuid
import zipfile
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from compliance.models import AuditEvent, ComplianceCheck, EvidencePackJob
from compliance.services.audit import audit_verify
from compliance.services.evidence_packs import evidence_pack_build, evidence_pack_request
from compliance.tasks import evidence_pack_build_task
from tests import factories as f
from tests.compliance.workbench.conftest import AT_DOOR, AT_HOME, LEAVING, REPORT, SUBMITTED
from tests.visits import files as F
from tests.visits.conftest import NOW, moved
from tests.worker import celery_worker, needs_worker
from visits.models import Evidence, Notice
from visits.services.booking import visit_book
from visits.services.evidence import evidence_add
from visits.services.execution import visit_check_out, visit_start
from visits.services.reports import report_review, report_save, report_submit
from visits.services.responses import borrower_respond
from visits.services.sending import notice_send

pytestmark = pytest.mark.django_db

NAME, MOBILE, NAME_MASKED = "王小明", "13812345678", "王**"
FIXED_MEMBERS = {
    "timeline.html",
    "notices.json",
    "responses.json",
    "reports.json",
    "audit.json",
    "manifest.json",
    "MANIFEST.sha256",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def story(good_plan, home, agent, crew, supervisor):
    """The visit of the module docstring; returns it."""
    refused = visit_book(plan=moved(good_plan, 12), place=home, by=agent, now=NOW)  # 22:00
    assert refused.visit is None
    visit = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    notice_send(notice_id=visit.notices.get().pk, now=NOW)  # console gateway: delivered
    borrower_respond(
        notice=visit.notices.first(),
        kind="acknowledge",
        message="好的",
        proposed_times=[],
        now=NOW + timedelta(minutes=10),
    )
    visit_start(visit=visit, by=agent, now=AT_DOOR, position=AT_HOME)
    visit.refresh_from_db()
    photo = F.jpeg(taken="2026:12:02 10:15:30")
    evidence_add(visit=visit, upload=F.upload(photo, "门口.jpg"), by=agent, now=AT_DOOR)
    evidence_add(visit=visit, upload=F.upload(F.wav(), "talk.wav"), by=agent, now=LEAVING)
    visit_check_out(visit=visit, by=agent, now=LEAVING, position=AT_HOME)
    fields = {**REPORT, "complaint_category": "conduct", "complaint_text": "态度恶劣"}
    report_save(visit=visit, by=agent, fields=fields, present=list(crew))
    report_submit(visit=visit, by=agent, now=SUBMITTED)
    report_review(
        visit=visit,
        by=supervisor,
        now=SUBMITTED + timedelta(hours=1),
        approve=False,
        comment="Rewrite the notes",
    )
    visit.refresh_from_db()
    return visit


def build(django_capture_on_commit_callbacks, by, **subject) -> EvidencePackJob:
    """Request a pack; the build task runs after commit (eagerly in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        job = evidence_pack_request(**subject, by=by, now=NOW, language="en")
    job.refresh_from_db()
    return job


def members(job) -> dict[str, bytes]:
    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as pack:
        return {name: pack.read(name) for name in pack.namelist()}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Contents


def test_visit_pack_holds_every_member_with_matching_hashes(
    story, compliance_officer, django_capture_on_commit_callbacks
):
    job = build(django_capture_on_commit_callbacks, compliance_officer, visit=story)

    assert (job.status, job.progress, job.error) == ("done", 100, "")
    with job.file.open("rb") as handle:
        assert sha(handle.read()) == job.sha256
    files = members(job)
    checks = ComplianceCheck.objects.filter(visit=story).order_by("checked_at", "id")
    assert [c.stage for c in checks] == ["pre", "post"]
    expected_checks = {
        f"checks/{n:03d}-{c.stage}-{c.decision}.json" for n, c in enumerate(checks, start=1)
    }
    evidence = list(Evidence.objects.filter(visit=story))
    assert len(evidence) == 2
    expected_evidence = {
        f"evidence/{e.sha256[:12]}-{e.file.name.rsplit('/', 1)[-1]}" for e in evidence
    }
    assert set(files) == FIXED_MEMBERS | expected_checks | expected_evidence

    # MANIFEST.sha256 covers every other member, in sha256sum format, and the hashes hold.
    listed = dict(
        reversed(line.split("  ", 1)) for line in files["MANIFEST.sha256"].decode().splitlines()
    )
    assert set(listed) == set(files) - {"MANIFEST.sha256"}
    assert all(sha(files[name]) == digest for name, digest in listed.items())
    manifest = json.loads(files["manifest.json"])
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {
        name: digest for name, digest in listed.items() if name != "manifest.json"
    }
    # The evidence files are the stored ones, byte for byte.
    for item in evidence:
        name = next(n for n in files if n.startswith(f"evidence/{item.sha256[:12]}"))
        assert sha(files[name]) == item.sha256
    assert {e["stored_sha256"]: e["sha256_matches"] for e in manifest["evidence"]} == {
        e.sha256: True for e in evidence
    }
    assert manifest["subject"] == {"type": "visit", "id": str(story.public_id)}


def test_checks_notices_responses_and_reports_are_all_there(
    story, compliance_officer, django_capture_on_commit_callbacks
):
    files = members(build(django_capture_on_commit_callbacks, compliance_officer, visit=story))

    post = json.loads(next(v for k, v in files.items() if k.startswith("checks/002-post-")))
    rules = {f["rule"]: f["outcome"] for f in post["findings"]}
    assert rules["PROHIBITED_CONDUCT"] == "fail"
    assert post["pack"]["version"] and post["facts"]  # the pack version and the snapshot
    assert all(f["citation"] for f in post["findings"])

    notices = json.loads(files["notices.json"])
    assert {(n["kind"], n["status"]) for n in notices} >= {("advance", "delivered")}
    advance = next(n for n in notices if n["kind"] == "advance")
    assert advance["delivered_at"] == advance["sent_at"] == "2026-12-01T09:00:00+08:00"
    sent = Notice.objects.get(public_id=advance["public_id"])
    assert advance["text_as_sent"] == sent.body != ""  # the proof of notice, word for word
    assert advance["recipient"] == "138****5678"

    assert [r["kind"] for r in json.loads(files["responses.json"])] == ["acknowledge"]
    (visit_report,) = json.loads(files["reports.json"])
    assert visit_report["report"]["outcome"] == "promise_to_pay"
    assert [p["kind"] for p in visit_report["check_in_out"]] == ["check_in", "check_out"]
    assert "lat" not in json.dumps(visit_report["check_in_out"])  # distances, not positions
    assert [r["decision"] for r in visit_report["reviews"]] == ["returned"]


def test_audit_json_holds_the_related_events_and_the_verification(
    story, compliance_officer, django_capture_on_commit_callbacks
):
    files = members(build(django_capture_on_commit_callbacks, compliance_officer, visit=story))
    audit = json.loads(files["audit.json"])

    assert audit["chain_verification"]["ok"] is True
    actions = {e["action"] for e in audit["events"]}
    assert {"visit.booked", "visit.in_progress", "visit.evidence_added", "flag.raised"} <= actions
    assert {"complaint.recorded", "borrower_response.received", "visit.returned"} <= actions
    stored = {e.pk: e.hash for e in AuditEvent.objects.all()}
    assert all(stored[e["id"]] == e["hash"] for e in audit["events"])
    assert not any(e["action"].startswith("evidence_pack.") for e in audit["events"])


def test_timeline_names_every_record_and_masks_the_borrower(
    story, compliance_officer, django_capture_on_commit_callbacks
):
    job = build(django_capture_on_commit_callbacks, compliance_officer, visit=story)
    html = members(job)["timeline.html"].decode()

    checks = ComplianceCheck.objects.filter(visit=story).order_by("checked_at", "id")
    for n, check in enumerate(checks, start=1):
        assert f'href="checks/{n:03d}-{check.stage}-{check.decision}.json"' in html
    assert html.count('<tr class="notice') == story.notices.count()
    assert html.count('<tr class="response') == 1
    assert html.count('<tr class="report') == 1
    assert html.count('<tr class="review') == 1
    assert html.count('<tr class="evidence') == 2
    assert html.count('<tr class="flag') == story.flags.count() >= 1
    assert html.count('<tr class="complaint') == 1
    assert html.count('<tr class="presence') == 2
    assert "PROHIBITED_CONDUCT" in html
    assert "2026-12-02 10:05" in html  # check-in, Shanghai time
    assert NAME not in html and MOBILE not in html and NAME_MASKED in html
    assert "<script" not in html


def test_case_pack_adds_the_refused_booking_and_the_case_audit(
    story, compliance_officer, django_capture_on_commit_callbacks
):
    job = build(django_capture_on_commit_callbacks, compliance_officer, case=story.case)
    files = members(job)

    check_members = [name for name in files if name.startswith("checks/")]
    assert len(check_members) == ComplianceCheck.objects.filter(case=story.case).count() == 3
    assert any("-pre-block.json" in name for name in check_members)
    events = json.loads(files["audit.json"])["events"]
    assert "visit.booking_refused" in {e["action"] for e in events}
    assert json.loads(files["manifest.json"])["subject"]["type"] == "case"


def test_missing_evidence_file_is_reported_not_fatal(
    story, compliance_officer, django_capture_on_commit_callbacks
):
    gone = Evidence.objects.filter(visit=story, kind="audio").get()
    gone.file.storage.delete(gone.file.name)

    job = build(django_capture_on_commit_callbacks, compliance_officer, visit=story)

    assert job.status == "done"
    files = members(job)
    assert len([name for name in files if name.startswith("evidence/")]) == 1
    entry = next(
        e
        for e in json.loads(files["manifest.json"])["evidence"]
        if e["stored_sha256"] == gone.sha256
    )
    assert (entry["missing"], entry["member"]) == (True, None)


def test_generation_is_audited_and_the_build_runs_once(
    story, compliance_officer, django_capture_on_commit_callbacks
):
    job = build(django_capture_on_commit_callbacks, compliance_officer, visit=story)
    events = AuditEvent.objects.filter(object_id=str(job.public_id)).order_by("id")
    assert [e.action for e in events] == ["evidence_pack.requested", "evidence_pack.generated"]
    assert events[1].data["sha256"] == job.sha256 and events[1].actor_id == compliance_officer.pk

    again = evidence_pack_build(job_id=job.pk, now=NOW)  # a repeated task: left alone

    assert (again.status, again.sha256) == ("done", job.sha256)
    assert AuditEvent.objects.filter(object_id=str(job.public_id)).count() == 2
    assert audit_verify().ok


def test_request_enqueues_after_commit_and_starts_at_zero(
    story, compliance_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = evidence_pack_request(visit=story, by=compliance_officer, now=NOW, language="en")
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.progress, job.file.name) == ("queued", 0, "")


def test_failure_ends_the_job_failed_with_a_readable_message(
    story, compliance_officer, django_capture_on_commit_callbacks, media, compliance_client
):
    media.mkdir(parents=True, exist_ok=True)
    (media / "evidence_packs").write_text("not a directory")  # storage cannot save there

    job = build(django_capture_on_commit_callbacks, compliance_officer, visit=story)

    assert (job.status, job.file.name, job.sha256) == ("failed", "", "")
    assert job.error and job.finished_at
    assert AuditEvent.objects.filter(object_id=str(job.public_id)).last().action == (
        "evidence_pack.failed"
    )
    page = compliance_client.get(detail_url(job))
    assertContains(page, "could not be built")
    assertContains(page, 'data-status="failed"')
    assert compliance_client.get(download_url(job)).status_code == 404


# Pages


def list_url() -> str:
    return reverse("compliance:evidence_pack_list")


def detail_url(job) -> str:
    return reverse("compliance:evidence_pack_detail", args=[job.public_id])


def progress_url(job) -> str:
    return reverse("compliance:evidence_pack_progress", args=[job.public_id])


def download_url(job) -> str:
    return reverse("compliance:evidence_pack_download", args=[job.public_id])


@pytest.fixture
def done_job(story, compliance_officer, django_capture_on_commit_callbacks):
    return build(django_capture_on_commit_callbacks, compliance_officer, visit=story)


@pytest.fixture
def queued_job(story, compliance_officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return evidence_pack_request(visit=story, by=compliance_officer, now=NOW, language="en")


def test_officer_requests_a_pack_for_a_case_and_lands_on_its_page(
    story, compliance_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = compliance_client.post(list_url(), {"case": story.case.public_id})
    job = EvidencePackJob.objects.get()
    assertRedirects(response, detail_url(job))
    assert (job.case, job.visit, job.status) == (story.case, None, "done")
    page = compliance_client.get(detail_url(job))
    assertContains(page, 'data-testid="pack-download"')
    assertContains(page, job.sha256)
    assertNotContains(page, "evidence_pack.js")  # nothing left to poll


def test_officer_requests_a_pack_for_a_visit(story, compliance_client):
    response = compliance_client.post(list_url(), {"visit": story.public_id})
    job = EvidencePackJob.objects.get()
    assertRedirects(response, detail_url(job), fetch_redirect_response=False)
    assert (job.visit, job.case) == (story, None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "case"),
        ({"case": "not-a-uuid"}, "case"),
        (
            {
                "case": "c1a7e8f0-0000-4000-8000-000000000000",
                "visit": "c1a7e8f0-0000-4000-8000-000000000001",
            },
            "visit",
        ),
    ],
)
def test_bad_request_is_400_with_the_field_error(compliance_client, data, field):
    response = compliance_client.post(list_url(), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not EvidencePackJob.objects.exists()


def test_unknown_case_or_visit_is_404(compliance_client):
    assert compliance_client.post(list_url(), {"case": uuid.uuid4()}).status_code == 404
    assert compliance_client.post(list_url(), {"visit": uuid.uuid4()}).status_code == 404
    assert not EvidencePackJob.objects.exists()


def test_list_shows_recent_packs_masked(done_job, compliance_client):
    response = compliance_client.get(list_url())
    assertContains(response, 'data-testid="pack-row"', count=1)
    assertContains(response, NAME_MASKED)
    assertNotContains(response, NAME)


def test_pending_job_page_polls_and_progress_answers_json(queued_job, compliance_client):
    page = compliance_client.get(detail_url(queued_job))
    assertContains(page, 'data-testid="pack-progress"')
    assertContains(page, progress_url(queued_job))
    assertContains(page, "js/evidence_pack.js")
    assertNotContains(page, 'data-testid="pack-download"')
    assert compliance_client.get(progress_url(queued_job)).json() == {
        "status": "queued",
        "progress": 0,
        "pending": True,
    }
    assert compliance_client.get(download_url(queued_job)).status_code == 404  # not ready


def test_progress_reaches_100(done_job, compliance_client):
    assert compliance_client.get(progress_url(done_job)).json() == {
        "status": "done",
        "progress": 100,
        "pending": False,
    }


def test_download_streams_the_zip_and_is_audited(done_job, compliance_client, compliance_officer):
    response = compliance_client.get(download_url(done_job))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert sha(b"".join(response.streaming_content)) == done_job.sha256
    event = AuditEvent.objects.filter(action="evidence_pack.downloaded").get()
    assert (event.actor_id, event.object_id) == (compliance_officer.pk, str(done_job.public_id))


def test_admin_downloads_too(done_job, admin_client_):
    assert admin_client_.get(download_url(done_job)).status_code == 200


@pytest.mark.parametrize("persona", ["supervisor_client", "agent_client", "outsider_client"])
def test_other_roles_get_403(request, persona, done_job):
    client = request.getfixturevalue(persona)
    for url in (list_url(), detail_url(done_job), progress_url(done_job), download_url(done_job)):
        assert client.get(url).status_code == 403, url
    assert client.post(list_url(), {"visit": done_job.visit.public_id}).status_code == 403
    assert not AuditEvent.objects.filter(action="evidence_pack.downloaded").exists()


def test_anonymous_is_sent_to_login(client, done_job):
    for url in (list_url(), detail_url(done_job), download_url(done_job)):
        response = client.get(url)
        assertRedirects(response, f"{reverse('login')}?next={url}", fetch_redirect_response=False)


def test_missing_pack_is_404(compliance_client):
    missing = EvidencePackJob(public_id=uuid.uuid4())
    for url in (detail_url(missing), progress_url(missing), download_url(missing)):
        assert compliance_client.get(url).status_code == 404, url


def test_wrong_methods_are_405(done_job, compliance_client):
    assert compliance_client.put(list_url()).status_code == 405
    for url in (detail_url(done_job), progress_url(done_job), download_url(done_job)):
        assert compliance_client.post(url).status_code == 405, url


def test_button_shows_for_officers_only(story, compliance_officer, agent):
    def render(user, **context):
        request = RequestFactory().get("/")
        request.user = user
        return render_to_string("compliance/evidence_packs/_button.html", context, request=request)

    html = render(compliance_officer, visit=story)
    assert f'name="visit" value="{story.public_id}"' in html
    assert list_url() in html
    case_html = render(compliance_officer, case=story.case)
    assert f'name="case" value="{story.case.public_id}"' in case_html
    assert 'data-testid="evidence-pack-button"' not in render(agent, visit=story)


# A real worker


@needs_worker
def test_a_real_worker_builds_the_pack(transactional_db, tmp_path, settings):
    """The build task in a Celery worker process: it sees the committed job, writes the ZIP
    to the shared media folder and leaves the job done at 100 %."""
    settings.MEDIA_ROOT = tmp_path / "media"
    officer = f.make_user(role="compliance", username="worker_officer")
    case = f.make_case(borrower=f.make_borrower(name="钱七"))
    job = EvidencePackJob.objects.create(
        requested_by=officer, case=case, language="en", created_at=NOW
    )
    with celery_worker(tmp_path, DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT)) as worker:
        result = evidence_pack_build_task.apply_async(args=[job.pk], queue=worker.queue)
        status = worker.result(result)

    assert f"evidence_pack_build_task[{result.id}] succeeded" in worker.log()
    job.refresh_from_db()
    assert (status, job.status, job.progress) == ("done", "done", 100)
    with job.file.open("rb") as handle:
        assert sha(handle.read()) == job.sha256
