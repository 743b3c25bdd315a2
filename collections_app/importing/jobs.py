"""Imports from the upload page: a job row, a Celery task, progress the page can poll."""

from django.core.files.base import ContentFile
from django.db import DatabaseError, connections, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from collections_app.models import ImportJob
from collections_app.queueing import enqueue_on_commit

from .report import error_report_write
from .service import core_import


def import_job_list_recent(*, limit: int = 20):
    return ImportJob.objects.select_related("created_by")[:limit]


def import_job_get(*, public_id) -> ImportJob:
    return get_object_or_404(ImportJob.objects.select_related("created_by"), public_id=public_id)


@transaction.atomic
def import_job_create(*, kind: str, encoding: str, upload, by) -> ImportJob:
    job = ImportJob.objects.create(kind=kind, encoding=encoding, file=upload, created_by=by)
    from collections_app.tasks import import_job_task

    enqueue_on_commit(import_job_task, job.id, what=f"import job {job.id}")
    return job


def import_job_run(*, job_id: int, now=None) -> ImportJob:
    """Run the import; its own transaction decides all-or-nothing, the job row records it."""
    # Claimed in one UPDATE: a redelivered or requeued task must not import twice.
    claimed = ImportJob.objects.filter(id=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    job = ImportJob.objects.get(id=job_id)
    if not claimed:
        return job
    progress, side = _progress_writer(job.id)
    try:
        result = core_import(
            kind=job.kind,
            path=job.file.path,
            encoding=job.encoding,
            by=job.created_by,
            now=now,
            progress=progress,
            subject=job,
        )
    except Exception:
        # Nothing was committed; the page must not show the job running for ever.
        ImportJob.objects.filter(id=job.id).update(
            status=ImportJob.Status.FAILED,
            summary=f"{job.kind}: stopped by an internal error; nothing imported",
            finished_at=timezone.now(),
        )
        raise
    finally:
        side.close()
    job.status = ImportJob.Status.DONE if result.ok else ImportJob.Status.FAILED
    job.progress = 100
    job.rows, job.inserted, job.updated = result.rows, result.inserted, result.updated
    job.error_count, job.summary = result.error_count, result.summary()[:300]
    job.finished_at = timezone.now()
    if not result.ok:
        report = error_report_write(errors=result.errors, path=f"{job.file.path}.errors.csv")
        job.error_report.save(f"{job.public_id}.errors.csv", ContentFile(report.read_bytes()))
        report.unlink()
    job.save()
    return job


def _progress_writer(job_id: int):
    """Progress goes through a second connection: the import's own transaction is not
    visible to the page until it commits. Best effort: a failed write is skipped."""
    side = connections.create_connection("default")

    def write(fraction: float) -> None:
        try:
            with side.cursor() as cur:
                cur.execute(
                    f"UPDATE {ImportJob._meta.db_table} SET progress = %s WHERE id = %s",
                    [min(int(fraction * 100), 99), job_id],
                )
        except DatabaseError:
            pass

    return write, side
