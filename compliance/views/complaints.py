"""The complaint register: the list with its due-soon and overdue tabs, recording a complaint
received outside a visit, and one complaint's page with assign, extend and close.

Officers only (`officer_required`: other roles 403); a missing complaint is 404. Each action is
a POST of its own that answers with a redirect, or re-renders the page with the form's errors
and status 400.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collections_app.form_errors import add_service_errors
from collections_app.paging import page_without_count
from compliance.access import officer_required
from compliance.forms.complaints import (
    ComplaintAssignForm,
    ComplaintCloseForm,
    ComplaintExtendForm,
    ComplaintFilterForm,
    ComplaintRecordForm,
)
from compliance.selectors.complaints import (
    DUE_SOON,
    complaint_case_for,
    complaint_clock,
    complaint_counts,
    complaint_get,
    complaint_list,
    complaint_timeline,
)
from compliance.services.complaints import (
    complaint_assign,
    complaint_close,
    complaint_extend,
    complaint_record,
)

PAGE_SIZE = 25
LIST = "compliance/complaints/complaint_list.html"
DETAIL = "compliance/complaints/complaint_detail.html"
NEW = "compliance/complaints/complaint_form.html"


@require_GET
@officer_required
def complaint_list_view(request):
    """Open complaints by deadline first; pages without a COUNT of the whole register."""
    form = ComplaintFilterForm(request.GET)
    now = timezone.now()
    context = {"form": form, "now": now, "soon": now + DUE_SOON, "page": None}
    context["counts"] = complaint_counts(now=now)
    if not form.is_valid():
        return render(request, LIST, context, status=400)
    complaints = complaint_list(now=now, **form.cleaned_data)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        page=page_without_count(complaints, request.GET.get("page"), PAGE_SIZE),
        query=query.urlencode(),
    )
    return render(request, LIST, context)


@require_http_methods(["GET", "POST"])
@officer_required
def complaint_new(request):
    received = timezone.localtime().replace(second=0, microsecond=0)
    form = ComplaintRecordForm(request.POST or None, initial={"received_at": received})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        borrower = data.pop("customer_number")
        case = complaint_case_for(borrower=borrower)
        arguments = {"borrower": borrower, "case": case, "visit": None, **data}
        if complaint := _done(form, complaint_record, by=request.user, **arguments):
            messages.success(request, _("Complaint recorded. Its deadline is running."))
            return redirect("compliance:complaint_detail", public_id=complaint.public_id)
    return render(request, NEW, {"form": form}, status=400 if form.is_bound else 200)


@require_GET
@officer_required
def complaint_detail(request, public_id):
    return _complaint_page(request, complaint_get(public_id=public_id))


@require_POST
@officer_required
def complaint_assign_view(request, public_id):
    complaint = complaint_get(public_id=public_id)
    form = ComplaintAssignForm(request.POST)
    if form.is_valid() and _done(
        form, complaint_assign, complaint=complaint, by=request.user, **form.cleaned_data
    ):
        messages.success(request, _("Complaint assigned."))
        return redirect("compliance:complaint_detail", public_id=complaint.public_id)
    return _complaint_page(request, complaint, status=400, assign_form=form)


@require_POST
@officer_required
def complaint_extend_view(request, public_id):
    complaint = complaint_get(public_id=public_id)
    form = ComplaintExtendForm(request.POST)
    if form.is_valid() and _done(
        form, complaint_extend, complaint=complaint, by=request.user, **form.cleaned_data
    ):
        messages.success(request, _("Deadline extended."))
        return redirect("compliance:complaint_detail", public_id=complaint.public_id)
    return _complaint_page(request, complaint, status=400, extend_form=form)


@require_POST
@officer_required
def complaint_close_view(request, public_id):
    complaint = complaint_get(public_id=public_id)
    form = ComplaintCloseForm(request.POST)
    if form.is_valid() and _done(
        form, complaint_close, complaint=complaint, by=request.user, **form.cleaned_data
    ):
        messages.success(request, _("Complaint closed."))
        return redirect("compliance:complaint_detail", public_id=complaint.public_id)
    return _complaint_page(request, complaint, status=400, close_form=form)


def _complaint_page(request, complaint, *, status: int = 200, **forms):
    now = timezone.now()
    context = {
        "complaint": complaint,
        "now": now,
        "soon": now + DUE_SOON,
        "clock": complaint_clock(complaint=complaint, now=now),
        "timeline": complaint_timeline(complaint=complaint),
        "assign_form": ComplaintAssignForm(initial={"handler": complaint.handler_id}),
        "extend_form": ComplaintExtendForm(),
        "close_form": ComplaintCloseForm(),
    }
    context.update(forms)
    return render(request, DETAIL, context, status=status)


def _done(form, service, **arguments):
    """Call the service and return its result; put what it refuses onto the form."""
    try:
        return service(now=timezone.now(), **arguments)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
