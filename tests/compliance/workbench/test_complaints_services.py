"""compliance.services.complaints: the statutory clock per pack, extensions, assignment,
closing, and the borrower's complaint_open flag."""

import copy
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from collections_app.models import Borrower
from compliance.models import AuditEvent, Complaint, RulePack
from compliance.models.complaints import ComplaintExtension
from compliance.services.complaints import (
    complaint_assign,
    complaint_close,
    complaint_extend,
    complaint_record,
)
from tests import factories as f
from tests.compliance.workbench.conftest import (
    AT_DOOR,
    AT_HOME,
    LEAVING,
    NOW,
    REPORT,
    SUBMITTED,
)
from visits.models import Notice
from visits.services.booking import visit_book
from visits.services.execution import visit_check_out, visit_start
from visits.services.reports import report_save, report_submit

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
LATER = RECEIVED + timedelta(hours=1)


def end_of(day: str, zone: str) -> datetime:
    return datetime.combine(datetime.fromisoformat(day).date(), time.max, ZoneInfo(zone))


def record(borrower, by, *, received_at=RECEIVED, now=None, **changes) -> Complaint:
    fields = {
        "case": None,
        "visit": None,
        "channel": "phone",
        "category": "conduct",
        "description": "The collector shouted at my door.",
    }
    fields.update(changes)
    return complaint_record(
        borrower=borrower, received_at=received_at, by=by, now=now or received_at, **fields
    )


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def borrower(case):
    return case.borrower


# The clock per pack


@pytest.mark.parametrize(
    ("jurisdiction", "zone", "received", "due"),
    [
        # CN: 15 calendar days after the local day of receipt, to its end.
        ("CN", "Asia/Shanghai", "2026-12-01T09:00", "2026-12-16"),
        # Received at 00:30 Shanghai, still 30 November in UTC: the local day counts.
        ("CN", "Asia/Shanghai", "2026-12-01T00:30", "2026-12-16"),
        ("CN", "Asia/Shanghai", "2026-12-01T23:59", "2026-12-16"),
        # UK: eight weeks (56 days), across the change to summer time.
        ("UK", "Europe/London", "2026-03-20T10:00", "2026-05-15"),
        # IN: 30 days.
        ("IN", "Asia/Kolkata", "2026-12-01T10:00", "2026-12-31"),
        # US: the bank's policy value, 30 days.
        ("US", "America/New_York", "2026-12-01T10:00", "2026-12-31"),
    ],
)
def test_deadline_is_the_end_of_the_local_day_n_days_after_receipt(
    compliance_officer, jurisdiction, zone, received, due
):
    borrower = f.make_borrower(jurisdiction=jurisdiction, timezone=zone)
    received_at = datetime.fromisoformat(received).replace(tzinfo=ZoneInfo(zone))
    complaint = record(borrower, compliance_officer, received_at=received_at)
    assert complaint.due_at == end_of(due, zone)
    assert complaint.pack_version == f"{jurisdiction}-2026.3"
    assert (complaint.status, complaint.recorded_by) == ("open", compliance_officer)


def test_cn_extends_to_30_then_60_days_then_refuses(borrower, compliance_officer):
    complaint = record(borrower, compliance_officer)
    assert complaint.due_at == end_of("2026-12-16", "Asia/Shanghai")

    complaint_extend(
        complaint=complaint,
        reason="Complex: needs the recording.",
        by=compliance_officer,
        now=LATER,
    )
    complaint.refresh_from_db()
    assert complaint.due_at == end_of("2026-12-31", "Asia/Shanghai")  # 30 days

    complaint_extend(
        complaint=complaint,
        reason="Special case, approved by the head office.",
        by=compliance_officer,
        now=LATER,
    )
    complaint.refresh_from_db()
    assert complaint.due_at == end_of("2027-01-30", "Asia/Shanghai")  # 60 days, the most

    with pytest.raises(ValidationError, match="60 days, the most"):
        complaint_extend(complaint=complaint, reason="More time", by=compliance_officer, now=LATER)
    complaint.refresh_from_db()
    assert complaint.due_at == end_of("2027-01-30", "Asia/Shanghai")

    rows = list(
        ComplaintExtension.objects.filter(complaint=complaint).values_list(
            "number", "days", "reason"
        )
    )
    assert rows == [
        (1, 15, "Complex: needs the recording."),
        (2, 30, "Special case, approved by the head office."),
    ]
    assert [e.data["days"] for e in events("complaint.extended")] == [30, 60]
    assert all("reason" not in e.data for e in events("complaint.extended"))


