"""Ledger screens: worklist (home), case dossier, briefing, reveal. Thin function views."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from scoring.selectors import score_panel
from visits.selectors import responses_for_case, visits_for_case

from .credit_profile import CreditProfile, credit_profile_for_borrower
from .forms import OverdueReasonForm, RevealForm
from .mask import mask_field
from .roles import Role, role_of
from .selectors import (
    borrower_get_for_user,
    briefing_for_case,
    case_dossier,
    case_get_for_user,
    case_latest_for_borrower,
    repayments_for_case,
)
from .services.cases import case_set_overdue_reason
from .services.pii import REVEAL_PERMISSION, REVEALABLE, pii_reveal
from .worklist import worklist_filter, worklist_next_case, worklist_query

REPAYMENTS_PER_PAGE = 20


@require_GET
@login_required
def home(request):
    """The worklist: a collector's own cases; a supervisor's teams'; everything for others."""
    worklist = worklist_filter(user=request.user, data=request.GET)
    page = Paginator(worklist.qs, settings.WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = worklist_query(request.GET.urlencode()).urlencode()
    return render(
        request,
        "collections_app/case_list.html",
        {"filter": worklist, "page": page, "query": query, "wl": urlencode({"wl": query})},
    )


@require_GET
@login_required
def case_detail(request, public_id):
    case = case_get_for_user(user=request.user, public_id=public_id)
    return _render_dossier(request, case, OverdueReasonForm(instance=case))


@require_GET
@login_required
def case_next(request, public_id):
    """The next case of the worklist the user came from (`wl`: its query string)."""
    case = case_get_for_user(user=request.user, public_id=public_id)
    query = worklist_query(request.GET.get("wl", ""))
    following = worklist_next_case(user=request.user, case=case, data=query)
    if following is None:
        messages.info(request, _("That was the last case of your worklist."))
        following = case.public_id
    url = reverse("collections_app:case_detail", args=[following])
    return redirect(f"{url}?{urlencode({'wl': query.urlencode()})}" if query else url)


def _render_dossier(request, case, reason_form, status=200):
    profile = credit_profile_for_borrower(borrower=case.borrower, today=timezone.localdate())
    wl = worklist_query(request.GET.get("wl", "")).urlencode()
    repayments = Paginator(repayments_for_case(case=case), REPAYMENTS_PER_PAGE).get_page(
        request.GET.get("rpage")
    )
    context = {
        "case": case,
        "repayments": repayments,
        "reason_form": reason_form,
        "reveal_form": RevealForm(),
        "can_edit_reason": role_of(request.user) in (Role.COLLECTOR, Role.SUPERVISOR, Role.ADMIN),
        "can_reveal": request.user.has_perm(REVEAL_PERMISSION),
        "can_plan": request.user.has_perm("visits.add_visit") and case.status == case.Status.OPEN,
        "visits": visits_for_case(case=case),
        "responses": responses_for_case(case=case),
        "profile": profile,
        "profile_chart": _credit_chart(profile),
        "score": score_panel(case=case),
        # The worklist the user came from: "back" and "next case" keep its filter and sort.
        "worklist_query": wl,
        "wl": urlencode({"wl": wl}) if wl else "",
        **case_dossier(case=case),
    }
    return render(request, "collections_app/case_detail.html", context, status=status)


@require_POST
@login_required
@permission_required("collections_app.change_case", raise_exception=True)
def case_overdue_reason(request, public_id):
    case = case_get_for_user(user=request.user, public_id=public_id)
    form = OverdueReasonForm(request.POST, instance=case)
    if not form.is_valid():
        return _render_dossier(request, case, form, status=400)
    case_set_overdue_reason(
        case=case,
        reason=form.cleaned_data["overdue_reason"],
        note=form.cleaned_data["overdue_reason_note"],
        by=request.user,
    )
    messages.success(request, _("Overdue reason saved."))
    return redirect(case)


@require_GET
@login_required
def case_briefing(request, public_id):
    case = case_get_for_user(user=request.user, public_id=public_id)
    return render(
        request,
        "collections_app/case_briefing.html",
        {"case": case, **briefing_for_case(case=case)},
    )


@require_GET
@login_required
def borrower_detail(request, public_id):
    """A borrower's page is the dossier of their current (or latest) case."""
    borrower = borrower_get_for_user(user=request.user, public_id=public_id)
    return redirect(case_latest_for_borrower(user=request.user, borrower=borrower))


@require_POST
@login_required
@permission_required(REVEAL_PERMISSION, raise_exception=True)
def borrower_reveal(request, public_id):
    borrower = borrower_get_for_user(user=request.user, public_id=public_id)
    form = RevealForm(request.POST)
    template = (
        "collections_app/includes/_reveal.html"
        if request.htmx
        else "collections_app/borrower_reveal.html"
    )
    context = {"form": form, "borrower": borrower}
    field = request.POST.get("field")
    if field in REVEALABLE:
        # Also when the reveal fails: the value stays in place, masked, beside the error.
        context |= {"field": field, "masked_value": mask_field(field, getattr(borrower, field))}
    if not form.is_valid():
        return render(request, template, context, status=400)
    context["revealed"] = pii_reveal(user=request.user, borrower=borrower, **form.cleaned_data)
    return render(request, template, context)


def _credit_chart(profile: CreditProfile) -> dict:
    """What credit_profile.js draws, labels translated and months in the user's language."""
    return {
        "months": [formats.date_format(row.month, "YEAR_MONTH_FORMAT") for row in profile.months],
        "due": {"label": _("Due"), "data": [str(row.due) for row in profile.months]},
        "paid": {"label": _("Paid"), "data": [str(row.paid) for row in profile.months]},
    }
