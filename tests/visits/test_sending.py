"""Sending outbox rows: per gateway, exactly once, retries with backoff, withdrawn rows.

Visits are booked through the real booking service; the SMS provider is a real local HTTP
server (tests/visits/notice_helpers.py).
"""

import importlib
import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.utils import timezone

from compliance.models import AuditEvent
from tests import factories as f
from visits.models import Notice, NoticeStatus
from visits.services.booking import visit_cancel, visit_reschedule
from visits.services.notices import notice_enqueue
from visits.services.sending import notice_send, notice_sweep, retry_delay
from visits.tasks import notice_send_task, notice_sweep_task

from .conftest import NOW, START, moved
from .notice_helpers import SmsServer, book

MINUTE = timedelta(minutes=1)


@pytest.fixture
def sms_server():
    server = SmsServer().start()
    yield server
    server.stop()


@pytest.fixture
def sms_http(settings, sms_server):
    settings.FIELDVISIT_SMS_GATEWAY = "sms_http"
    settings.FIELDVISIT_SMS_HTTP_URL = sms_server.url
    settings.FIELDVISIT_SMS_HTTP_TOKEN = "tok-123"
    return sms_server


@pytest.fixture
def notice(good_plan, home, agent):
    """The advance SMS notice a real booking wrote (the borrower has a mobile, no e-mail)."""
    (sms,) = book(good_plan, home, agent, NOW)
    return sms


