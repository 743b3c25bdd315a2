"""The borrower's notice link page: public, no login, phone first.

Anyone holding the link sees the same page, logged-in staff included. Reading it changes
nothing (link previews in messaging apps fetch it); only a POST records an answer.
Pages are shown in the notice's language unless the visitor chose one with the switcher,
and times in the borrower's time zone.

A tampered, malformed or unknown link answers 404: from outside these cannot be told apart,
and nothing about whether a notice exists leaks (400 would also suggest the request could be
fixed). An expired but genuine link answers 410 Gone with the hotline. Too many requests
from one address or for one link answer 429 (collections_app/ratelimit.py).
"""

import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from collections_app.ratelimit import Limit, client_ip, rate_limited
from visits.forms.borrower import KIND_CHOICES, BorrowerAnswerForm
from visits.links import LinkExpired, LinkInvalid, notice_from_token
from visits.selectors import borrower_notice_page, borrower_response_for_notice
from visits.services.responses import borrower_respond


def _limits(request, token):
    return [
        Limit("borrower-ip", client_ip(request), settings.FIELDVISIT_RATE_BORROWER_PER_IP),
        Limit("borrower-link", token, settings.FIELDVISIT_RATE_BORROWER_PER_LINK),
    ]


def _too_many(request, retry_after):
    return _public(
        request, "visits/borrower/too_many_requests.html", {"retry_after": retry_after}, 429
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited(_limits, _too_many)
def borrower_notice(request, token):
    try:
        notice = notice_from_token(token)
    except LinkExpired:
        return _public(request, "visits/borrower/link_expired.html", {}, status=410)
    except LinkInvalid:
        return _public(request, "visits/borrower/link_invalid.html", {}, status=404)
    zone = ZoneInfo(notice.visit.borrower.timezone)
    with translation.override(_language(request, notice)), timezone.override(zone):
        now = timezone.now()
        data = request.POST if request.method == "POST" else None
        form = BorrowerAnswerForm(data, earliest=timezone.localtime(now))
        if form.is_bound and form.is_valid():
            try:
                answer = borrower_respond(
                    notice=notice,
                    kind=form.cleaned_data["kind"],
                    message=form.cleaned_data["message"],
                    proposed_times=form.proposed_times,
                    now=now,
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return redirect(f"{request.path}?answer={answer.public_id}")
        context = {"form": form, "zone": zone.key, **borrower_notice_page(notice=notice)}
        context["answered"] = _answered(request, notice)
        return _public(request, "visits/borrower/notice.html", context, 400 if form.errors else 200)


def _language(request, notice) -> str:
    """The visitor's own choice (the switcher's cookie), else the notice's language."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return translation.get_language()
    try:
        return translation.get_supported_language_variant(notice.language)
    except LookupError:
        return translation.get_language()


def _answered(request, notice):
    """The answer just recorded (the redirect after a POST names it), with its wording."""
    try:
        public_id = uuid.UUID(request.GET.get("answer", ""))
    except ValueError:
        return None
    answer = borrower_response_for_notice(notice=notice, public_id=public_id)
    if answer is not None:
        answer.label = dict(KIND_CHOICES)[answer.kind]
    return answer


def _public(request, template: str, context: dict, status: int = 200):
    bank = getattr(settings, "FIELDVISIT_BANK_NAME", "") or _("Your bank")
    contact = {
        "bank_name": bank,
        "hotline": getattr(settings, "FIELDVISIT_BANK_HOTLINE", ""),
        "complaint_channel": getattr(settings, "FIELDVISIT_COMPLAINT_CHANNEL", ""),
    }
    response = render(request, template, {**contact, **context}, status=status)
    response["Content-Language"] = translation.get_language()
    return response
