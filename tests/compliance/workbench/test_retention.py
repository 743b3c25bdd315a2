"""Retention: `retention_purge` and `purge_expired` anonymise exactly the borrowers past the
period, delete their evidence files and positions, append one audit event each, and leave the
audit chain verifiable; a dry run changes nothing; a second run finds nothing.

The expired borrower has the full story (booked, answered, visited with a photo carrying GPS
EXIF and a recording, a flagged report with a complaint, both worked to the end, an evidence
pack built); the others are kept: one with another open case, one whose case closed only two
years ago, one with a complaint still open.
"""

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from collections_app.models import (
    Address,
    Borrower,
    CallRecord,
    Case,
    ContactPerson,
    Loan,
    SensitiveDate,
)
from compliance.models import AuditEvent, Complaint, ComplianceCheck, EvidencePackJob, Flag
from compliance.services.audit import audit_verify
from compliance.services.complaints import complaint_close, complaint_record
from compliance.services.evidence_packs import evidence_pack_request
from compliance.services.flags import flag_investigate, flag_resolve
from compliance.services.retention import (
    ANONYMISED,
    retention_cutoff,
    retention_purge,
)
from tests import factories as f
from tests.compliance.workbench.conftest import AT_DOOR, AT_HOME, LEAVING, REPORT, SUBMITTED
from tests.visits import files as F
from tests.visits.conftest import NOW
from visits.models import BorrowerResponse, Evidence, Notice, VisitPresence, VisitReport
from visits.services.booking import visit_book
from visits.services.evidence import evidence_add
from visits.services.execution import visit_check_out, visit_start
from visits.services.reports import report_save, report_submit
from visits.services.responses import borrower_respond
from visits.services.sending import notice_send

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
CLOSED = date(2026, 12, 10)
PURGE_AT = datetime(2030, 12, 15, 3, 30, tzinfo=SH)  # cut-off 2027-12-15 for 3 years
GPS = (((25, 2, 34.8), "N"), ((102, 42, 14.4), "E"))
MANAGE = Path(__file__).resolve().parents[3] / "manage.py"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def expired(
    case, good_plan, home, agent, crew, compliance_officer, django_capture_on_commit_callbacks
):
    """The `case` fixture's borrower with the whole story, case closed on CLOSED."""
    borrower = case.borrower
    Borrower.objects.filter(pk=borrower.pk).update(email="wang@example.com", employer="云南某厂")
    f.make_sensitive_date(borrower=borrower)
    CallRecord.objects.create(borrower=borrower, at=NOW, note="说下周还")
    visit = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    notice_send(notice_id=visit.notices.get().pk, now=NOW)
    borrower_respond(
        notice=visit.notices.get(), kind="acknowledge", message="我在家", proposed_times=[], now=NOW
    )
    visit_start(visit=visit, by=agent, now=AT_DOOR, position=AT_HOME)
    visit.refresh_from_db()
    photo = F.jpeg(taken="2026:12:02 10:15:30", gps=GPS)
    evidence_add(visit=visit, upload=F.upload(photo, "门口.jpg"), by=agent, now=AT_DOOR)
    evidence_add(visit=visit, upload=F.upload(F.wav(), "talk.wav"), by=agent, now=LEAVING)
    visit_check_out(visit=visit, by=agent, now=LEAVING, position=AT_HOME)
    fields = {
        **REPORT,
        "complaint_category": "conduct",
        "complaint_text": "态度恶劣",
        "vulnerability_observed": True,
        "vulnerability_note": "行动不便",
    }
    report_save(visit=visit, by=agent, fields=fields, present=list(crew))
    report_submit(visit=visit, by=agent, now=SUBMITTED)
    later = SUBMITTED + timedelta(days=1)
    for flag in Flag.objects.filter(visit=visit):
        flag_investigate(flag=flag, by=compliance_officer, now=later)
        flag_resolve(
            flag=flag,
            by=compliance_officer,
            now=later,
            disposition="confirmed_breach",
            root_cause="Training gap",
            corrective_action="Retrained",
        )
    for complaint in Complaint.objects.filter(borrower=borrower):
        complaint_close(
            complaint=complaint, resolution="Apologised", by=compliance_officer, now=later
        )
    with django_capture_on_commit_callbacks(execute=True):
        evidence_pack_request(case=case, by=compliance_officer, now=later, language="en")
    Case.objects.filter(pk=case.pk).update(status="closed", closed_on=CLOSED)
    borrower.refresh_from_db()
    return borrower


@pytest.fixture
def kept(expired):
    """Borrowers the purge must leave alone, by why."""
    reopened = f.make_borrower(name="李二")
    f.make_case(borrower=reopened, status="closed", closed_on=CLOSED)
    f.make_case(borrower=reopened)  # open again
    recent = f.make_borrower(name="赵三")
    f.make_address(borrower=recent)
    f.make_case(borrower=recent, status="closed", closed_on=date(2028, 12, 15))  # 2 years
    complaining = f.make_borrower(name="孙四")
    complaining_case = f.make_case(borrower=complaining, status="closed", closed_on=CLOSED)
    complaint_record(
        borrower=complaining,
        case=complaining_case,
        visit=None,
        channel="phone",
        category="debt",
        description="金额不对",
        received_at=NOW,
        by=None,
        now=NOW,
    )
    return {"reopened": reopened, "recent": recent, "complaining": complaining}