def audit_actions(notice) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="visits.notice", object_id=str(notice.public_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


class TestConsole:
    def test_sms_goes_out_on_the_console_and_counts_as_delivered(self, notice, crew, caplog):
        caplog.set_level("INFO", logger="visits.gateways")
        assert notice_send(notice_id=notice.pk, now=NOW) == NoticeStatus.DELIVERED
        notice.refresh_from_db()
        assert (notice.status, notice.gateway, notice.attempts) == ("delivered", "console", 1)
        assert (notice.sent_at, notice.delivered_at, notice.next_attempt_at) == (NOW, NOW, None)
        assert notice.recipient == "13812345678"
        assert "138****5678" in caplog.text and "13812345678" not in caplog.text
        assert notice.body in caplog.text
        assert audit_actions(notice) == ["notice.delivered"]

    def test_text_names_bank_time_purpose_collectors_hotline_complaints_and_link(
        self, notice, crew, settings
    ):
        notice.visit.borrower.language = "en"
        notice.visit.borrower.save()
        Notice.objects.filter(pk=notice.pk).update(language="en")
        notice_send(notice_id=notice.pk, now=NOW)
        notice.refresh_from_db()
        body = notice.body
        assert settings.FIELDVISIT_BANK_NAME in body
        assert "Dec. 2, 2026" in body and "Wednesday" in body and "10:00" in body
        assert "11:00" in body
        assert f.VISIT_PURPOSE in body
        for collector in crew:
            assert collector.staff_profile.employee_number in body
        assert settings.FIELDVISIT_BANK_HOTLINE in body
        assert settings.FIELDVISIT_COMPLAINT_CHANNEL in body
        assert settings.FIELDVISIT_PUBLIC_URL + "/n/" in body
        # Surname and title only; never the full name, ID or account numbers.
        assert "王" in body and "王小明" not in body
        assert "530102198805061234" not in body
        assert "6222" not in body

    def test_times_are_the_borrowers_local_time(self, notice):
        notice.visit.borrower.timezone = "Asia/Urumqi"  # UTC+6: two hours behind Shanghai
        notice.visit.borrower.save()
        notice_send(notice_id=notice.pk, now=NOW)
        notice.refresh_from_db()
        assert "08:00" in notice.body and "09:00" in notice.body
        assert "10:00" not in notice.body

    def test_chinese_notice_uses_chinese_date_formats(self, notice):
        assert notice.language == "zh-hans"
        notice_send(notice_id=notice.pk, now=NOW)
        notice.refresh_from_db()
        assert "2026年12月2日" in notice.body
        assert "星期三" in notice.body

    def test_sending_twice_sends_once(self, notice, caplog):
        caplog.set_level("INFO", logger="visits.gateways")
        notice_send(notice_id=notice.pk, now=NOW)
        assert notice_send(notice_id=notice.pk, now=NOW + MINUTE) == NoticeStatus.DELIVERED
        notice.refresh_from_db()
        assert notice.attempts == 1
        assert notice.sent_at == NOW
        assert caplog.text.count("Notice via console") == 1
        assert audit_actions(notice) == ["notice.delivered"]

    def test_not_sent_before_its_next_attempt(self, notice):
        assert notice_send(notice_id=notice.pk, now=NOW - MINUTE) == NoticeStatus.PENDING
        notice.refresh_from_db()
        assert notice.attempts == 0

    def test_unknown_id_does_nothing(self, db):
        assert notice_send(notice_id=987654, now=NOW) == ""


class TestEmailAndLetter:
    def test_email_through_the_django_backend(self, case, good_plan, home, agent, settings):
        case.borrower.email = "wang@example.cn"
        case.borrower.gender = "M"
        case.borrower.save()
        sms, email = book(good_plan, home, agent, NOW)
        assert (sms.channel, email.channel) == ("sms", "email")
        assert notice_send(notice_id=email.pk, now=NOW) == NoticeStatus.DELIVERED
        email.refresh_from_db()
        (message,) = mail.outbox
        assert message.to == ["wang@example.cn"]
        assert message.subject == email.subject
        assert settings.FIELDVISIT_BANK_NAME in message.subject
        assert message.body == email.body
        assert (email.gateway, email.recipient, email.delivered_at) == ("email", message.to[0], NOW)
        assert "王先生" in email.body or "Mr 王" in email.body

    def test_letter_is_rendered_and_marked_sent(self, case, good_plan, home, agent):
        case.borrower.mobile = ""
        case.borrower.save()
        (letter,) = book(good_plan, home, agent, NOW)
        assert letter.channel == "letter"
        assert notice_send(notice_id=letter.pk, now=NOW) == NoticeStatus.SENT
        letter.refresh_from_db()
        assert (letter.gateway, letter.sent_at, letter.delivered_at) == ("letter", NOW, None)
        assert letter.recipient == "云南省昆明市五华区人民中路1号"
        assert letter.body and letter.subject
        assert len(mail.outbox) == 0
        assert audit_actions(letter) == ["notice.sent"]

    def test_missing_recipient_fails_with_a_readable_error(self, case, good_plan, home, agent):
        case.borrower.email = "wang@example.cn"
        case.borrower.save()
        _sms, email = book(good_plan, home, agent, NOW)
        case.borrower.email = ""
        case.borrower.save()
        assert notice_send(notice_id=email.pk, now=NOW) == NoticeStatus.FAILED
        email.refresh_from_db()
        assert email.last_error == "No e-mail address on file."
        assert email.next_attempt_at == NOW + MINUTE
        assert audit_actions(email) == ["notice.failed"]


class TestSmsHttp:
    def test_posts_json_with_the_idempotency_key(self, notice, sms_http, settings):
        assert notice_send(notice_id=notice.pk, now=NOW) == NoticeStatus.SENT
        notice.refresh_from_db()
        (request,) = sms_http.requests
        key = str(notice.idempotency_key)
        assert request.headers["Idempotency-Key"] == key
        assert request.headers["Authorization"] == "Bearer tok-123"
        assert request.headers["Content-Type"] == "application/json"
        assert request.body["to"] == "13812345678"
        assert request.body["text"] == notice.body
        assert request.body["idempotency_key"] == key
        assert request.body["callback_url"] == (
            settings.FIELDVISIT_PUBLIC_URL + "/notices/receipts/sms/"
        )
        assert (notice.status, notice.gateway) == ("sent", "sms_http")
        assert notice.provider_ref == "prov-1"
        assert (notice.sent_at, notice.delivered_at) == (NOW, None)
        assert audit_actions(notice) == ["notice.sent"]

    def test_failure_then_retry_with_the_same_key(self, notice, sms_http):
        sms_http.answers = [(503, b'{"error": "busy"}')]
        assert notice_send(notice_id=notice.pk, now=NOW) == NoticeStatus.FAILED
        notice.refresh_from_db()
        assert notice.last_error.startswith("SMS gateway answered HTTP 503")
        assert "busy" in notice.last_error
        assert (notice.attempts, notice.next_attempt_at) == (1, NOW + MINUTE)
        # Not yet due: nothing goes out.
        assert notice_send(notice_id=notice.pk, now=NOW + MINUTE / 2) == NoticeStatus.FAILED
        assert len(sms_http.requests) == 1
        assert notice_send(notice_id=notice.pk, now=NOW + MINUTE) == NoticeStatus.SENT
        notice.refresh_from_db()
        assert (notice.attempts, notice.last_error, notice.next_attempt_at) == (2, "", None)
        assert sms_http.keys == [str(notice.idempotency_key)] * 2
        assert audit_actions(notice) == ["notice.failed", "notice.sent"]

    def test_unreachable_gateway_is_a_failure(self, notice, settings, sms_server):
        settings.FIELDVISIT_SMS_GATEWAY = "sms_http"
        sms_server.stop()
        settings.FIELDVISIT_SMS_HTTP_URL = sms_server.url
        assert notice_send(notice_id=notice.pk, now=NOW) == NoticeStatus.FAILED
        notice.refresh_from_db()
        assert notice.last_error.startswith("SMS gateway unreachable")
        event = AuditEvent.objects.get(action="notice.failed")
        assert event.data["error"] == "network"
        assert "138" not in str(event.data)


class TestSweeper:
    def test_retries_with_backoff_then_gives_up(self, notice, sms_http, settings):
        sms_http.default = (500, b"down")
        now = NOW
        waits = []
        for _ in range(settings.FIELDVISIT_NOTICE_MAX_ATTEMPTS):
            result = notice_sweep(now=now)
            assert result.tried == 1
            notice.refresh_from_db()
            if notice.next_attempt_at is None:
                break
            waits.append(notice.next_attempt_at - now)
            assert notice_sweep(now=notice.next_attempt_at - timedelta(seconds=1)).tried == 0
            now = notice.next_attempt_at
        minutes = [int(w.total_seconds() // 60) for w in waits]
        assert minutes == [1, 2, 4, 8, 16, 32, 60]
        assert (notice.status, notice.attempts, notice.next_attempt_at) == ("failed", 8, None)
        assert len(sms_http.requests) == 8
        assert notice_sweep(now=now + timedelta(days=1)).tried == 0
        assert audit_actions(notice) == ["notice.failed"] * 7 + ["notice.gave_up"]

    def test_backoff_schedule(self, settings):
        settings.FIELDVISIT_NOTICE_MAX_ATTEMPTS = 3
        assert [retry_delay(n) for n in (1, 2, 3)] == [MINUTE, 2 * MINUTE, None]

    def test_sends_every_due_row_and_leaves_the_rest(self, case, good_plan, home, agent):
        case.borrower.email = "wang@example.cn"
        case.borrower.save()
        sms, email = book(good_plan, home, agent, NOW)
        Notice.objects.filter(pk=email.pk).update(next_attempt_at=NOW + MINUTE)
        result = notice_sweep(now=NOW)
        assert (result.tried, result.statuses) == (1, {"delivered": 1})
        assert Notice.objects.get(pk=email.pk).status == "pending"
        assert notice_sweep(now=NOW + MINUTE).statuses == {"delivered": 1}
        assert len(mail.outbox) == 1

    def test_limit_bounds_one_sweep(self, case, good_plan, home, agent):
        case.borrower.email = "wang@example.cn"
        case.borrower.save()
        book(good_plan, home, agent, NOW)
        assert notice_sweep(now=NOW, limit=1).tried == 1
        assert notice_sweep(now=NOW, limit=1).tried == 1
        assert notice_sweep(now=NOW, limit=1).tried == 0


class TestDroppedVisits:
    def test_cancelled_before_sending_is_never_sent(self, notice, agent, sms_http):
        visit_cancel(visit=notice.visit, by=agent, now=NOW, reason="Borrower paid")
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.WITHDRAWN
        assert notice_send(notice_id=notice.pk, now=NOW) == NoticeStatus.WITHDRAWN
        assert notice_sweep(now=NOW + timedelta(days=1)).tried == 0
        assert sms_http.requests == []
        # The borrower never heard of it, so there is no cancellation notice either.
        assert notice.visit.notices.count() == 1

    def test_failed_row_of_a_dropped_visit_is_withdrawn_not_retried(self, notice, agent, sms_http):
        sms_http.answers = [(500, b"")]
        notice_send(notice_id=notice.pk, now=NOW)
        visit_cancel(visit=notice.visit, by=agent, now=NOW, reason="Borrower paid")
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.FAILED  # withdraw_pending leaves failed rows
        assert notice_sweep(now=NOW + MINUTE).statuses == {"withdrawn": 1}
        notice.refresh_from_db()
        assert (notice.status, notice.next_attempt_at) == ("withdrawn", None)
        assert len(sms_http.requests) == 1
        assert audit_actions(notice) == ["notice.failed", "notice.withdrawn"]

    def test_cancelling_a_visit_the_borrower_knows_of_sends_a_cancellation(
        self, notice, agent, settings
    ):
        notice_send(notice_id=notice.pk, now=NOW)
        visit_cancel(visit=notice.visit, by=agent, now=NOW + MINUTE, reason="Collector ill")
        cancelled = notice.visit.notices.get(kind="cancelled")
        assert notice_send(notice_id=cancelled.pk, now=NOW + MINUTE) == NoticeStatus.DELIVERED
        cancelled.refresh_from_db()
        assert "2026年12月2日" in cancelled.body
        assert settings.FIELDVISIT_BANK_HOTLINE in cancelled.body
        assert "/n/" not in cancelled.body  # no link to answer a visit that will not happen

    def test_rescheduled_notice_names_old_and_new_time(self, notice, good_plan, home, agent):
        notice_send(notice_id=notice.pk, now=NOW)
        result = visit_reschedule(
            visit=notice.visit, plan=moved(good_plan, 4), place=home, by=agent, now=NOW
        )
        (moved_notice,) = result.visit.notices.all()
        assert moved_notice.kind == "rescheduled"
        Notice.objects.filter(pk=moved_notice.pk).update(language="en")
        notice_send(notice_id=moved_notice.pk, now=NOW)
        moved_notice.refresh_from_db()
        assert "10:00" in moved_notice.body and "14:00" in moved_notice.body
        assert "/n/" in moved_notice.body


class TestTasks:
    def test_tasks_send_what_is_due_now(self, case, crew):
        visit = f.make_visit(case=case, start=NOW, members=crew)
        (sms,) = notice_enqueue(visit=visit, kind="advance", now=timezone.now())
        assert notice_sweep_task.delay().get() == {"tried": 1, "delivered": 1}
        assert notice_send_task.delay(sms.pk).get() == "delivered"
        sms.refresh_from_db()
        assert sms.attempts == 1


@pytest.fixture
def roles_again(django_db_blocker):
    """The role groups back after each transactional test (the next one books again)."""
    yield
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from tests.conftest import ROLE_MIGRATIONS

    with django_db_blocker.unblock():
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        for module in ROLE_MIGRATIONS:
            for name, perms in importlib.import_module(module).ROLES.items():
                group, _created = Group.objects.get_or_create(name=name)
                wanted = Permission.objects.all()
                if perms is not None:
                    wanted = [
                        Permission.objects.get(content_type__app_label=app, codename=codename)
                        for app, codename in perms
                    ]
                group.permissions.add(*wanted)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.usefixtures("roles_again")
class TestConcurrency:
    """Rows are made directly: a booking's on-commit send would run here for real."""

    def test_concurrent_sends_reach_the_gateway_once(self, transactional_db, case, crew, sms_http):
        notice = outbox_row(case, crew, "sms")
        sms_http.hold = True  # the first send waits inside the gateway call
        results, errors = [], []

        def send():
            try:
                results.append(notice_send(notice_id=notice.pk, now=NOW))
            except Exception as exc:  # reported below, not lost in the thread
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        assert sms_http.arrived.wait(timeout=60)
        _wait_for_a_blocked_backend()
        sms_http.release.set()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert sorted(results) == ["sent", "sent"]
        assert len(sms_http.requests) == 1
        notice.refresh_from_db()
        assert notice.attempts == 1

    def test_two_sweepers_never_take_the_same_row(
        self, transactional_db, case, other_case, crew, sms_http
    ):
        sms = outbox_row(case, crew, "sms")
        other_case.borrower.email = "zhao@example.cn"
        other_case.borrower.save()
        email = outbox_row(other_case, crew, "email")
        sms_http.hold = True
        results = []

        def sweep():
            try:
                results.append(notice_sweep(now=NOW))
            finally:
                connection.close()

        first = threading.Thread(target=sweep)
        first.start()
        assert sms_http.arrived.wait(timeout=60)
        # The SMS row is locked by the first sweeper: the second skips it, sends the e-mail.
        second = notice_sweep(now=NOW)
        assert (second.tried, second.statuses) == (1, {"delivered": 1})
        sms_http.release.set()
        first.join(timeout=60)
        assert (results[0].tried, results[0].statuses) == (1, {"sent": 1})
        assert len(sms_http.requests) == 1 and len(mail.outbox) == 1
        assert Notice.objects.get(pk=sms.pk).attempts == 1
        assert Notice.objects.get(pk=email.pk).attempts == 1


def outbox_row(case, crew, channel) -> Notice:
    visit = f.make_visit(case=case, start=START, members=crew)
    return Notice.objects.create(visit=visit, channel=channel, next_attempt_at=NOW)


def _wait_for_a_blocked_backend() -> None:
    """Until the second sender waits on the row lock (seen in pg_stat_activity)."""
    import time

    for _ in range(600):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the second sender never waited on the lock")
