"""Borrower answers (the notice link). The case or visit was fetched through the scoped
selectors; these only read its rows."""

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

from visits.models import BorrowerResponse, Notice, Visit


def responses_for_visit(*, visit: Visit) -> list[BorrowerResponse]:
    return _with_times(BorrowerResponse.objects.filter(visit=visit))


def responses_for_case(*, case) -> list[BorrowerResponse]:
    return _with_times(BorrowerResponse.objects.filter(visit__case=case))


def borrower_response_for_notice(*, notice: Notice, public_id) -> BorrowerResponse | None:
    """An answer given through this notice's link (the thank-you page), else None."""
    found = _with_times(BorrowerResponse.objects.filter(notice=notice, public_id=public_id))
    return found[0] if found else None


def borrower_notice_page(*, notice: Notice) -> dict:
    """What the public link page shows about the visit, and nothing more: no debt figures,
    no ID or account numbers, no address (the link may be forwarded)."""
    visit = notice.visit
    members = visit.memberships.select_related("collector__staff_profile").order_by("id")
    collectors = []
    for member in members:
        user = member.collector
        profile = getattr(user, "staff_profile", None)
        number = profile.employee_number if profile else ""
        collectors.append({"name": user.get_full_name() or user.username, "number": number})
    return {
        "visit": visit,
        "collectors": collectors,
        "moved_to": Visit.objects.filter(rescheduled_from=visit).first(),
    }


def _with_times(responses: QuerySet[BorrowerResponse]) -> list[BorrowerResponse]:
    """Rows with `proposed_at`: the stored ISO times as aware datetimes, for |date in any zone."""
    rows = list(responses.select_related("visit", "notice").order_by("-received_at", "-id"))
    for row in rows:
        row.proposed_at = [parse_datetime(text) for text in row.proposed_times or []]
    return rows
