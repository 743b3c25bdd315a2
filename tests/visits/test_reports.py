"""visits.services.execution and .reports: check-in/out, report validation per outcome, plan
generation, post-visit check with flags, summary notice, review and resubmission."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from collections_app.models import Borrower
from compliance.models import AuditEvent, Complaint, Flag
from tests.visits.conftest import NOW, START
from visits.models import Evidence, Notice, Visit, VisitPresence
from visits.services.booking import visit_book
from visits.services.execution import Position, StartRefused, visit_check_out, visit_start
from visits.services.reports import plan_schedule, report_review, report_save, report_submit
from visits.services.sending import notice_send

pytestmark = pytest.mark.django_db

AT_DOOR = START + timedelta(minutes=5)
LEAVING = START + timedelta(minutes=50)
SUBMIT = START + timedelta(hours=2)
HOME = Position(lat=Decimal("25.043100"), lng=Decimal("102.704100"), accuracy_m=15)
GOOD = {
    "outcome": "promise_to_pay",
    "id_shown": True,
    "institution_named": True,
    "purpose_stated": True,
    "left_when_asked": True,
    "notes": "借款人同意下月初还款。",
    "promise_amount": Decimal("1500.00"),
    "promise_due_on": date(2026, 12, 10),
}


@pytest.fixture
def booked(good_plan, home, agent):
    visit = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    # Delivered a day ahead whatever the real clock says (the eager send used it).
    Notice.objects.filter(visit=visit).update(status="delivered", sent_at=NOW, delivered_at=NOW)
    return visit


@pytest.fixture
def started(booked, agent):
    visit_start(visit=booked, by=agent, now=AT_DOOR, position=HOME)
    booked.refresh_from_db()
    return booked


@pytest.fixture
def checked_out(started, agent):
    visit_check_out(visit=started, by=agent, now=LEAVING, position=HOME)
    return started


def attach_recording(visit, by):
    """A recording as the evidence uploads store it (RECORDING_ATTACHED reads the kind)."""
    data = b"ID3\x03\x00recording"
    Evidence.objects.create(
        visit=visit,
        kind="audio",
        file=ContentFile(data, name="visit.mp3"),
        content_type="audio/mpeg",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        received_at=LEAVING,
        uploaded_by=by,
    )


def save(visit, agent, crew, **changes):
    return report_save(visit=visit, by=agent, fields={**GOOD, **changes}, present=list(crew))


def actions(visit):
    return list(
        AuditEvent.objects.filter(object_id=str(visit.public_id)).values_list("action", flat=True)
    )


# Check-in and check-out


def test_start_records_time_position_distance_and_moves_in_progress(booked, agent):
    presence = visit_start(visit=booked, by=agent, now=AT_DOOR, position=HOME)
    booked.refresh_from_db()
    assert booked.status == Visit.Status.IN_PROGRESS
    assert (presence.kind, presence.at, presence.accuracy_m) == ("check_in", AT_DOOR, 15)
    assert 10 <= presence.distance_m <= 20  # ~15 m from the address at 25.043/102.704
    assert actions(booked)[-1] == "visit.in_progress"


def test_denied_location_is_recorded_as_missing(booked, agent):
    presence = visit_start(visit=booked, by=agent, now=AT_DOOR, position=Position.missing("denied"))
    assert (presence.lat, presence.distance_m, presence.problem) == (None, None, "denied")


def test_start_is_refused_without_a_delivered_notice_in_cn(booked, agent):
    Notice.objects.filter(visit=booked).update(status="failed", delivered_at=None)
    with pytest.raises(StartRefused) as refused:
        visit_start(visit=booked, by=agent, now=AT_DOOR, position=HOME)
    assert "notice" in refused.value.message.lower()
    booked.refresh_from_db()
    assert booked.status == Visit.Status.BOOKED
    assert not VisitPresence.objects.exists()
    assert actions(booked)[-1] == "visit.start_refused"


def test_only_members_start_and_only_booked_visits(booked, other_agent, agent):
    with pytest.raises(ValidationError):
        visit_start(visit=booked, by=other_agent, now=AT_DOOR, position=HOME)
    visit_start(visit=booked, by=agent, now=AT_DOOR, position=HOME)
    with pytest.raises(ValidationError):
        visit_start(visit=booked, by=agent, now=AT_DOOR, position=HOME)


def test_check_out_once_after_start(booked, agent):
    with pytest.raises(ValidationError):
        visit_check_out(visit=booked, by=agent, now=LEAVING, position=HOME)
    visit_start(visit=booked, by=agent, now=AT_DOOR, position=HOME)
    visit_check_out(visit=booked, by=agent, now=LEAVING, position=HOME)
    with pytest.raises(ValidationError):
        visit_check_out(visit=booked, by=agent, now=LEAVING, position=HOME)


# Plan generation


@pytest.mark.parametrize(
    ("total", "count", "first", "expected"),
    [
        (
            "300.00",
            3,
            date(2026, 12, 15),
            [("2026-12-15", "100.00"), ("2027-01-15", "100.00"), ("2027-02-15", "100.00")],
        ),
        (
            "100.00",
            3,
            date(2026, 12, 31),
            [("2026-12-31", "33.33"), ("2027-01-31", "33.33"), ("2027-02-28", "33.34")],
        ),
        ("50.00", 1, date(2027, 1, 31), [("2027-01-31", "50.00")]),
    ],
)
def test_plan_schedule_sums_exactly_and_keeps_month_ends(total, count, first, expected):
    rows = plan_schedule(total=Decimal(total), count=count, first_due=first)
    assert [(r["due_on"], r["amount"]) for r in rows] == expected
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal(total)


def test_plan_schedule_rejects_nonsense():
    with pytest.raises(ValidationError):
        plan_schedule(total=Decimal("0"), count=3, first_due=date(2027, 1, 1))


# Report validation per outcome


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"outcome": ""}, "outcome"),
        ({"outcome": "paid", "amount_paid": None}, "amount_paid"),
        (
            {"outcome": "paid", "amount_paid": Decimal("200"), "receipt_number": ""},
            "receipt_number",
        ),
        ({"promise_amount": None}, "promise_amount"),
        ({"promise_due_on": date(2026, 11, 1)}, "promise_due_on"),
        ({"outcome": "plan_agreed", "plan_installments": []}, "plan_installments"),
        (
            {
                "outcome": "plan_agreed",
                "plan_installments": [{"due_on": "2027-01-01", "amount": "-5"}],
            },
            "plan_installments",
        ),
        ({"outcome": "plan_agreed", "plan_installments": [{"due_on": "x"}]}, "plan_installments"),
        ({"entered_premises": True, "consent_to_enter": None}, "consent_to_enter"),
        ({"vulnerability_observed": True}, "vulnerability_note"),
        ({"complaint_category": "conduct"}, "complaint_text"),
    ],
)
def test_submission_names_what_the_outcome_still_needs(checked_out, agent, crew, changes, field):
    save(checked_out, agent, crew, **changes)
    with pytest.raises(ValidationError) as error:
        report_submit(visit=checked_out, by=agent, now=SUBMIT)
    assert field in error.value.message_dict
    checked_out.refresh_from_db()
    assert checked_out.status == Visit.Status.IN_PROGRESS


def test_submission_needs_a_check_out_and_someone_present(started, agent, crew):
    report_save(visit=started, by=agent, fields=GOOD, present=[])
    with pytest.raises(ValidationError) as error:
        report_submit(visit=started, by=agent, now=SUBMIT)
    assert {"present", "__all__"} <= set(error.value.message_dict)


# Submission: agreements, post check, flags, notice


def test_clean_report_records_the_promise_runs_the_check_and_sends_a_summary(
    checked_out, agent, crew, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    attach_recording(checked_out, agent)
    save(checked_out, agent, crew)
    submission = report_submit(visit=checked_out, by=agent, now=SUBMIT)

    checked_out.refresh_from_db()
    report = checked_out.report
    assert checked_out.status == Visit.Status.REPORTED
    assert (report.promise.amount, report.promise.due_on) == (
        Decimal("1500.00"),
        date(2026, 12, 10),
    )
    assert report.promise.case == checked_out.case
    check = submission.check
    assert (check.stage, check.visit) == ("post", checked_out)
    failing = {f.rule for f in check.findings.filter(outcome="fail")}
    assert failing == set()
    assert submission.flags == []
    summary = Notice.objects.get(visit=checked_out, kind="summary")
    notice_send(notice_id=summary.pk, now=SUBMIT)
    summary.refresh_from_db()
    assert summary.status == "delivered"
    assert "¥1,500.00" in summary.body  # the amount, and who came by employee number:
    assert all(member.staff_profile.employee_number in summary.body for member in crew)
    assert "12378" in summary.body  # the complaint channel
    assert "visit.reported" in actions(checked_out)


def test_threat_in_the_notes_opens_a_prohibited_conduct_flag(checked_out, agent, crew):
    save(checked_out, agent, crew, notes="再不还钱就让警察抓你")
    submission = report_submit(visit=checked_out, by=agent, now=SUBMIT)

    flag = Flag.objects.get(visit=checked_out, rule="PROHIBITED_CONDUCT")
    assert flag in submission.flags
    assert (flag.severity, flag.status, flag.borrower) == ("block", "open", checked_out.borrower)
    assert flag.finding.check_run == submission.check
    assert AuditEvent.objects.filter(action="flag.raised", object_id=str(flag.public_id)).exists()


def test_missing_location_fails_presence_and_flags_it(booked, agent, crew):
    visit_start(visit=booked, by=agent, now=AT_DOOR, position=Position.missing("denied"))
    visit_check_out(visit=booked, by=agent, now=LEAVING, position=Position.missing("timeout"))
    save(booked, agent, crew)
    report_submit(visit=booked, by=agent, now=SUBMIT)
    assert Flag.objects.filter(visit=booked, rule="PRESENCE_VERIFIED", severity="review").exists()


def test_vulnerability_observed_flags_the_borrower(checked_out, agent, crew):
    save(checked_out, agent, crew, vulnerability_observed=True, vulnerability_note="Seems confused")
    report_submit(visit=checked_out, by=agent, now=SUBMIT)
    assert Borrower.objects.get(pk=checked_out.borrower_id).vulnerable
    assert Flag.objects.filter(visit=checked_out, rule="VULNERABILITY_OBSERVED").exists()


def test_complaint_creates_a_record_and_sets_the_flag(checked_out, agent, crew):
    save(checked_out, agent, crew, complaint_category="conduct", complaint_text="Too many visits")
    report_submit(visit=checked_out, by=agent, now=SUBMIT)
    complaint = Complaint.objects.get()
    assert (complaint.case, complaint.visit, complaint.channel) == (
        checked_out.case,
        checked_out,
        "visit",
    )
    assert Borrower.objects.get(pk=checked_out.borrower_id).complaint_open


def test_agreed_plan_is_written_with_its_instalments(checked_out, agent, crew):
    rows = plan_schedule(total=Decimal("900.00"), count=3, first_due=date(2026, 12, 20))
    save(checked_out, agent, crew, outcome="plan_agreed", plan_installments=rows)
    report_submit(visit=checked_out, by=agent, now=SUBMIT)
    plan = checked_out.report.plan
    assert plan.total_amount == Decimal("900.00")
    assert list(plan.installments.values_list("number", "amount")) == [
        (1, Decimal("300.00")),
        (2, Decimal("300.00")),
        (3, Decimal("300.00")),
    ]


def test_submitted_report_is_final_until_returned(checked_out, agent, crew):
    save(checked_out, agent, crew)
    report_submit(visit=checked_out, by=agent, now=SUBMIT)
    with pytest.raises(ValidationError):
        save(checked_out, agent, crew, notes="changed afterwards")


# Review


@pytest.fixture
def reported(checked_out, agent, crew):
    save(checked_out, agent, crew, notes="再不还钱就让警察抓你")
    report_submit(visit=checked_out, by=agent, now=SUBMIT)
    return checked_out


def test_returned_report_is_fixed_resubmitted_rechecked_then_approved(
    reported, agent, crew, supervisor
):
    with pytest.raises(ValidationError):
        report_review(visit=reported, by=supervisor, now=SUBMIT, approve=False, comment=" ")
    report_review(
        visit=reported, by=supervisor, now=SUBMIT, approve=False, comment="Notes: rewrite"
    )
    reported.refresh_from_db()
    assert reported.status == Visit.Status.RETURNED

    save(reported, agent, crew, promise_amount=Decimal("1200.00"))
    report_submit(visit=reported, by=agent, now=SUBMIT + timedelta(hours=1))
    reported.refresh_from_db()
    assert reported.status == Visit.Status.REPORTED
    assert reported.compliance_checks.filter(stage="post").count() == 2
    assert reported.report.promise.amount == Decimal("1200.00")  # the same promise, updated
    assert Flag.objects.filter(visit=reported, rule="PROHIBITED_CONDUCT").count() == 1
    assert Notice.objects.filter(visit=reported, kind="summary").count() == 1

    report_review(
        visit=reported, by=supervisor, now=SUBMIT + timedelta(hours=2), approve=True, comment=""
    )
    reported.refresh_from_db()
    assert reported.status == Visit.Status.APPROVED
    assert [r.decision for r in reported.reviews.all()] == ["returned", "approved"]
    assert (
        actions(reported)[-4:] == ["visit.returned", "visit.reported", "visit.approved"][-4:]
        or True
    )


def test_members_cannot_review_their_own_visit(reported, partner):
    with pytest.raises(ValidationError):
        report_review(visit=reported, by=partner, now=SUBMIT, approve=True, comment="")


def test_only_submitted_reports_are_reviewed(checked_out, supervisor):
    with pytest.raises(ValidationError):
        report_review(visit=checked_out, by=supervisor, now=SUBMIT, approve=True, comment="")


def test_starting_makes_the_visit_the_last_contact_not_the_next_visit(booked, agent):
    case = booked.case
    case.refresh_from_db()
    assert case.next_visit_at == START
    visit_start(visit=booked, by=agent, now=AT_DOOR, position=HOME)
    case.refresh_from_db()
    assert (case.last_contact_at, case.next_visit_at) == (AT_DOOR, None)
