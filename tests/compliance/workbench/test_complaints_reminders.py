"""The daily complaint reminders (compliance.services.complaints.complaint_reminders and the
beat task): who gets which complaints, the digest, once a day, in the locmem outbox."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail

from compliance.models import Complaint
from compliance.services.complaints import complaint_assign, complaint_close, complaint_record
from compliance.tasks import complaint_remind_task
from tests import factories as f

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
# Complaints received on 1 November are due at the end of 16 November (CN, 15 days).
RECEIVED = datetime(2026, 11, 1, 10, 0, tzinfo=SH)
MORNING = datetime(2026, 11, 15, 9, 0, tzinfo=SH)  # due in under two days


@pytest.fixture
def officer(compliance_officer):
    compliance_officer.email = "officer@bank.example"
    compliance_officer.save()
    return compliance_officer


@pytest.fixture
def colleague(db):
    return f.make_user(role="compliance", username="colleague", email="colleague@bank.example")


def complaint(borrower, by, *, received_at=RECEIVED, handler=None) -> Complaint:
    made = complaint_record(
        borrower=borrower,
        case=None,
        visit=None,
        channel="phone",
        category="conduct",
        description="Rude collector.",
        received_at=received_at,
        by=by,
        now=received_at,
    )
    if handler:
        complaint_assign(complaint=made, handler=handler, by=by, now=received_at)
    return made


def test_handlers_get_their_own_due_and_overdue_complaints(case, officer, colleague):
    borrower = case.borrower
    due = complaint(borrower, officer, handler=officer)
    overdue = complaint(
        borrower, officer, received_at=RECEIVED - timedelta(days=20), handler=officer
    )
    complaint(
        borrower, officer, received_at=RECEIVED + timedelta(days=3), handler=officer
    )  # not yet
    closed = complaint(borrower, officer, handler=officer)
    complaint_close(complaint=closed, resolution="Done.", by=officer, now=RECEIVED)
    theirs = complaint(borrower, officer, handler=colleague)

    sent = complaint_reminders_now(MORNING)

    by_email = {r.email: r for r in sent}
    assert set(by_email) == {"officer@bank.example", "colleague@bank.example"}
    assert set(by_email["officer@bank.example"].complaint_ids) == {due.pk, overdue.pk}
    assert by_email["colleague@bank.example"].complaint_ids == (theirs.pk,)
    assert not any(r.digest for r in sent)
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if m.to == ["officer@bank.example"])
    assert "2 complaint(s)" in message.subject
    assert "OVERDUE" in message.body
    assert f"/compliance/complaints/{due.public_id}/" in message.body
    assert settings.FIELDVISIT_PUBLIC_URL in message.body
    assert "王*" in message.body and "王小明" not in message.body  # masked
    assert "2026-11-16 23:59" in message.body  # the deadline in the officer's zone


def test_complaints_without_a_reachable_handler_go_to_every_officer_as_a_digest(
    case, officer, colleague
):
    nobody = complaint(case.borrower, officer)
    silent = f.make_user(role="compliance", username="silent")  # no e-mail address
    unreachable = complaint(case.borrower, officer, handler=silent)

    sent = complaint_reminders_now(MORNING)

    assert {r.email for r in sent} == {"officer@bank.example", "colleague@bank.example"}
    assert all(r.digest and set(r.complaint_ids) == {nobody.pk, unreachable.pk} for r in sent)
    assert "no handler who can be reached" in mail.outbox[0].body


def test_once_a_day(case, officer):
    complaint(case.borrower, officer, handler=officer)
    assert len(complaint_reminders_now(MORNING)) == 1
    assert complaint_reminders_now(MORNING + timedelta(hours=5)) == []
    next_day = complaint_reminders_now(MORNING + timedelta(days=1))
    assert len(next_day) == 1  # now overdue, reminded again
    assert len(mail.outbox) == 2


def test_nothing_due_sends_nothing(case, officer):
    complaint(case.borrower, officer, received_at=MORNING, handler=officer)
    assert complaint_reminders_now(MORNING) == []
    assert mail.outbox == []


def test_the_beat_task_runs_the_reminders(case, officer, settings):
    assert settings.CELERY_BEAT_SCHEDULE["complaint-reminders-daily"]["task"] == (
        complaint_remind_task.name
    )
    # Received two weeks before the real clock: due within two days whenever the test runs.
    from django.utils import timezone

    complaint(
        case.borrower, officer, received_at=timezone.now() - timedelta(days=14), handler=officer
    )
    result = complaint_remind_task.delay().get()
    assert result == {"emails": 1, "complaints": 1}
    assert mail.outbox[0].to == ["officer@bank.example"]


def complaint_reminders_now(now):
    from compliance.services.complaints import complaint_reminders

    return complaint_reminders(now=now)
