"""borrower_respond: one row and one audit event per answer; dispute and hardship set the
borrower's flags (and a dispute blocks the next booking); bad input names its field and
records nothing. Also the collector-side selectors and the `_responses.html` partial."""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from compliance.models import AuditEvent
from compliance.rules import Decision
from compliance.services.checks import compliance_check_plan
from visits.models import BorrowerResponse, ResponseKind
from visits.selectors import responses_for_case, responses_for_visit
from visits.services.booking import visit_book, visit_cancel
from visits.services.responses import (
    MAX_RESPONSES_PER_NOTICE,
    MESSAGE_MAX_LENGTH,
    borrower_respond,
)

from .conftest import NOW, START, moved

UTC = ZoneInfo("UTC")
LATER = NOW + timedelta(minutes=30)
MESSAGE = "我下周三在家，请下午来 / personal note"


@pytest.fixture
def notice(good_plan, home, agent):
    result = visit_book(plan=good_plan, place=home, by=agent, now=NOW)
    assert result.booked
    return result.visit.notices.first()


def respond(notice, kind, *, message="", times=(), now=LATER):
    return borrower_respond(
        notice=notice, kind=kind, message=message, proposed_times=list(times), now=now
    )


def events(action: str):
    return AuditEvent.objects.filter(action=action).order_by("id")


@pytest.mark.parametrize(
    ("kind", "times"),
    [
        (ResponseKind.ACKNOWLEDGE, ()),
        (ResponseKind.PROPOSE_TIMES, (START + timedelta(days=2),)),
        (ResponseKind.CALL_INSTEAD, ()),
        (ResponseKind.DISPUTE, ()),
        (ResponseKind.HARDSHIP, ()),
    ],
)
def test_each_kind_records_a_row_and_an_audit_event(notice, kind, times):
    answer = respond(notice, kind, message=MESSAGE, times=times)

    row = BorrowerResponse.objects.get()
    assert row == answer
    assert (row.kind, row.notice, row.visit, row.received_at) == (
        kind,
        notice,
        notice.visit,
        LATER,
    )
    assert row.message == MESSAGE
    [event] = events("borrower_response.received")
    assert event.actor_id is None and event.actor_label == "system"
    assert (event.object_type, event.object_id) == ("visits.borrowerresponse", str(row.public_id))
    assert event.data == {
        "kind": kind,
        "visit": str(notice.visit.public_id),
        "notice": str(notice.public_id),
        "proposed_times": len(times),
        "has_message": True,
    }
    # No free text and no personal data in the chain.
    blob = json.dumps(event.data, ensure_ascii=False)
    assert "我下周三" not in blob and notice.visit.borrower.national_id not in blob


def test_proposed_times_are_kept_in_the_borrowers_zone_sorted_without_repeats(notice):
    first = (START + timedelta(days=2)).astimezone(UTC)  # given in UTC, stored in Shanghai
    second = START + timedelta(days=1, hours=4)
    respond(notice, ResponseKind.PROPOSE_TIMES, times=(first, second, first))

    row = BorrowerResponse.objects.get()
    assert row.proposed_times == ["2026-12-03T14:00:00+08:00", "2026-12-04T10:00:00+08:00"]


def test_answering_again_adds_a_row(notice):
    respond(notice, ResponseKind.ACKNOWLEDGE)
    respond(notice, ResponseKind.CALL_INSTEAD, now=LATER + timedelta(hours=1))

    assert [r.kind for r in BorrowerResponse.objects.all()] == ["call_instead", "acknowledge"]
    assert events("borrower_response.received").count() == 2


def test_dispute_sets_the_flag_audited_and_blocks_the_next_booking(notice, good_plan, home, agent):
    next_plan = moved(good_plan, 48)
    assert compliance_check_plan(plan=next_plan, now=LATER).verdict.decision is Decision.ALLOW

    answer = respond(notice, ResponseKind.DISPUTE)

    borrower = notice.visit.borrower
    borrower.refresh_from_db()
    assert borrower.disputed is True
    [event] = events("borrower.flag_set")
    assert (event.object_type, event.object_id) == (
        "collections_app.borrower",
        str(borrower.public_id),
    )
    assert event.actor_id is None
    assert event.data == {
        "flag": "disputed",
        "from": False,
        "to": True,
        "source": "borrower_response",
        "response": str(answer.public_id),
    }

    verdict = compliance_check_plan(plan=next_plan, now=LATER).verdict
    assert verdict.decision is Decision.BLOCK
    failing = {f.rule for f in verdict.findings if f.failed}
    assert failing == {"DISPUTE_OPEN"}
    result = visit_book(plan=next_plan, place=home, by=agent, now=LATER)
    assert not result.booked
    assert result.check.decision == "block"


def test_dispute_cancels_the_visits_already_booked_and_tells_the_borrower(notice, agent):
    from visits.models import Notice as NoticeRow

    NoticeRow.objects.filter(pk=notice.pk).update(status="delivered", delivered_at=NOW)
    respond(notice, ResponseKind.DISPUTE)

    visit = notice.visit
    visit.refresh_from_db()
    assert visit.status == "cancelled"
    assert "disputes" in visit.cancel_reason
    assert list(visit.notices.values_list("kind", flat=True)) == ["advance", "cancelled"]
    cancelled = AuditEvent.objects.get(action="visit.cancelled")
    assert cancelled.actor_id is None  # the system, on the borrower's answer


def test_hardship_sets_its_flag(notice):
    respond(notice, ResponseKind.HARDSHIP)

    borrower = notice.visit.borrower
    borrower.refresh_from_db()
    assert (borrower.hardship, borrower.disputed) == (True, False)
    [event] = events("borrower.flag_set")
    assert event.data["flag"] == "hardship"


