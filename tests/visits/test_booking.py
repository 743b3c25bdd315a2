"""visits.services.booking and .overrides: every decision path, overrides, cancel, reschedule."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from compliance.models import AuditEvent, ComplianceCheck, Override
from tests import factories as f
from tests.visits.conftest import NOW, START, moved
from visits.models import Notice, Visit
from visits.services.booking import VisitPlace, visit_book, visit_cancel, visit_reschedule
from visits.services.overrides import ComplianceBlocked, override_approve, override_reject

pytestmark = pytest.mark.django_db


def actions(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(obj.public_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


def failing(result) -> set[str]:
    return {x.rule for x in result.verdict.findings if x.failed}


def review_plan(good_plan):
    """Vulnerable borrower: CN's VULNERABILITY asks for review."""
    borrower = good_plan.case.borrower
    borrower.vulnerable = True
    borrower.save()
    return good_plan


# Allow, review, block


def test_allowed_plan_is_booked_with_check_members_notice_and_audit(good_plan, home, agent, crew):
    result = visit_book(plan=good_plan, place=home, by=agent, now=NOW)

    visit = result.visit
    assert result.booked and visit.status == Visit.Status.BOOKED
    assert (visit.planned_start, visit.planned_end) == (START, START + timedelta(hours=1))
    assert visit.address == home.address and visit.lat == home.address.lat
    assert set(visit.members.all()) == set(crew)
    check = result.check
    assert (check.visit, check.case, check.decision) == (visit, good_plan.case, "allow")
    assert check.findings.count() == 20
    assert [n.kind for n in visit.notices.all()] == ["advance"]
    assert actions(visit) == ["visit.booked"]
    good_plan.case.refresh_from_db()
    assert good_plan.case.next_visit_at == START


def test_notice_is_sent_only_after_commit(
    good_plan, home, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = visit_book(plan=good_plan, place=home, by=agent, now=NOW)
    assert len(callbacks) == 1
    notice = result.visit.notices.get()
    assert notice.status == Notice.Status.PENDING  # nothing sent inside the transaction


def test_blocked_plan_books_nothing_but_keeps_the_refused_attempt(good_plan, home, agent):
    late = replace(
        good_plan, start=START.replace(hour=21, minute=30), end=START.replace(hour=22, minute=30)
    )
    result = visit_book(plan=late, place=home, by=agent, now=NOW)

    assert not result.booked
    assert "VISIT_WINDOW" in failing(result)
    assert not Visit.objects.exists() and not Notice.objects.exists()
    check = ComplianceCheck.objects.get()
    assert (check.decision, check.visit, check.case) == ("block", None, good_plan.case)
    assert check.next_allowed_start is not None
    assert actions(check) == ["visit.booking_refused"]


def test_review_needs_a_justification_and_rolls_back_without_one(good_plan, home, agent):
    plan = review_plan(good_plan)
    with pytest.raises(ValidationError) as error:
        visit_book(plan=plan, place=home, by=agent, now=NOW)
    assert "justification" in error.value.message_dict
    assert not Visit.objects.exists() and not ComplianceCheck.objects.exists()


def test_review_with_justification_waits_for_approval_without_notice(good_plan, home, agent):
    plan = review_plan(good_plan)
    result = visit_book(
        plan=plan, place=home, by=agent, now=NOW, justification="Family asked us to come"
    )

    visit = result.visit
    assert visit.status == Visit.Status.PENDING_APPROVAL
    override = Override.objects.get(visit=visit)
    assert (override.status, override.requested_by, override.check_run) == (
        "pending",
        agent,
        result.check,
    )
    assert override.justification == "Family asked us to come"
    assert not visit.notices.exists()  # announced once approved
    assert actions(visit) == ["visit.pending_approval"]
    assert actions(override) == ["override.requested"]


def test_second_visit_the_same_day_is_blocked_by_frequency(good_plan, home, agent):
    assert visit_book(plan=good_plan, place=home, by=agent, now=NOW).booked
    second = visit_book(plan=moved(good_plan, 4), place=home, by=agent, now=NOW)
    assert not second.booked and failing(second) == {"VISIT_FREQUENCY"}


# Overrides


@pytest.fixture
def pending(good_plan, home, agent):
    plan = review_plan(good_plan)
    result = visit_book(plan=plan, place=home, by=agent, now=NOW, justification="Asked by family")
    return Override.objects.get(visit=result.visit)


def test_supervisor_approves_after_a_recheck_and_the_notice_goes_out(pending, supervisor):
    override_approve(override=pending, by=supervisor, now=NOW, comment="ok, be gentle")

    pending.refresh_from_db()
    visit = pending.visit
    visit.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.comment) == (
        "approved",
        supervisor,
        "ok, be gentle",
    )
    assert pending.recheck.decision == "review" and pending.recheck.visit == visit
    assert visit.status == Visit.Status.BOOKED
    assert [n.kind for n in visit.notices.all()] == ["advance"]
    assert actions(visit) == ["visit.pending_approval", "visit.booked"]
    assert actions(pending) == ["override.requested", "override.approved"]


def test_requester_cannot_decide_their_own_request(pending, agent):
    with pytest.raises(ValidationError):
        override_approve(override=pending, by=agent, now=NOW)
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_approval_is_refused_when_the_recheck_now_blocks(pending, supervisor):
    # Too late to give 24 h notice now: ADVANCE_NOTICE blocks.
    late = START - timedelta(hours=2)
    with pytest.raises(ComplianceBlocked) as blocked:
        override_approve(override=pending, by=supervisor, now=late)

    assert blocked.value.check.decision == "block"
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert pending.visit.status == Visit.Status.PENDING_APPROVAL
    assert ComplianceCheck.objects.filter(visit=pending.visit, decision="block").exists()
    assert actions(pending)[-1] == "override.approval_refused"


