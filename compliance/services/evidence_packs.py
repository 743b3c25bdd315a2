"""Evidence packs (issue 6 item 7): a ZIP about one case or one visit for a regulator or an
ombudsman, built in the background.

`evidence_pack_request` records the job and enqueues the build after commit. The build runs
outside one big transaction on purpose: each progress step commits on its own so the job
page can show it. The ZIP is spooled to a temporary file (evidence files are streamed into
it, never held in memory) and then copied to the default storage; it reaches a browser only
through the officer-checked download view.

Contents: timeline.html, checks/<n>-<stage>-<decision>.json, notices.json, responses.json,
reports.json, evidence/<sha256 prefix>-<stored name>, audit.json, manifest.json and
MANIFEST.sha256 (the SHA-256 of every other member, in `sha256sum -c` format).
"""

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from collections_app.models import Case
from collections_app.queueing import enqueue_on_commit
from compliance.models import AuditEvent, EvidencePackJob
from compliance.selectors.evidence_packs import PackRecords, pack_audit_events, pack_records
from compliance.services import evidence_pack_contents as contents
from compliance.services.audit import audit_record, audit_verify
from visits.models import Evidence, Visit

logger = logging.getLogger(__name__)

Status = EvidencePackJob.Status
CHUNK = 1024 * 1024
TIMELINE_TEMPLATE = "compliance/evidence_packs/timeline.html"
# Progress milestones (percent); the evidence files fill the span between the last two.
RECORDS_READ, DOCUMENTS_WRITTEN, AUDIT_VERIFIED, FILES_WRITTEN = 10, 30, 45, 95


def evidence_pack_request(
    *, case: Case | None = None, visit: Visit | None = None, by, now: datetime, language: str
) -> EvidencePackJob:
    """Record a pack request for `case` or `visit` and build it in the background."""
    from compliance.tasks import evidence_pack_build_task

    with transaction.atomic():
        job = EvidencePackJob(
            requested_by=by, case=case, visit=visit, language=language, created_at=now
        )
        job.full_clean()
        job.save()
        audit_record(
            actor=by,
            action="evidence_pack.requested",
            obj=job,
            data=_subject_data(job),
            at=now,
        )
        enqueue_on_commit(evidence_pack_build_task, job.pk, what=f"evidence pack job {job.pk}")
    return job


def evidence_pack_build(*, job_id: int, now: datetime) -> EvidencePackJob:
    """Build the queued job's ZIP. Idempotent: a job that is not queued is left alone.

    Any error ends the job as failed with a readable message (and the details in the log);
    it is not raised, so the worker moves on and the officer can ask again.
    """
    job = _claim(job_id, now)
    if job is None:
        return EvidencePackJob.objects.get(pk=job_id)
    try:
        with translation.override(job.language), tempfile.TemporaryDirectory() as scratch:
            path = os.path.join(scratch, "pack.zip")
            summary = _write_zip(job, path, now)
            digest, size = _file_sha256(path)
            with open(path, "rb") as handle:
                # The job row's own name: the ZIP names no borrower.
                job.file.save(f"{job.public_id}.zip", File(handle), save=False)
        return _finish(job, digest=digest, size=size, summary=summary)
    except Exception as error:  # noqa: BLE001  (any failure must end the job, not hang it)
        logger.exception("Evidence pack %s failed", job.public_id)
        return _fail(job, error)


def evidence_pack_downloaded(*, job: EvidencePackJob, by, now: datetime) -> None:
    """Audit one download (the file itself is streamed by the view)."""
    if job.status != Status.DONE:
        raise ValidationError(_("This evidence pack is not ready."), code="not_ready")
    audit_record(
        actor=by,
        action="evidence_pack.downloaded",
        obj=job,
        data={**_subject_data(job), "sha256": job.sha256},
        at=now,
    )


def evidence_pack_filename(job: EvidencePackJob) -> str:
    subject = "visit" if job.visit_id else "case"
    subject_id = str((job.visit or job.case).public_id)[:8]
    return f"evidence-pack-{subject}-{subject_id}-{job.created_at:%Y%m%d-%H%M}.zip"


# The build


def _claim(job_id: int, now: datetime) -> EvidencePackJob | None:
    with transaction.atomic():
        job = EvidencePackJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != Status.QUEUED:
            return None
        job.status, job.started_at, job.progress = Status.RUNNING, now, 1
        job.save(update_fields=["status", "started_at", "progress"])
    return job


def _write_zip(job: EvidencePackJob, path: str, now: datetime) -> dict:
    records = pack_records(case=job.case, visit=job.visit)
    zone = ZoneInfo(records.borrower.timezone)
    _progress(job, RECORDS_READ)
    with _PackZip(path) as pack:
        check_members = {}
        for number, check in enumerate(records.checks, start=1):
            name = contents.check_member_name(number, check)
            check_members[check.pk] = name
            pack.add_json(name, contents.check_document(check, zone))
        pack.add_json("notices.json", contents.notices_document(records, zone))
        pack.add_json("responses.json", contents.responses_document(records, zone))
        pack.add_json("reports.json", contents.reports_document(records, zone))
        _progress(job, DOCUMENTS_WRITTEN)

        events = list(pack_audit_events(records=records))
        verification = audit_verify()
        tail = AuditEvent.objects.order_by("-id").first()
        pack.add_json("audit.json", contents.audit_document(events, verification, tail, zone))
        _progress(job, AUDIT_VERIFIED)

        evidence = _add_evidence(job, pack, records.evidence)
        pack.add_bytes(
            "timeline.html",
            _timeline_html(job, records, check_members, verification, now).encode(),
        )
        manifest = _manifest(job, records, pack.members, evidence, verification, now)
        pack.add_json("manifest.json", manifest)
        pack.add_bytes("MANIFEST.sha256", _sha256sums(pack.members).encode())
    return {
        "members": len(pack.members),
        "checks": len(records.checks),
        "evidence_files": sum(1 for e in evidence if e["member"]),
        "audit_events": len(events),
        "chain_ok": verification.ok,
    }


