"""The borrower's public notice page (/n/<token>/): what it shows and hides, answering,
bad and expired links, closed visits, languages, and staff seeing the same public page."""

import re
import time
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from collections_app.models import Borrower
from compliance.models import AuditEvent
from compliance.rules import Decision
from compliance.services.checks import compliance_check_plan
from visits.links import SALT, notice_link_path, notice_link_token
from visits.models import BorrowerResponse, Notice, ResponseKind
from visits.services.booking import visit_book, visit_cancel, visit_reschedule
from visits.services.status import visit_transition

from .conftest import NOW, moved

SH = ZoneInfo("Asia/Shanghai")
NATIONAL_ID = "530102198805061234"  # the `case` fixture's borrower
FORM_TIME = "%Y-%m-%dT%H:%M"


@pytest.fixture
def booked(good_plan, home, agent):
    result = visit_book(plan=good_plan, place=home, by=agent, now=NOW)
    assert result.booked
    return result


@pytest.fixture
def notice(booked):
    return booked.visit.notices.first()


@pytest.fixture
def url(notice):
    return notice_link_path(notice=notice)


def ahead(days: int, hour: int = 10) -> str:
    """A time `days` from the real today at `hour` Shanghai, as the phone's picker sends it.

    The page checks against the real clock, so proposed times are relative to it."""
    day = timezone.now().astimezone(SH) + timedelta(days=days)
    return day.replace(hour=hour, minute=0).strftime(FORM_TIME)


def answer(client, url, kind, **extra):
    return client.post(url, {"kind": kind, "message": "", **extra})


class _IssuedLongAgo(signing.TimestampSigner):
    """Signs as if the link had been issued before its lifetime began (no sleeping)."""

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - settings.NOTICE_LINK_MAX_AGE - 60)


# --------------------------------------------------------------------------------------
# Reading the page
# --------------------------------------------------------------------------------------


def test_shows_window_purpose_collectors_and_status_and_hides_personal_data(
    client, url, notice, agent, partner
):
    response = client.get(url)

    assert response.status_code == 200
    assertTemplateUsed(response, "visits/borrower/notice.html")
    # 2026-12-02 10:00–11:00 Shanghai, a Wednesday.
    assertContains(response, "10:00–11:00")
    assertContains(response, "Asia/Shanghai（UTC+0800）")  # the notice is in Chinese
    assertContains(response, notice.visit.purpose)
    for user in (agent, partner):
        assertContains(response, user.first_name)
        assertContains(response, user.staff_profile.employee_number)
    assertContains(response, 'data-testid="answer-form"')
    borrower = notice.visit.borrower
    for secret in (
        NATIONAL_ID,
        NATIONAL_ID[-4:],
        borrower.mobile,
        borrower.mobile[-4:],
        borrower.name,
        borrower.customer_number,
        notice.visit.address.street,
        str(borrower.public_id),
        str(notice.visit.case.public_id),
    ):
        assertNotContains(response, secret)
    assertNotContains(response, "{#")  # no template comment leaks into the page
    assertNotContains(response, "{%")
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]


@override_settings(LANGUAGE_CODE="en")
def test_date_in_the_borrowers_zone_not_the_servers(client, notice):
    # UTC+6: 10:00 Shanghai is 08:00 there.
    Borrower.objects.filter(pk=notice.visit.borrower_id).update(timezone="Asia/Urumqi")
    Notice.objects.filter(pk=notice.pk).update(language="en")

    response = client.get(notice_link_path(notice=notice))

    assertContains(response, "08:00–09:00")
    assertContains(response, "Dec. 2, 2026 (Wednesday)")
    assertContains(response, "Asia/Urumqi (UTC+0600)")


def test_shows_the_bank_name_hotline_and_complaint_channel_from_settings(client, url):
    with override_settings(
        FIELDVISIT_BANK_NAME="富滇银行",
        FIELDVISIT_BANK_HOTLINE="95xxx",
        FIELDVISIT_COMPLAINT_CHANNEL="12378",
    ):
        response = client.get(url)

    assertContains(response, "富滇银行")
    assertContains(response, 'href="tel:95xxx"')
    assertContains(response, '<span data-testid="complaint-channel">12378</span>')