def test_a_flag_already_set_is_not_audited_again(notice):
    respond(notice, ResponseKind.HARDSHIP)
    respond(notice, ResponseKind.HARDSHIP, now=LATER + timedelta(hours=1))

    assert BorrowerResponse.objects.count() == 2
    assert events("borrower.flag_set").count() == 1


def test_other_answers_set_no_flag(notice):
    for kind in (ResponseKind.ACKNOWLEDGE, ResponseKind.CALL_INSTEAD):
        respond(notice, kind)

    borrower = notice.visit.borrower
    borrower.refresh_from_db()
    assert borrower.flags == []
    assert not events("borrower.flag_set").exists()


@pytest.mark.parametrize(
    ("kind", "message", "times", "field"),
    [
        ("propose_times", "", [LATER - timedelta(minutes=1)], "proposed_times"),
        ("propose_times", "", [LATER], "proposed_times"),  # now is not the future
        ("propose_times", "", [START + timedelta(days=d) for d in range(1, 5)], "proposed_times"),
        ("propose_times", "", [], "proposed_times"),
        ("acknowledge", "", [START + timedelta(days=1)], "proposed_times"),
        ("acknowledge", "x" * (MESSAGE_MAX_LENGTH + 1), [], "message"),
        ("pay_later", "", [], "kind"),
    ],
    ids=["past", "now", "four", "none-to-propose", "times-with-ack", "long-message", "kind"],
)
def test_bad_input_names_the_field_and_records_nothing(notice, kind, message, times, field):
    with pytest.raises(ValidationError) as caught:
        respond(notice, kind, message=message, times=times)

    assert set(caught.value.message_dict) == {field}
    assert not BorrowerResponse.objects.exists()
    assert not events("borrower_response.received").exists()


def test_a_message_at_the_limit_is_accepted_and_trimmed(notice):
    respond(notice, ResponseKind.ACKNOWLEDGE, message=f"  {'好' * MESSAGE_MAX_LENGTH}  ")

    assert BorrowerResponse.objects.get().message == "好" * MESSAGE_MAX_LENGTH


def test_naive_times_are_a_programming_error(notice):
    with pytest.raises(ValueError, match="timezone-aware"):
        respond(notice, ResponseKind.PROPOSE_TIMES, times=[START.replace(tzinfo=None)])


def test_a_cancelled_visit_cannot_be_answered(notice, agent):
    visit_cancel(visit=notice.visit, by=agent, now=LATER, reason="Borrower moved away")

    with pytest.raises(ValidationError) as caught:
        respond(notice, ResponseKind.DISPUTE, now=LATER + timedelta(minutes=1))

    assert caught.value.code == "visit_closed"
    assert not BorrowerResponse.objects.exists()
    notice.visit.borrower.refresh_from_db()
    assert notice.visit.borrower.disputed is False


def test_a_link_takes_a_bounded_number_of_answers(notice):
    for n in range(MAX_RESPONSES_PER_NOTICE):
        respond(notice, ResponseKind.ACKNOWLEDGE, now=LATER + timedelta(minutes=n))

    with pytest.raises(ValidationError) as caught:
        respond(notice, ResponseKind.DISPUTE, now=LATER + timedelta(hours=1))

    assert caught.value.code == "too_many_answers"
    assert BorrowerResponse.objects.count() == MAX_RESPONSES_PER_NOTICE


# --------------------------------------------------------------------------------------
# What the collector sees
# --------------------------------------------------------------------------------------


def test_selectors_list_newest_first_with_parsed_times(notice, other_case, agent):
    respond(notice, ResponseKind.ACKNOWLEDGE)
    proposed = START + timedelta(days=3)
    respond(notice, ResponseKind.PROPOSE_TIMES, times=[proposed], now=LATER + timedelta(hours=1))

    by_visit = responses_for_visit(visit=notice.visit)
    by_case = responses_for_case(case=notice.visit.case)

    assert [r.kind for r in by_visit] == ["propose_times", "acknowledge"]
    assert [r.pk for r in by_case] == [r.pk for r in by_visit]
    assert by_visit[0].proposed_at == [proposed]
    assert responses_for_case(case=other_case) == []


def test_selectors_take_a_fixed_number_of_queries(notice, django_assert_num_queries):
    for n in range(3):
        respond(notice, ResponseKind.ACKNOWLEDGE, now=LATER + timedelta(minutes=n))

    with django_assert_num_queries(1):
        rows = responses_for_case(case=notice.visit.case)
        [(r.visit.planned_start, r.notice.channel) for r in rows]


def test_partial_shows_kind_badges_message_and_times_in_the_viewers_zone(notice):
    respond(
        notice,
        ResponseKind.PROPOSE_TIMES,
        times=[START + timedelta(days=2)],  # 2026-12-04 10:00 Shanghai = 02:00 UTC
        now=LATER + timedelta(hours=1),
    )
    # The dispute last: it cancels the visit, which then takes no more answers.
    respond(notice, ResponseKind.DISPUTE, message="Not my loan <b>")

    with timezone.override(UTC):
        html = render_to_string(
            "visits/includes/_responses.html",
            {"responses": responses_for_case(case=notice.visit.case)},
        )

    assert 'data-kind="dispute"' in html and "list-group-item-danger" in html
    assert "text-bg-danger" in html
    assert "Not my loan &lt;b&gt;" in html
    assert "2026-12-04 02:00" in html
    assert "2026-12-01 01:30" in html  # received LATER (09:30 Shanghai) shown in UTC


def test_partial_without_answers_says_so():
    html = render_to_string("visits/includes/_responses.html", {"responses": []})

    assert "No answers from the borrower yet." in html
