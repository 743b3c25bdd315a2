"""The words of a notice: recipient, subject and body, in the borrower's language and zone.

Texts are templates (templates/visits/notice_texts/) translated through the catalogs. They
name the bank, the visit's local date and time window, the purpose, who comes (name and
employee number), the hotline and the complaint channel, and the borrower's link. The
borrower is addressed by surname and title only; no ID or account number ever appears.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from collections_app.models import Address, Borrower
from visits.links import notice_link_url
from visits.models import Notice, NoticeChannel, NoticeKind, VisitMember, VisitReport

# Two-character surnames, so that 欧阳娜娜 is 欧阳女士 and not 欧女士.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 端木".split()
)
TEMPLATES = {
    NoticeChannel.SMS: "visits/notice_texts/sms.txt",
    NoticeChannel.EMAIL: "visits/notice_texts/message.txt",
    NoticeChannel.LETTER: "visits/notice_texts/message.txt",
}
SUMMARY_TEMPLATES = {
    NoticeChannel.SMS: "visits/notice_texts/summary_sms.txt",
    NoticeChannel.EMAIL: "visits/notice_texts/summary_message.txt",
    NoticeChannel.LETTER: "visits/notice_texts/summary_message.txt",
}
SUBJECT_TEMPLATE = "visits/notice_texts/subject.txt"


class NoRecipient(Exception):
    """The borrower has no number, e-mail or postal address for this channel."""


@dataclass(frozen=True)
class NoticeText:
    recipient: str
    subject: str
    body: str


def notice_render(*, notice: Notice) -> NoticeText:
    """What `notice` says and where it goes; raises NoRecipient when it cannot go anywhere."""
    borrower = notice.visit.borrower
    recipient = notice_recipient(notice=notice)
    zone = ZoneInfo(borrower.timezone or settings.TIME_ZONE)
    with translation.override(notice.language), timezone.override(zone):
        context = _context(notice)
        templates = SUMMARY_TEMPLATES if notice.kind == NoticeKind.SUMMARY else TEMPLATES
        body = _tidy(
            render_to_string(templates[notice.channel], context),
            paragraphs=notice.channel != NoticeChannel.SMS,
        )
        subject = ""
        if notice.channel != NoticeChannel.SMS:
            subject = " ".join(render_to_string(SUBJECT_TEMPLATE, context).split())[:200]
    return NoticeText(recipient=recipient, subject=subject, body=body)


def notice_recipient(*, notice: Notice) -> str:
    borrower = notice.visit.borrower
    if notice.channel == NoticeChannel.SMS:
        value = borrower.mobile.strip()
    elif notice.channel == NoticeChannel.EMAIL:
        value = borrower.email.strip()
    else:
        address = letter_address(borrower=borrower)
        value = postal_address(address) if address else ""
    if not value:
        raise NoRecipient(notice.channel)
    return value[:254]


def letter_address(*, borrower: Borrower) -> Address | None:
    """Letters go to the primary address (the first one on file if none is marked)."""
    return Address.objects.filter(borrower=borrower).order_by("-is_primary", "id").first()


def postal_address(address: Address) -> str:
    line = f"{address.province}{address.city}{address.district}{address.street}"
    return f"{address.postal_code} {line}".strip()


def salutation(borrower: Borrower) -> str:
    """Surname and title in the active language: 王先生 / Mr 王."""
    surname = _surname(borrower.name)
    if not surname:
        return _("Dear customer")
    if borrower.gender == Borrower.Gender.MALE:
        return pgettext("salutation", "Mr %(surname)s") % {"surname": surname}
    if borrower.gender == Borrower.Gender.FEMALE:
        return pgettext("salutation", "Ms %(surname)s") % {"surname": surname}
    return pgettext("salutation", "Mr/Ms %(surname)s") % {"surname": surname}


def _surname(name: str) -> str:
    name = (name or "").strip()
    if " " in name:  # Latin order: given names first
        return name.split()[-1]
    if name[:2] in COMPOUND_SURNAMES and len(name) > 2:
        return name[:2]
    return name[:1]


def collectors_of(notice: Notice) -> list[dict]:
    members = (
        VisitMember.objects.filter(visit_id=notice.visit_id)
        .select_related("collector", "collector__staff_profile")
        .order_by("id")
    )
    return _people(member.collector for member in members)


def _people(users) -> list[dict]:
    people = []
    for user in users:
        profile = getattr(user, "staff_profile", None)
        people.append(
            {
                "name": user.get_full_name().strip() or user.username,
                "number": profile.employee_number if profile else "",
            }
        )
    return people


def _context(notice: Notice) -> dict:
    visit = notice.visit
    previous = visit.rescheduled_from if notice.kind == NoticeKind.RESCHEDULED else None
    collectors = collectors_of(notice)
    context = {
        "notice": notice,
        "kind": notice.kind,
        "bank_name": settings.FIELDVISIT_BANK_NAME,
        "hotline": settings.FIELDVISIT_BANK_HOTLINE,
        "complaint_channel": settings.FIELDVISIT_COMPLAINT_CHANNEL,
        "salutation": salutation(visit.borrower),
        "start": visit.planned_start,
        "end": visit.planned_end,
        "previous_start": previous.planned_start if previous else None,
        "place": visit.get_location_type_display(),
        "place_description": visit.place_description,
        "purpose": visit.purpose.strip(),
        "collectors": collectors,
        "collectors_inline": _inline(collectors),
        "link": notice_link_url(notice=notice) if notice.kind in LINKED_KINDS else "",
    }
    if notice.kind == NoticeKind.SUMMARY:
        context.update(_summary(visit))
    return context


# Kinds about a visit still ahead: the borrower may answer them on the link page.
LINKED_KINDS = (NoticeKind.ADVANCE, NoticeKind.RESCHEDULED)


def _summary(visit) -> dict:
    """Who came, the outcome and what was agreed, from the submitted report."""
    report = VisitReport.objects.select_related("promise", "plan").get(visit=visit)
    present = _people(
        report.present.select_related("staff_profile").order_by("staff_profile__employee_number")
    )
    plan = report.plan
    return {
        "present": present,
        "present_inline": _inline(present),
        "outcome": report.get_outcome_display(),
        "promise_amount": report.promise.amount if report.promise else None,
        "promise_due": report.promise.due_on if report.promise else None,
        "plan_total": plan.total_amount if plan else None,
        "plan_count": plan.installments.count() if plan else 0,
        "amount_paid": report.amount_paid,
        "receipt_number": report.receipt_number,
    }


def _inline(people: list[dict]) -> str:
    return _(", ").join(
        pgettext("collector in a notice", "%(name)s (No. %(number)s)") % person
        if person["number"]
        else person["name"]
        for person in people
    )


def _tidy(text: str, *, paragraphs: bool) -> str:
    """Template lines stripped; at most one blank line in a row, none in an SMS."""
    out: list[str] = []
    for line in (line.strip() for line in text.strip().splitlines()):
        if line or (paragraphs and out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