def test_works_without_the_bank_settings(client, url, settings):
    del settings.FIELDVISIT_BANK_NAME
    del settings.FIELDVISIT_BANK_HOTLINE
    del settings.FIELDVISIT_COMPLAINT_CHANNEL

    response = client.get(url)

    assert response.status_code == 200
    assertContains(response, "您的贷款银行")  # "Your bank", in the notice's language
    assertNotContains(response, 'href="tel:')
    assertNotContains(response, 'data-testid="complaint-channel"')


def test_page_is_in_the_notices_language_unless_the_visitor_switched(client, url, notice):
    assert notice.language == "zh-hans"

    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assertContains(first, '<html lang="zh-hans">')
    assert first["Content-Language"] == "zh-hans"

    client.post(reverse("set_language"), {"language": "en", "next": url})
    switched = client.get(url)
    assertContains(switched, '<html lang="en">')
    assert switched["Content-Language"] == "en"
    assertContains(switched, 'data-testid="language-switcher"')


@pytest.mark.parametrize("persona", ["agent", "supervisor", "admin_user", "outsider"])
def test_logged_in_staff_see_the_same_public_page(client, url, request, persona):
    anonymous = client.get(url)
    staff = Client()
    staff.force_login(request.getfixturevalue(persona))

    response = staff.get(url)

    assert response.status_code == 200
    assertTemplateUsed(response, "visits/borrower/notice.html")
    assertNotContains(response, 'data-testid="whoami"')
    assertNotContains(response, reverse("logout"))
    strip = _without_csrf
    assert strip(response.content.decode()) == strip(anonymous.content.decode())