def snapshot() -> dict:
    """Every row the purge may touch, as plain values, and the files in storage."""
    return {
        "borrowers": list(Borrower.objects.order_by("pk").values()),
        "addresses": list(Address.objects.order_by("pk").values()),
        "contacts": list(ContactPerson.objects.order_by("pk").values()),
        "sensitive": list(SensitiveDate.objects.order_by("pk").values()),
        "calls": list(CallRecord.objects.order_by("pk").values()),
        "loans": list(Loan.objects.order_by("pk").values()),
        "presences": list(VisitPresence.objects.order_by("pk").values()),
        "evidence": list(Evidence.objects.order_by("pk").values()),
        "notices": list(Notice.objects.order_by("pk").values()),
        "responses": list(BorrowerResponse.objects.order_by("pk").values()),
        "reports": list(VisitReport.objects.order_by("pk").values()),
        "complaints": list(Complaint.objects.order_by("pk").values()),
        "checks": list(ComplianceCheck.objects.order_by("pk").values("facts")),
        "packs": list(EvidencePackJob.objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
    }


def stored_files(media: Path) -> set[str]:
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}


def test_dry_run_lists_the_expired_borrower_and_changes_nothing(expired, kept, media):
    before, files = snapshot(), stored_files(media)

    result = retention_purge(now=PURGE_AT, years=3, dry_run=True)

    assert [p.public_id for p in result.borrowers] == [str(expired.public_id)]
    counts = result.borrowers[0].counts
    assert (counts["evidence_files"], counts["positions"], counts["evidence_packs"]) == (2, 2, 1)
    assert snapshot() == before
    assert stored_files(media) == files


def test_purge_anonymises_exactly_the_expired_borrower(expired, kept, media):
    evidence = list(Evidence.objects.filter(visit__borrower=expired))
    pack = EvidencePackJob.objects.get()
    kept_before = {
        name: Borrower.objects.filter(pk=b.pk).values().get() for name, b in kept.items()
    }
    old_number = expired.customer_number

    result = retention_purge(now=PURGE_AT, years=3, dry_run=False)

    assert [p.public_id for p in result.borrowers] == [str(expired.public_id)]
    expired.refresh_from_db()
    assert expired.name == ANONYMISED
    assert (expired.national_id, expired.mobile, expired.email, expired.employer) == ("",) * 4
    assert expired.customer_number.startswith("ANON-") and old_number not in expired.customer_number
    assert (expired.vulnerable, expired.complaint_open, expired.no_visit_windows) == (
        False,
        False,
        [],
    )
    for address in expired.addresses.all():
        assert (address.street, address.lat, address.lng) == (ANONYMISED, None, None)
    assert {c.name for c in expired.contacts.all()} == {ANONYMISED}
    assert not expired.sensitive_dates.exists()
    assert not expired.calls.exclude(note="").exists()
    assert all(loan.account_number.startswith("ANON-") for loan in expired.loans.all())
    # Locations and files are gone; what the audit trail names (times, hashes) stays.
    presences = VisitPresence.objects.filter(visit__borrower=expired)
    assert {(p.lat, p.lng, p.problem) for p in presences} == {(None, None, "purged")}
    assert all(p.distance_m is not None for p in presences)
    for item in evidence:
        item.refresh_from_db()
        assert (item.taken_lat, item.taken_lng) == (None, None)
        assert not item.file.storage.exists(item.file.name)
    assert {e.sha256 for e in evidence} == {
        e.sha256 for e in Evidence.objects.filter(visit__borrower=expired)
    }
    assert {(n.recipient, n.body) for n in Notice.objects.filter(visit__borrower=expired)} == {
        (ANONYMISED, ANONYMISED)
    }
    assert {r.message for r in BorrowerResponse.objects.filter(visit__borrower=expired)} == {
        ANONYMISED
    }
    report = VisitReport.objects.get(visit__borrower=expired)
    assert (report.vulnerability_note, report.complaint_text) == (ANONYMISED, ANONYMISED)
    assert report.notes == REPORT["notes"]  # the record of conduct stays
    assert {c.description for c in Complaint.objects.filter(borrower=expired)} == {ANONYMISED}
    for check in ComplianceCheck.objects.filter(borrower=expired, stage="post"):
        assert check.facts["report"]["check_in_location"] is None
        assert check.facts["report"]["address_location"] is None
    pack.refresh_from_db()
    assert (pack.status, pack.file.name) == ("purged", "")
    assert not list((media / "evidence_packs").rglob("*.zip"))
    # The others are untouched.
    for name, borrower in kept.items():
        assert Borrower.objects.filter(pk=borrower.pk).values().get() == kept_before[name], name


