"""Audit pages: the event log with filters, chain verification, one object's history, and the
PII access log with its CSV export (DESIGN.md §7). Officers only (`officer_required`)."""

import csv
import json
import time
from dataclasses import dataclass

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collections_app.mask import mask_name
from compliance.access import officer_required
from compliance.forms.audit import AuditEventFilterForm, CursorForm, PiiAccessFilterForm
from compliance.models import AuditEvent, PiiAccess
from compliance.selectors.audit import (
    audit_event_list,
    audit_object_history,
    audit_object_types,
    keyset_page,
    pii_access_for_export,
    pii_access_list,
)
from compliance.services.audit import AuditVerification, audit_record, audit_verify

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 200
DATA_PREVIEW = 300
# What the verification and the export are recorded against in the log itself.
CHAIN = {"object_type": "compliance.auditevent", "object_id": "chain"}
PII_LOG = {"object_type": "compliance.piiaccess", "object_id": "log"}
# Pages an audited object can be opened on; a page not (yet) routed is simply not linked.
OBJECT_PAGES = {
    "visits.visit": "visits:visit_detail",
    "compliance.flag": "compliance:flag_detail",
    "compliance.complaint": "compliance:complaint_detail",
    "collections_app.case": "collections_app:case_detail",
    "collections_app.borrower": "collections_app:borrower_detail",
}


@require_GET
@officer_required
def audit_events(request):
    form = AuditEventFilterForm(request.GET, object_types=audit_object_types())
    if not form.is_valid():
        return _render_events(request, form, page=None, status=400)
    events = audit_event_list(**form.filters())
    return _render_events(request, form, keyset_page(events, size=PAGE_SIZE, **form.cursor()))


@require_POST
@officer_required
def audit_verify_chain(request):
    """Verify the whole chain now, and log that it was done (and what it found)."""
    result, duration_ms = _timed_verify()
    audit_record(
        actor=request.user,
        action="audit.verified",
        **CHAIN,
        data={"ok": result.ok, "checked": result.checked, "duration_ms": duration_ms},
        at=timezone.now(),
    )
    template = (
        "compliance/audit/_verification.html" if request.htmx else "compliance/audit/verify.html"
    )
    return render(
        request, template, {"result": result, "duration_ms": duration_ms, "ran_now": True}
    )


@require_GET
@officer_required
def audit_object(request, object_type, object_id):
    """Every event of one object, oldest first, under a fresh verification of the chain."""
    template = "compliance/audit/object_history.html"
    cursor = CursorForm(request.GET)
    context = {"object_type": object_type, "object_id": object_id, "cursor_form": cursor}
    if not cursor.is_valid():
        return render(request, template, context, status=400)
    events = audit_object_history(object_type=object_type, object_id=object_id)
    page = keyset_page(events, size=HISTORY_PAGE_SIZE, newest_first=False, **cursor.cursor())
    if not page.items and not events.exists():
        raise Http404
    result, duration_ms = _timed_verify()
    context |= {
        "object_url": object_url(object_type, object_id),
        "rows": _rows(page.items, preview=None),
        "page": page,
        "links": _page_links(request, page),
        "result": result,
        "duration_ms": duration_ms,
    }
    return render(request, template, context)


@require_GET
@officer_required
def pii_access(request):
    form = PiiAccessFilterForm(request.GET)
    if not form.is_valid():
        return _render_pii(request, form, page=None, status=400)
    accesses = pii_access_list(**form.filters())
    return _render_pii(request, form, keyset_page(accesses, size=PAGE_SIZE, **form.cursor()))


@require_GET
@officer_required
def pii_access_csv(request):
    """The filtered log as CSV (UTF-8 with BOM, for Excel), every row; the export is audited."""
    form = PiiAccessFilterForm(request.GET)
    if not form.is_valid():
        return _render_pii(request, form, page=None, status=400)
    accesses, count = pii_access_for_export(**form.filters())
    audit_record(
        actor=request.user,
        action="pii_access.exported",
        **PII_LOG,
        data={"filters": form.described(), "rows": count},
        at=timezone.now(),
    )
    response = StreamingHttpResponse(
        _csv_lines(request, accesses), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="pii-access-{stamp}.csv"'
    return response


def object_url(object_type: str, object_id: str) -> str | None:
    """The object's own page, if it has one that takes this id."""
    name = OBJECT_PAGES.get(object_type)
    if name is None:
        return None
    try:
        return reverse(name, args=[object_id])
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    data_json: str
    object_url: str | None
    history_url: str


def _rows(events: list[AuditEvent], *, preview: int | None) -> list[AuditRow]:
    rows = []
    for event in events:
        data = json.dumps(event.data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        if preview is not None and len(data) > preview:
            data = data[: preview - 1] + "…"
        rows.append(
            AuditRow(
                event=event,
                data_json="" if data == "{}" else data,
                object_url=object_url(event.object_type, event.object_id),
                history_url=reverse(
                    "compliance:audit_object", args=[event.object_type, event.object_id]
                ),
            )
        )
    return rows


def _page_links(request, page) -> dict:
    """Query strings of the neighbouring pages: the filters kept, the cursor replaced."""
    links = {}
    for name, params in (("next", page.next_params), ("previous", page.previous_params)):
        if params is None:
            continue
        query = request.GET.copy()
        query.pop("before", None)
        query.pop("after", None)
        query.update(params)
        links[name] = query.urlencode()
    return links


def _render_events(request, form, page, status=200):
    context = {
        "form": form,
        "page": page,
        "rows": _rows(page.items, preview=DATA_PREVIEW) if page else [],
        "links": _page_links(request, page) if page else {},
    }
    return render(request, "compliance/audit/event_list.html", context, status=status)


def _render_pii(request, form, page, status=200):
    context = {
        "form": form,
        "page": page,
        "links": _page_links(request, page) if page else {},
        "export_query": request.GET.urlencode(),
    }
    return render(request, "compliance/audit/pii_access_list.html", context, status=status)


def _timed_verify() -> tuple[AuditVerification, int]:
    started = time.perf_counter()
    result = audit_verify()
    return result, round((time.perf_counter() - started) * 1000)


class _Echo:
    """The file-like object csv.writer needs; each row is yielded as soon as it is written."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(request, accesses):
    """The file's lines. The header, field labels and zone are fixed before the response
    streams, while the request's language and zone are certainly still active."""
    writer = csv.writer(_Echo())
    zone = timezone.get_current_timezone()
    fields = {value: str(label) for value, label in PiiAccess.Field.choices}
    header = [
        _("Accessed at (%(zone)s)") % {"zone": zone},
        _("Username"),
        _("User"),
        _("Field"),
        _("Borrower (masked)"),
        _("Customer number"),
        _("Case"),
        _("Reason"),
    ]
    site = request.build_absolute_uri("/").rstrip("/")

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for access in accesses.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(access.accessed_at, zone).strftime("%Y-%m-%d %H:%M:%S"),
                    access.user.username,
                    access.user.get_full_name(),
                    fields.get(access.field, access.field),
                    mask_name(access.borrower.name),
                    access.borrower.customer_number,
                    site
                    + reverse("collections_app:borrower_detail", args=[access.borrower.public_id]),
                    _spreadsheet_safe(access.reason),
                ]
            )

    return lines()


def _spreadsheet_safe(text: str) -> str:
    """A reason typed as "=HYPERLINK(…)" must stay text in Excel, not become a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