@pytest.mark.parametrize(
    ("jurisdiction", "zone", "days"),
    [("UK", "Europe/London", 56), ("IN", "Asia/Kolkata", 30), ("US", "America/New_York", 30)],
)
def test_packs_without_extensions_refuse_them(compliance_officer, jurisdiction, zone, days):
    borrower = f.make_borrower(jurisdiction=jurisdiction, timezone=zone)
    complaint = record(borrower, compliance_officer)
    with pytest.raises(ValidationError) as refused:
        complaint_extend(
            complaint=complaint, reason="Complex case", by=compliance_officer, now=LATER
        )
    assert f"allows no extension: the {days}-day deadline is final" in refused.value.messages[0]
    assert not ComplaintExtension.objects.exists()


def test_extension_needs_a_reason_and_an_open_complaint_before_its_deadline(
    borrower, compliance_officer
):
    complaint = record(borrower, compliance_officer)
    with pytest.raises(ValidationError) as refused:
        complaint_extend(complaint=complaint, reason="   ", by=compliance_officer, now=LATER)
    assert "reason" in refused.value.message_dict

    too_late = complaint.due_at + timedelta(seconds=1)
    with pytest.raises(ValidationError, match="deadline has passed"):
        complaint_extend(complaint=complaint, reason="Complex", by=compliance_officer, now=too_late)

    complaint_close(
        complaint=complaint,
        resolution="Apologised; collector retrained.",
        by=compliance_officer,
        now=LATER,
    )
    with pytest.raises(ValidationError, match="closed"):
        complaint_extend(complaint=complaint, reason="Complex", by=compliance_officer, now=LATER)
    assert not ComplaintExtension.objects.exists()


def _publish_cn(version: str, effective_from: datetime, days: int, extensions: list[int]) -> None:
    document = copy.deepcopy(RulePack.objects.get(version="CN-2026.3").parameters)
    document["version"] = version
    params = document["complaints"]["params"]
    params["respond_within_days"]["value"] = days
    params["extension_days"]["value"] = extensions
    params["max_days"]["value"] = days + sum(extensions)
    RulePack.objects.create(
        jurisdiction="CN",
        version=version,
        status="published",
        effective_from=effective_from,
        published_at=effective_from,
        parameters=document,
    )


def test_the_pack_in_force_at_receipt_sets_the_clock_and_its_extensions(
    borrower, compliance_officer
):
    change = datetime(2027, 1, 1, tzinfo=SH)
    _publish_cn("CN-2027.1", change, 10, [5])
    before = record(borrower, compliance_officer)  # received 1 December 2026
    after = record(borrower, compliance_officer, received_at=change + timedelta(days=1))
    assert (before.pack_version, before.due_at) == (
        "CN-2026.3",
        end_of("2026-12-16", "Asia/Shanghai"),
    )
    assert (after.pack_version, after.due_at) == (
        "CN-2027.1",
        end_of("2027-01-12", "Asia/Shanghai"),
    )
    # The older complaint keeps its own pack's extensions even after the new version took over.
    complaint_extend(
        complaint=before, reason="Complex", by=compliance_officer, now=RECEIVED + timedelta(days=2)
    )
    before.refresh_from_db()
    assert before.due_at == end_of("2026-12-31", "Asia/Shanghai")


def test_record_refuses_bad_input(borrower, other_case, compliance_officer):
    with pytest.raises(ValidationError) as refused:
        record(borrower, compliance_officer, now=RECEIVED - timedelta(minutes=1))
    assert "received_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record(borrower, compliance_officer, received_at=datetime(2020, 1, 1, tzinfo=SH))
    assert "No published CN rule pack" in refused.value.message_dict["received_at"][0]
    with pytest.raises(ValidationError) as refused:
        record(borrower, compliance_officer, case=other_case)
    assert "case" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record(borrower, compliance_officer, description="  ", channel="fax")
    assert {"description", "channel"} <= set(refused.value.message_dict)
    assert not Complaint.objects.exists()
    assert not Borrower.objects.get(pk=borrower.pk).complaint_open


# The borrower's flag


def test_flag_stays_set_until_the_last_open_complaint_closes(borrower, compliance_officer):
    first = record(borrower, compliance_officer)
    second = record(borrower, compliance_officer, channel="letter", category="fees")
    assert Borrower.objects.get(pk=borrower.pk).complaint_open
    assert len(events("borrower.flag_set")) == 1

    complaint_close(
        complaint=first, resolution="Explained the fees.", by=compliance_officer, now=LATER
    )
    assert Borrower.objects.get(pk=borrower.pk).complaint_open
    assert not events("borrower.flag_cleared")

    complaint_close(
        complaint=second, resolution="Refunded the fee.", by=compliance_officer, now=LATER
    )
    assert not Borrower.objects.get(pk=borrower.pk).complaint_open
    [cleared] = events("borrower.flag_cleared")
    assert cleared.object_id == str(borrower.public_id)
    assert cleared.data == {
        "flag": "complaint_open",
        "from": True,
        "to": False,
        "source": "complaint",
        "complaint": str(second.public_id),
    }