def test_purge_appends_one_counted_event_per_borrower_and_the_chain_holds(expired, kept):
    before = AuditEvent.objects.count()

    retention_purge(now=PURGE_AT, years=3, dry_run=False)

    (event,) = AuditEvent.objects.filter(pk__gt=AuditEvent.objects.order_by("id")[before - 1].pk)
    assert (event.action, event.object_id, event.actor_id) == (
        "retention.purged",
        str(expired.public_id),
        None,
    )
    assert event.data["evidence_files"] == 2 and event.data["positions"] == 2
    assert all(isinstance(v, int) for k, v in event.data.items() if k != "closed_before")
    assert audit_verify().ok


def test_second_run_finds_nothing(expired, kept):
    retention_purge(now=PURGE_AT, years=3, dry_run=False)
    after = snapshot()

    again = retention_purge(now=PURGE_AT + timedelta(days=1), years=3, dry_run=False)

    assert again.borrowers == []
    assert snapshot() == after
    assert audit_verify().ok


def test_a_longer_period_keeps_everyone(expired, kept):
    assert retention_purge(now=PURGE_AT, years=5, dry_run=False).borrowers == []
    expired.refresh_from_db()
    assert expired.name == "王小明"


def test_evidence_pack_after_the_purge_still_adds_up(
    expired, compliance_officer, django_capture_on_commit_callbacks
):
    retention_purge(now=PURGE_AT, years=3, dry_run=False)
    with django_capture_on_commit_callbacks(execute=True):
        job = evidence_pack_request(
            case=expired.cases.get(), by=compliance_officer, now=PURGE_AT, language="en"
        )
    job.refresh_from_db()
    assert job.status == "done"
    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as pack:
        manifest = json.loads(pack.read("manifest.json"))
        audit = json.loads(pack.read("audit.json"))
        assert not [n for n in pack.namelist() if n.startswith("evidence/")]
    assert {e["missing"] for e in manifest["evidence"]} == {True}
    assert "retention.purged" in {e["action"] for e in audit["events"]}
    assert audit["chain_verification"]["ok"] is True


def test_years_must_be_at_least_one():
    with pytest.raises(ValidationError) as error:
        retention_purge(now=PURGE_AT, years=0, dry_run=True)
    assert "years" in error.value.message_dict


def test_cutoff_on_29_february():
    assert retention_cutoff(now=datetime(2028, 2, 29, 12, tzinfo=SH), years=3) == date(2025, 2, 28)
    assert retention_cutoff(now=datetime(2030, 12, 15, 0, 30, tzinfo=SH), years=3) == date(
        2027, 12, 15
    )


# The command


@pytest.fixture
def expired_now(db):
    """A borrower whose only case closed four years before today (the command's clock)."""
    borrower = f.make_borrower(name="周五")
    f.make_address(borrower=borrower)
    today = date.today()
    f.make_case(
        borrower=borrower,
        opened_on=today.replace(year=today.year - 6, day=1),
        status="closed",
        closed_on=today.replace(year=today.year - 4, day=1),
    )
    return borrower


def test_command_dry_run_prints_and_changes_nothing(expired_now):
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Would purge " + expired_now.customer_number)
    assert lines[-1].startswith("Dry run: 1 borrower(s)")
    expired_now.refresh_from_db()
    assert expired_now.name == "周五"


def test_command_purges_with_a_one_line_summary(expired_now):
    out = io.StringIO()
    call_command("purge_expired", "--years", "3", stdout=out)
    assert out.getvalue().count("\n") == 1
    assert out.getvalue().startswith("Anonymised 1 borrower(s)")
    expired_now.refresh_from_db()
    assert expired_now.name == ANONYMISED
    assert audit_verify().ok


def test_command_refuses_years_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_expired", "--years", "0")


@pytest.mark.parametrize("argv", [["--years", "three"], ["--years", "0"], ["--bogus"]])
def test_command_line_bad_option_is_one_line_and_exit_2(argv):
    run = subprocess.run(  # noqa: S603  (fixed argv, no shell)
        [sys.executable, str(MANAGE), "purge_expired", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "collections_app.settings_test"},
        check=False,
    )
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert run.stderr.startswith("purge_expired: ")
    assert run.stdout == ""


def test_nothing_expired_is_a_quiet_zero(db):
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert out.getvalue().startswith("Anonymised 0 borrower(s)")


def test_nightly_beat_runs_the_purge_task(expired_now, settings):
    from compliance.tasks import retention_purge_task

    entry = settings.CELERY_BEAT_SCHEDULE["retention-purge-nightly"]
    assert entry["task"] == retention_purge_task.name
    totals = retention_purge_task.delay().get()
    assert totals["borrowers"] == 1
    expired_now.refresh_from_db()
    assert expired_now.name == ANONYMISED