def test_rejection_needs_a_comment_and_cancels_the_visit(pending, supervisor):
    with pytest.raises(ValidationError):
        override_reject(override=pending, by=supervisor, now=NOW, comment=" ")
    override_reject(override=pending, by=supervisor, now=NOW, comment="Not while vulnerable")

    pending.refresh_from_db()
    visit = pending.visit
    visit.refresh_from_db()
    assert pending.status == "rejected"
    assert visit.status == Visit.Status.CANCELLED
    assert "Not while vulnerable" in visit.cancel_reason
    assert not visit.notices.exists()  # the borrower was never told


def test_a_decided_request_cannot_be_decided_again(pending, supervisor):
    override_reject(override=pending, by=supervisor, now=NOW, comment="no")
    with pytest.raises(ValidationError):
        override_approve(override=pending, by=supervisor, now=NOW)


# Cancel and reschedule


@pytest.fixture
def booked(good_plan, home, agent):
    return visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit


def test_cancel_needs_a_reason_withdraws_pending_notices(booked, agent):
    with pytest.raises(ValidationError):
        visit_cancel(visit=booked, by=agent, now=NOW, reason="")
    Notice.objects.update(status="pending")
    visit_cancel(visit=booked, by=agent, now=NOW, reason="Borrower paid in full")

    booked.refresh_from_db()
    assert (booked.status, booked.cancel_reason) == ("cancelled", "Borrower paid in full")
    assert list(booked.notices.values_list("kind", "status")) == [("advance", "withdrawn")]
    booked.case.refresh_from_db()
    assert booked.case.next_visit_at is None
    assert actions(booked) == ["visit.booked", "visit.cancelled"]


def test_cancel_after_the_notice_went_out_tells_the_borrower(booked, agent):
    Notice.objects.update(status="delivered", delivered_at=NOW, sent_at=NOW)
    visit_cancel(visit=booked, by=agent, now=NOW, reason="Collector ill")
    assert list(booked.notices.values_list("kind", flat=True)) == ["advance", "cancelled"]


def test_cancelled_visit_cannot_be_cancelled_again(booked, agent):
    visit_cancel(visit=booked, by=agent, now=NOW, reason="x")
    with pytest.raises(ValidationError):
        visit_cancel(visit=booked, by=agent, now=NOW, reason="again")


def test_reschedule_rechecks_moves_and_renotifies(booked, good_plan, home, agent):
    later = moved(good_plan, 24)  # next day, same hour
    result = visit_reschedule(
        visit=booked, plan=later, place=home, by=agent, now=NOW, reason="Borrower asked"
    )

    booked.refresh_from_db()
    assert result.booked
    assert booked.status == Visit.Status.RESCHEDULED
    assert result.visit.rescheduled_from == booked
    assert result.visit.planned_start == later.start
    assert [n.kind for n in result.visit.notices.all()] == ["rescheduled"]
    booked.case.refresh_from_db()
    assert booked.case.next_visit_at == later.start


def test_reschedule_to_the_same_day_is_not_blocked_by_the_visit_it_replaces(
    booked, good_plan, home, agent
):
    result = visit_reschedule(visit=booked, plan=moved(good_plan, 3), place=home, by=agent, now=NOW)
    assert result.booked, failing(result)


def test_blocked_reschedule_leaves_the_visit_as_it_was(booked, good_plan, home, agent):
    night = replace(good_plan, start=START.replace(hour=23), end=START.replace(hour=23, minute=30))
    result = visit_reschedule(visit=booked, plan=night, place=home, by=agent, now=NOW)
    booked.refresh_from_db()
    assert not result.booked and booked.status == Visit.Status.BOOKED
    assert Visit.objects.count() == 1


def test_a_dropped_visit_cannot_be_rescheduled(booked, good_plan, home, agent):
    visit_cancel(visit=booked, by=agent, now=NOW, reason="x")
    with pytest.raises(ValidationError):
        visit_reschedule(visit=booked, plan=moved(good_plan, 24), place=home, by=agent, now=NOW)


def test_agreed_place_keeps_its_coordinates(good_plan, agent):
    plan = replace(good_plan, location_type="agreed_place")
    place = VisitPlace(
        description="翠湖公园北门", lat=Decimal("25.049000"), lng=Decimal("102.703000")
    )
    visit = visit_book(plan=plan, place=place, by=agent, now=NOW).visit
    assert (visit.address, visit.place_description, visit.lat) == (
        None,
        "翠湖公园北门",
        Decimal("25.049000"),
    )


def test_unknown_member_fails_closed(good_plan, home, agent):
    stranger = f.make_user(role="collector")
    result = visit_book(
        plan=replace(good_plan, collector_ids=(agent.pk, stranger.pk)),
        place=home,
        by=agent,
        now=NOW,
    )
    assert not result.booked and "COLLECTOR_CREDENTIALS" in failing(result)


def test_a_visit_in_the_past_is_refused_before_any_check(good_plan, home, agent):
    with pytest.raises(ValidationError) as error:
        visit_book(plan=good_plan, place=home, by=agent, now=START + timedelta(minutes=1))
    assert "start" in error.value.message_dict
    assert not ComplianceCheck.objects.exists()


def test_a_closed_case_cannot_get_a_visit(good_plan, home, agent):
    good_plan.case.status = "closed"
    good_plan.case.closed_on = START.date()
    good_plan.case.save()
    with pytest.raises(ValidationError):
        visit_book(plan=good_plan, place=home, by=agent, now=NOW)