def test_another_borrowers_open_complaint_does_not_keep_the_flag(
    borrower, other_case, compliance_officer
):
    mine = record(borrower, compliance_officer)
    record(other_case.borrower, compliance_officer)
    complaint_close(complaint=mine, resolution="Resolved.", by=compliance_officer, now=LATER)
    assert not Borrower.objects.get(pk=borrower.pk).complaint_open
    assert Borrower.objects.get(pk=other_case.borrower_id).complaint_open


def test_close_records_the_resolution_and_whether_it_was_on_time(borrower, compliance_officer):
    complaint = record(borrower, compliance_officer)
    with pytest.raises(ValidationError) as refused:
        complaint_close(complaint=complaint, resolution=" ", by=compliance_officer, now=LATER)
    assert "resolution" in refused.value.message_dict

    late = complaint.due_at + timedelta(hours=1)
    complaint_close(
        complaint=complaint, resolution="  Apologised.  ", by=compliance_officer, now=late
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution, complaint.closed_at) == (
        "closed",
        "Apologised.",
        late,
    )
    [closed] = events("complaint.closed")
    assert closed.data["on_time"] is False
    with pytest.raises(ValidationError, match="closed"):
        complaint_close(complaint=complaint, resolution="Again", by=compliance_officer, now=late)


def test_recording_is_audited_without_personal_data(borrower, compliance_officer, case):
    complaint = record(borrower, compliance_officer, case=case)
    [event] = events("complaint.recorded")
    assert event.object_id == str(complaint.public_id)
    assert event.data == {
        "channel": "phone",
        "category": "conduct",
        "case": str(case.public_id),
        "visit": None,
        "pack_version": "CN-2026.3",
        "days": 15,
        "due_at": complaint.due_at.isoformat(),
    }


# Assignment


def test_assign_to_an_officer_puts_it_in_progress(borrower, compliance_officer, agent):
    other_officer = f.make_user(role="compliance", username="officer2")
    complaint = record(borrower, compliance_officer)
    with pytest.raises(ValidationError) as refused:
        complaint_assign(complaint=complaint, handler=agent, by=compliance_officer, now=LATER)
    assert "handler" in refused.value.message_dict

    complaint_assign(
        complaint=complaint, handler=compliance_officer, by=compliance_officer, now=LATER
    )
    complaint_assign(complaint=complaint, handler=other_officer, by=compliance_officer, now=LATER)
    complaint.refresh_from_db()
    assert (complaint.handler, complaint.status) == (other_officer, "in_progress")
    assert [e.data for e in events("complaint.assigned")] == [
        {"handler": compliance_officer.pk, "previous": None, "status": "in_progress"},
        {"handler": other_officer.pk, "previous": compliance_officer.pk, "status": "in_progress"},
    ]

    complaint_close(complaint=complaint, resolution="Done.", by=other_officer, now=LATER)
    with pytest.raises(ValidationError, match="closed"):
        complaint_assign(
            complaint=complaint, handler=compliance_officer, by=compliance_officer, now=LATER
        )


def test_a_complaint_in_a_visit_report_starts_the_clock(good_plan, home, agent, crew):
    visit = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    Notice.objects.filter(visit=visit).update(status="delivered", sent_at=NOW, delivered_at=NOW)
    visit_start(visit=visit, by=agent, now=AT_DOOR, position=AT_HOME)
    visit_check_out(visit=visit, by=agent, now=LEAVING, position=AT_HOME)
    fields = {**REPORT, "notes": "借款人同意下月初还款。"}
    fields.update(complaint_category="contact", complaint_text="Too many visits this month.")
    report_save(visit=visit, by=agent, fields=fields, present=list(crew))
    report_submit(visit=visit, by=agent, now=SUBMITTED)

    complaint = Complaint.objects.get(visit=visit)
    assert (complaint.channel, complaint.case, complaint.received_at) == (
        "visit",
        visit.case,
        SUBMITTED,
    )
    assert complaint.due_at == end_of("2026-12-17", "Asia/Shanghai")  # reported 2 December
    assert complaint.pack_version == "CN-2026.3"
    assert Borrower.objects.get(pk=visit.borrower_id).complaint_open
    [flag_set] = events("borrower.flag_set")
    assert flag_set.data["complaint"] == str(complaint.public_id)
