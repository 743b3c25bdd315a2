"""Plan and book a visit, see it, cancel or reschedule it, decide override requests."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collections_app.form_errors import add_service_errors
from collections_app.selectors import case_get_for_user
from compliance.display import finding_rows
from compliance.services.checks import compliance_check_plan
from compliance.services.packs import NoPackInForce
from visits.forms.planning import CancelForm, OverrideDecisionForm, PlanForm
from visits.forms.reports import ReviewForm
from visits.selectors import (
    override_get_for_user,
    pending_overrides_for_user,
    refused_attempts_for_case,
    visit_execution,
    visit_get_for_user,
    visit_page,
)
from visits.services.booking import visit_book, visit_cancel, visit_reschedule
from visits.services.overrides import ComplianceBlocked, override_approve, override_reject

from .evidence import evidence_panel
from .verdicts import verdict_context

BOOK = "visits.add_visit"
CHANGE = "visits.change_visit"
DECIDE = "compliance.change_override"


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(BOOK, raise_exception=True)
def visit_plan(request, public_id):
    case = case_get_for_user(user=request.user, public_id=public_id)
    form = PlanForm(
        request.POST or None, case=case, user=request.user, initial=PlanForm.initial_for(case=case)
    )
    result = _book(request, form, lambda **kw: visit_book(**kw))
    if result is not None and result.booked:
        return _booked(request, result)
    return _plan_page(request, form, case, result)


@require_POST
@login_required
@permission_required(BOOK, raise_exception=True)
def visit_verdict(request, public_id):
    """The live verdict panel (htmx): a dry run that records nothing."""
    case = case_get_for_user(user=request.user, public_id=public_id)
    form = PlanForm(request.POST, case=case, user=request.user)
    context = {"form": form, "case": case}
    if form.is_valid():
        try:
            outcome = compliance_check_plan(plan=form.plan(), now=timezone.now())
        except NoPackInForce as error:
            form.add_error(None, str(error))
        else:
            context.update(
                verdict_context(outcome.verdict, case.borrower.timezone, _duration(form))
            )
    return render(request, "visits/includes/_verdict.html", context)


@require_GET
@login_required
def visit_detail(request, public_id):
    visit = visit_get_for_user(user=request.user, public_id=public_id)
    context = visit_page(visit=visit, user=request.user)
    for check in context["checks"]:
        check.rows = finding_rows(check.findings.all())
    context.update(visit_execution(visit=visit))
    context.update(evidence_panel(visit=visit, user=request.user))
    context.update(
        cancel_form=CancelForm(),
        decision_form=OverrideDecisionForm(),
        review_form=ReviewForm(),
        is_member=any(m.collector_id == request.user.pk for m in context["members"]),
        can_review=visit.status == visit.Status.REPORTED
        and request.user.has_perm("visits.add_reportreview"),
    )
    return render(request, "visits/visit_detail.html", context)


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def visit_cancel_view(request, public_id):
    visit = visit_get_for_user(user=request.user, public_id=public_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            visit_cancel(
                visit=visit, by=request.user, now=timezone.now(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The visit is cancelled."))
    else:
        messages.error(request, _("Say why the visit is cancelled."))
    return redirect("visits:visit_detail", public_id=visit.public_id)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(CHANGE, raise_exception=True)
def visit_reschedule_view(request, public_id):
    visit = visit_get_for_user(user=request.user, public_id=public_id)
    case = visit.case
    form = PlanForm(
        request.POST or None,
        case=case,
        user=request.user,
        initial=PlanForm.initial_for(case=case, visit=visit),
    )
    result = _book(request, form, lambda **kw: visit_reschedule(visit=visit, **kw))
    if result is not None and result.booked:
        return _booked(request, result)
    return _plan_page(request, form, case, result, rescheduling=visit)


@require_GET
@login_required
@permission_required(DECIDE, raise_exception=True)
def override_list(request):
    overrides = pending_overrides_for_user(user=request.user)
    return render(
        request,
        "visits/override_list.html",
        {"overrides": overrides, "decision_form": OverrideDecisionForm()},
    )


@require_POST
@login_required
@permission_required(DECIDE, raise_exception=True)
def override_decide(request, public_id, decision):
    override = override_get_for_user(user=request.user, public_id=public_id)
    form = OverrideDecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    decide = override_approve if decision == "approve" else override_reject
    try:
        decide(override=override, by=request.user, now=timezone.now(), comment=comment)
    except ComplianceBlocked:
        messages.error(
            request, _("Not approved: the rules now block this visit. See the latest check.")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = _("Approved: the visit is booked.") if decision == "approve" else _("Rejected.")
        messages.success(request, done)
    return redirect("visits:visit_detail", public_id=override.visit.public_id)


def _book(request, form, book):
    """Run a booking service for a valid POSTed form; service field errors go on the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return book(
            plan=form.plan(),
            place=form.place(),
            by=request.user,
            now=timezone.now(),
            justification=form.cleaned_data["justification"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


def _booked(request, result):
    if result.visit.status == result.visit.Status.BOOKED:
        messages.success(request, _("Visit booked. The borrower is being notified."))
    else:
        messages.info(request, _("Visit awaiting a supervisor's approval."))
    return redirect("visits:visit_detail", public_id=result.visit.public_id)


def _plan_page(request, form, case, result, rescheduling=None):
    context = {
        "form": form,
        "case": case,
        "rescheduling": rescheduling,
        "refused_attempts": refused_attempts_for_case(case=case),
    }
    if result is not None:  # blocked: the refused verdict stays on screen
        context.update(verdict_context(result.verdict, case.borrower.timezone, _duration(form)))
        context["refused"] = True
    status = 200 if request.method == "GET" or form.is_valid() else 400
    return render(request, "visits/visit_plan.html", context, status=status)


def _duration(form):
    return form.cleaned_data["end"] - form.cleaned_data["start"]
