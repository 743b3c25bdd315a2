"""Jobs whose first queueing was lost (broker down) are queued again by the sweeper, and a
job queued twice still runs once."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from collections_app.importing.jobs import import_job_run
from collections_app.models import Borrower, ImportJob
from collections_app.queueing import STALE_AFTER, stale_jobs_requeue

CSV = "customer_number,name,national_id,mobile\nC900001,李雷,530102199001011234,13800001111\n"


@pytest.fixture
def job(db, admin_user):
    job = ImportJob(kind="borrowers", encoding="utf-8", created_by=admin_user)
    job.file.save("borrowers.csv", ContentFile(CSV.encode()), save=False)
    job.save()
    return job


def _age(job, by):
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - by)


def test_a_stale_queued_job_runs_from_the_sweeper(job):
    _age(job, STALE_AFTER + timedelta(seconds=1))
    # Tests run Celery eagerly: queueing again runs the job here and now.
    assert stale_jobs_requeue(now=timezone.now()) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Borrower.objects.filter(customer_number="C900001").count() == 1
    assert stale_jobs_requeue(now=timezone.now()) == 0


def test_a_fresh_job_is_left_to_its_own_queueing(job):
    _age(job, STALE_AFTER - timedelta(seconds=30))
    assert stale_jobs_requeue(now=timezone.now()) == 0
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.QUEUED


def test_a_job_run_twice_imports_once(job):
    assert import_job_run(job_id=job.pk).status == ImportJob.Status.DONE
    again = import_job_run(job_id=job.pk)
    assert again.status == ImportJob.Status.DONE and again.inserted == 1
    assert Borrower.objects.filter(customer_number="C900001").count() == 1
