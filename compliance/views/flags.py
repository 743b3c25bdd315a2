"""The flag queue, one flag's page with its actions, and the flag statistics.

Officers only (`officer_required`: other roles 403); a missing flag is 404. Each action is a
POST of its own that answers with a redirect, or re-renders the flag page with the form's
errors and status 400.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from collections_app.form_errors import add_service_errors
from collections_app.paging import page_without_count
from collections_app.roles import Role, role_of
from compliance.access import officer_required
from compliance.forms.flags import (
    AssignForm,
    FlagQueueForm,
    InvestigateForm,
    ResolveForm,
    StatsPeriodForm,
)
from compliance.selectors.flags import flag_get, flag_page, flag_queue, flag_stats
from compliance.services.flags import flag_assign, flag_investigate, flag_resolve
from visits.views.evidence import evidence_panel

PAGE_SIZE = 25
LIST = "compliance/flags/flag_list.html"
DETAIL = "compliance/flags/flag_detail.html"
STATS = "compliance/flags/flag_stats.html"


@require_GET
@officer_required
def flag_list(request):
    """Oldest first; pages without a COUNT of the whole queue."""
    form = FlagQueueForm(request.GET)
    if not form.is_valid():
        return render(request, LIST, {"form": form, "page": None}, status=400)
    now = timezone.now()
    flags = flag_queue(now=now, **form.filters(user=request.user))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "now": now, "query": query.urlencode()}
    context["page"] = page_without_count(flags, request.GET.get("page"), PAGE_SIZE)
    return render(request, LIST, context)


@require_GET
@officer_required
def flag_detail(request, public_id):
    return _flag_page(request, flag_get(public_id=public_id))


@require_POST
@officer_required
def flag_assign_view(request, public_id):
    flag = flag_get(public_id=public_id)
    form = AssignForm(request.POST)
    if form.is_valid() and _done(
        form, flag_assign, flag=flag, by=request.user, **form.cleaned_data
    ):
        messages.success(request, _("Flag assigned."))
        return redirect("compliance:flag_detail", public_id=flag.public_id)
    return _flag_page(request, flag, status=400, assign_form=form)


@require_POST
@officer_required
def flag_investigate_view(request, public_id):
    flag = flag_get(public_id=public_id)
    form = InvestigateForm(request.POST)
    if _done(form, flag_investigate, flag=flag, by=request.user):
        messages.success(request, _("You are investigating the flag."))
        return redirect("compliance:flag_detail", public_id=flag.public_id)
    return _flag_page(request, flag, status=400, investigate_form=form)


@require_POST
@officer_required
def flag_resolve_view(request, public_id):
    flag = flag_get(public_id=public_id)
    form = ResolveForm(request.POST)
    if form.is_valid() and _done(
        form, flag_resolve, flag=flag, by=request.user, **form.cleaned_data
    ):
        messages.success(request, _("Flag resolved."))
        return redirect("compliance:flag_detail", public_id=flag.public_id)
    return _flag_page(request, flag, status=400, resolve_form=form)


@require_GET
@officer_required
def flag_stats_view(request):
    form = StatsPeriodForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return render(request, STATS, {"form": form}, status=400)
    start, end = form.cleaned_data["from"], form.cleaned_data["to"]
    stats = flag_stats(start=start, end=end, zone=timezone.get_current_timezone())
    return render(request, STATS, {"form": form, "stats": stats})


def _flag_page(request, flag, *, status: int = 200, **forms):
    context = flag_page(flag=flag, user=request.user)
    if flag.visit is not None:
        context.update(evidence_panel(visit=flag.visit, user=request.user))
    context.update(
        assign_form=AssignForm(),
        investigate_form=InvestigateForm(),
        resolve_form=ResolveForm(),
        # Admins work flags too, but only compliance officers can be given one.
        can_take=role_of(request.user) is Role.COMPLIANCE
        and flag.assigned_to_id != request.user.pk,
    )
    context.update(forms)
    return render(request, DETAIL, context, status=status)


def _done(form, service, **arguments) -> bool:
    """Call the service; put what it refuses onto the form's fields."""
    try:
        service(now=timezone.now(), **arguments)
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True