def _without_csrf(html: str) -> str:
    """The page minus its CSRF token values, which differ per client."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_the_form_works_with_csrf_checks_on(url):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url)
    token = page.context["csrf_token"]

    refused = browser.post(url, {"kind": "acknowledge"})
    accepted = browser.post(url, {"kind": "acknowledge", "csrfmiddlewaretoken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert BorrowerResponse.objects.count() == 1


def test_reading_the_page_records_nothing(client, url):
    client.get(url)
    client.head(url)

    assert not BorrowerResponse.objects.exists()


def test_other_methods_are_not_allowed(client, url):
    assert client.put(url).status_code == 405
    assert client.delete(url).status_code == 405


# --------------------------------------------------------------------------------------
# Answering
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in ResponseKind.values if k != "propose_times"])
def test_each_answer_is_recorded_and_shown_back(client, url, notice, kind):
    response = answer(client, url, kind, message="请先打电话")

    row = BorrowerResponse.objects.get()
    assert (row.kind, row.notice, row.visit, row.message) == (
        kind,
        notice,
        notice.visit,
        "请先打电话",
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}?answer={row.public_id}"
    assert AuditEvent.objects.filter(
        action="borrower_response.received", object_id=str(row.public_id)
    ).exists()
    thanks = client.get(response["Location"])
    assertContains(thanks, 'data-testid="response-recorded"')
    assertContains(thanks, "请先打电话")
    if kind == "dispute":  # a dispute cancels the visit: nothing left to answer
        assertContains(thanks, 'data-testid="visit-cancelled"')
        assertNotContains(thanks, 'data-testid="answer-form"')
    else:
        assertContains(thanks, 'data-testid="answer-form"')  # may answer again


def test_proposing_times_records_them_in_the_borrowers_zone(client, url):
    response = answer(client, url, "propose_times", proposed_1=ahead(3, 15), proposed_2=ahead(4, 9))

    row = BorrowerResponse.objects.get()
    assert response.status_code == 302
    assert row.proposed_times == [
        f"{ahead(3, 15)}:00+08:00",
        f"{ahead(4, 9)}:00+08:00",
    ]
    thanks = client.get(response["Location"])
    assertContains(thanks, "15:00</li>")
    assertContains(thanks, "09:00</li>")


def test_answering_twice_keeps_both(client, url):
    answer(client, url, "acknowledge")
    answer(client, url, "call_instead")

    assert BorrowerResponse.objects.count() == 2


def test_a_dispute_flags_the_borrower_and_blocks_the_next_visit(
    client, url, notice, good_plan, home, agent
):
    next_plan = moved(good_plan, 48)

    answer(client, url, "dispute")

    borrower = notice.visit.borrower
    borrower.refresh_from_db()
    assert borrower.disputed is True
    verdict = compliance_check_plan(plan=next_plan, now=NOW).verdict
    assert verdict.decision is Decision.BLOCK
    assert "DISPUTE_OPEN" in {f.rule for f in verdict.findings if f.failed}
    assert not visit_book(plan=next_plan, place=home, by=agent, now=NOW).booked


def test_hardship_flags_the_borrower(client, url, notice):
    answer(client, url, "hardship")

    notice.visit.borrower.refresh_from_db()
    assert notice.visit.borrower.hardship is True


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "propose_times", "proposed_1": "2020-01-01T10:00"}, "proposed_1"),
        ({"kind": "propose_times", "proposed_1": "next tuesday"}, "proposed_1"),
        ({"kind": "propose_times", "proposed_1": "2026-13-45T10:00"}, "proposed_1"),
        ({"kind": "propose_times"}, "proposed_1"),
        ({"kind": "acknowledge", "proposed_2": "2099-01-01T10:00"}, "proposed_1"),
        ({"kind": "acknowledge", "message": "x" * 1001}, "message"),
        ({"kind": "pay_later"}, "kind"),
        ({}, "kind"),
    ],
    ids=["past", "words", "no-such-date", "no-time", "time-with-ack", "long", "kind", "empty"],
)
def test_bad_answers_show_the_form_error_and_record_nothing(client, url, data, field):
    response = client.post(url, data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assertContains(response, 'data-testid="answer-form"', status_code=400)
    assert not BorrowerResponse.objects.exists()
    assert not AuditEvent.objects.filter(action="borrower_response.received").exists()


def test_the_time_pickers_cannot_go_back_in_time(client, url):
    response = client.get(url)

    today = timezone.now().astimezone(SH).strftime("%Y-%m-%d")
    assertContains(response, f'min="{today}T', count=3)


def test_an_unknown_answer_id_in_the_address_shows_no_thanks(client, url):
    for value in ("nonsense", str(uuid.uuid4())):
        response = client.get(url, {"answer": value})
        assert response.status_code == 200
        assertNotContains(response, 'data-testid="response-recorded"')


def test_an_answer_is_shown_back_only_on_its_own_notices_page(client, case, good_plan, home, agent):
    case.borrower.email = "wang@example.com"
    case.borrower.save()
    visit = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    by_channel = {n.channel: n for n in visit.notices.all()}
    sms, email = by_channel["sms"], by_channel["email"]
    answered = answer(client, notice_link_path(notice=sms), "acknowledge")
    recorded = BorrowerResponse.objects.get()

    here = client.get(answered["Location"])
    there = client.get(notice_link_path(notice=email), {"answer": str(recorded.public_id)})

    assertContains(here, 'data-testid="response-recorded"')
    assert there.status_code == 200
    assertNotContains(there, 'data-testid="response-recorded"')


# --------------------------------------------------------------------------------------
# Bad and expired links
# --------------------------------------------------------------------------------------


def _invalid(response):
    assert response.status_code == 404
    assertTemplateUsed(response, "visits/borrower/link_invalid.html")
    assertContains(response, "This link is not valid", status_code=404)


def test_a_tampered_link_is_not_valid(client, notice):
    token = notice_link_token(notice=notice)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    _invalid(client.get(reverse("visits:borrower_notice", args=[tampered])))
    _invalid(client.post(reverse("visits:borrower_notice", args=[tampered]), {"kind": "dispute"}))
    assert not BorrowerResponse.objects.exists()


@pytest.mark.parametrize("token", ["abc", "x" * 500, ".eJy:1:2", "%00", "::"])
def test_a_malformed_link_is_not_valid(client, token):
    _invalid(client.get(f"/n/{token}/"))


def test_a_link_to_an_unknown_notice_is_not_valid(client, db):
    token = signing.dumps(str(uuid.uuid4()), salt=SALT, compress=True)

    _invalid(client.get(reverse("visits:borrower_notice", args=[token])))


def test_a_link_signed_for_another_purpose_is_not_valid(client, notice):
    token = signing.dumps(str(notice.public_id), salt="something.else", compress=True)

    _invalid(client.get(reverse("visits:borrower_notice", args=[token])))


def test_an_expired_link_says_so_and_gives_the_hotline(client, notice):
    token = _IssuedLongAgo(salt=SALT).sign_object(str(notice.public_id), compress=True)
    path = reverse("visits:borrower_notice", args=[token])

    with override_settings(FIELDVISIT_BANK_HOTLINE="400-123-4567"):
        response = client.get(path)
        posted = client.post(path, {"kind": "dispute"})

    for page in (response, posted):
        assert page.status_code == 410
        assertTemplateUsed(page, "visits/borrower/link_expired.html")
        assertContains(page, "This link has expired", status_code=410)
        assertContains(page, 'href="tel:400-123-4567"', status_code=410)
    assert not BorrowerResponse.objects.exists()


def test_a_link_expires_after_the_configured_age(client, notice):
    issued = _IssuedLongAgo(salt=SALT).sign_object(str(notice.public_id), compress=True)
    path = reverse("visits:borrower_notice", args=[issued])

    with override_settings(NOTICE_LINK_MAX_AGE=settings.NOTICE_LINK_MAX_AGE + 3600):
        assert client.get(path).status_code == 200
    assert client.get(path).status_code == 410


# --------------------------------------------------------------------------------------
# Visits no longer ahead: said plainly, no answer form
# --------------------------------------------------------------------------------------


def test_a_cancelled_visit_says_so_and_offers_no_form(client, url, notice, agent):
    visit_cancel(visit=notice.visit, by=agent, now=NOW, reason="Borrower paid in full")

    response = client.get(url)

    assertContains(response, 'data-testid="visit-cancelled"')
    assertContains(response, "本次上门拜访已取消。")  # "This visit has been cancelled."
    assertNotContains(response, 'data-testid="answer-form"')
    assertNotContains(response, "Borrower paid in full")  # the staff's reason stays inside
    posted = answer(client, url, "acknowledge")
    assert posted.status_code == 400
    assertContains(posted, "本次上门拜访已不在计划中", status_code=400)  # "no longer planned"
    assert not BorrowerResponse.objects.exists()


def test_a_moved_visit_says_so_and_gives_the_new_time(client, url, notice, good_plan, home, agent):
    result = visit_reschedule(
        visit=notice.visit, plan=moved(good_plan, 24 + 4), place=home, by=agent, now=NOW
    )
    assert result.booked

    response = client.get(url)

    assertContains(response, 'data-testid="visit-rescheduled"')
    assertContains(response, "14:00–15:00")  # the new window (2026-12-03)
    assertNotContains(response, 'data-testid="answer-form"')


@pytest.mark.parametrize(
    ("steps", "testid"),
    [(["in_progress"], "visit-underway"), (["in_progress", "reported"], "visit-done")],
)
def test_a_visit_under_way_or_done_says_so_and_offers_no_form(
    client, url, notice, agent, steps, testid
):
    for status in steps:
        visit_transition(visit=notice.visit, to=status, by=agent, now=NOW)

    response = client.get(url)

    assertContains(response, f'data-testid="{testid}"')
    assertNotContains(response, 'data-testid="answer-form"')
    assert answer(client, url, "acknowledge").status_code == 400
    assert not BorrowerResponse.objects.exists()