def _add_evidence(job: EvidencePackJob, pack: "_PackZip", items: list[Evidence]) -> list[dict]:
    """Stream each evidence file into the ZIP and compare its hash with the stored one."""
    out = []
    span = FILES_WRITTEN - AUDIT_VERIFIED
    for done, evidence in enumerate(items, start=1):
        entry = {
            "public_id": str(evidence.public_id),
            "visit": str(evidence.visit.public_id),
            "kind": evidence.kind,
            "content_type": evidence.content_type,
            "size": evidence.size,
            "stored_sha256": evidence.sha256,
            "member": None,
            "sha256_matches": None,
        }
        name = f"evidence/{evidence.sha256[:12]}-{PurePosixPath(evidence.file.name).name}"
        try:
            handle = evidence.file.open("rb")
        except (FileNotFoundError, ValueError):
            entry["missing"] = True  # deleted after the retention period, or lost
        else:
            with handle:
                digest, _size = pack.add_stream(name, handle.chunks(CHUNK))
            entry.update(member=name, sha256_matches=digest == evidence.sha256)
        out.append(entry)
        _progress(job, AUDIT_VERIFIED + span * done // len(items))
    return out


def _manifest(job, records: PackRecords, members, evidence, verification, now) -> dict:
    subject = records.subject
    return {
        "format": "fieldvisit-evidence-pack/1",
        "pack": str(job.public_id),
        "subject": {"type": "visit" if records.visit else "case", "id": str(subject.public_id)},
        "case": str(records.case.public_id),
        "customer_number": records.borrower.customer_number,
        "borrower_timezone": records.borrower.timezone,
        "generated_at": contents.local(now, ZoneInfo(records.borrower.timezone)),
        "generated_for": contents.user_label(job.requested_by),
        "audit_chain_ok": verification.ok,
        "files": [{"name": n, "sha256": h, "size": s} for n, h, s in members],
        "evidence": evidence,
    }


def _timeline_html(job, records: PackRecords, check_members, verification, now) -> str:
    zone = ZoneInfo(records.borrower.timezone)
    with timezone.override(zone):
        return render_to_string(
            TIMELINE_TEMPLATE,
            {
                "job": job,
                "records": records,
                "borrower": records.borrower,
                "entries": contents.timeline_entries(records, check_members),
                "verification": verification,
                "generated_at": now,
                "generated_for": contents.user_label(job.requested_by),
                "zone": records.borrower.timezone,
                "bank_name": settings.FIELDVISIT_BANK_NAME,
                "LANGUAGE_CODE": job.language,
            },
        )


def _sha256sums(members: Iterable[tuple[str, str, int]]) -> str:
    return "".join(f"{digest}  {name}\n" for name, digest, _size in members)


def _progress(job: EvidencePackJob, percent: int) -> None:
    # Its own statement, committed at once: the job page polls it.
    EvidencePackJob.objects.filter(pk=job.pk).update(progress=min(percent, 99))


def _finish(job: EvidencePackJob, *, digest: str, size: int, summary: dict) -> EvidencePackJob:
    # The build took a while: the end is read from the clock, not from the start's `now`.
    finished = timezone.now()
    with transaction.atomic():
        job.status, job.progress, job.finished_at = Status.DONE, 100, finished
        job.sha256, job.size, job.error = digest, size, ""
        job.save(
            update_fields=["status", "progress", "finished_at", "sha256", "size", "error", "file"]
        )
        audit_record(
            actor=job.requested_by,
            action="evidence_pack.generated",
            obj=job,
            data={**_subject_data(job), "sha256": digest, "size": size, **summary},
            at=finished,
        )
    return job


def _fail(job: EvidencePackJob, error: Exception) -> EvidencePackJob:
    finished = timezone.now()
    if job.file:
        job.file.delete(save=False)
    # What went wrong, for the job page (which says it in the reader's language around it).
    detail = str(error) or type(error).__name__
    with transaction.atomic():
        job.status, job.finished_at, job.error = Status.FAILED, finished, detail[:500]
        job.file = ""
        job.save(update_fields=["status", "finished_at", "error", "file"])
        audit_record(
            actor=job.requested_by,
            action="evidence_pack.failed",
            obj=job,
            # The error class only: the message may quote a path or data.
            data={**_subject_data(job), "error": type(error).__name__},
            at=finished,
        )
    return job


def _subject_data(job: EvidencePackJob) -> dict:
    if job.visit_id:
        return {"visit": str(job.visit.public_id)}
    return {"case": str(job.case.public_id)}


def _file_sha256(path: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class _PackZip:
    """A ZIP being written, remembering the SHA-256 and size of every member."""

    def __init__(self, path: str):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.members: list[tuple[str, str, int]] = []

    def __enter__(self) -> "_PackZip":
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def add_bytes(self, name: str, data: bytes) -> str:
        digest, _size = self.add_stream(name, [data])
        return digest

    def add_json(self, name: str, document) -> str:
        text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=str)
        return self.add_bytes(name, (text + "\n").encode())

    def add_stream(self, name: str, chunks: Iterable[bytes]) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        with self.zip.open(name, "w", force_zip64=True) as member:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                member.write(chunk)
        self.members.append((name, digest.hexdigest(), size))
        return digest.hexdigest(), size
