"""The notice outbox page, the printable letter, and the SMS gateway's delivery receipts."""

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from collections_app.paging import page_without_count
from collections_app.ratelimit import Limit, client_ip, rate_limited
from collections_app.roles import Role, role_of
from visits.filters import NoticeFilter
from visits.models import NoticeChannel
from visits.selectors import notice_list_for_user
from visits.services.notice_texts import letter_address
from visits.services.receipts import (
    ReceiptInvalid,
    notice_receipt_apply,
    receipt_parse,
    receipt_signature_valid,
)


@require_GET
@login_required
@permission_required("visits.view_notice", raise_exception=True)
def notice_list(request):
    """Newest first; pages without a COUNT of the whole outbox."""
    notices = notice_list_for_user(user=request.user).order_by("-created_at", "-id")
    outbox = NoticeFilter(request.GET, queryset=notices)
    page = page_without_count(outbox.qs, request.GET.get("page"), settings.NOTICES_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "visits/notices/notice_list.html",
        {"filter": outbox, "page": page, "query": query.urlencode()},
    )


@require_GET
@login_required
def notice_letter(request, public_id):
    """The letter as sent, to print and post. Compliance sees name and address masked."""
    letters = notice_list_for_user(user=request.user).filter(channel=NoticeChannel.LETTER)
    notice = get_object_or_404(letters, public_id=public_id)
    borrower = notice.visit.borrower
    context = {
        "notice": notice,
        "borrower": borrower,
        "address": letter_address(borrower=borrower),
        "show_personal": role_of(request.user) is not Role.COMPLIANCE,
        "bank_name": settings.FIELDVISIT_BANK_NAME,
        "hotline": settings.FIELDVISIT_BANK_HOTLINE,
    }
    return render(request, "visits/notices/notice_letter.html", context)


def _receipt_limits(request):
    return [Limit("sms-receipt", client_ip(request), settings.FIELDVISIT_RATE_SMS_RECEIPT_PER_IP)]


def _receipt_too_many(request, retry_after):
    return JsonResponse({"error": _("Too many requests; retry later.")}, status=429)


@csrf_exempt  # called by the SMS gateway, authenticated by the body's HMAC signature
@require_POST
@rate_limited(_receipt_limits, _receipt_too_many)
def sms_receipt(request):
    if not receipt_signature_valid(body=request.body, header=request.headers.get("X-Signature")):
        return JsonResponse({"error": "Missing or invalid signature."}, status=403)
    try:
        receipt = receipt_parse(body=request.body)
        notice = notice_receipt_apply(receipt=receipt, now=timezone.now())
    except ReceiptInvalid as exc:
        return JsonResponse({"error": exc.message, "field": exc.field}, status=400)
    return JsonResponse({"notice": str(notice.public_id), "status": notice.status})
