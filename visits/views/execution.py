"""At the door and afterwards: start (check-in), check out, the report, the review queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collections_app.form_errors import add_service_errors
from visits.forms.reports import PositionForm, ReportForm, ReviewForm, schedule_text
from visits.selectors import reviews_for_user, visit_get_for_user
from visits.services.execution import Position, StartRefused, visit_check_out, visit_start
from visits.services.reports import plan_schedule, report_review, report_save, report_submit

PRESENCE = "visits.add_visitpresence"
REPORT = "visits.change_visitreport"
REVIEW = "visits.add_reportreview"


@require_POST
@login_required
@permission_required(PRESENCE, raise_exception=True)
def visit_start_view(request, public_id):
    visit = visit_get_for_user(user=request.user, public_id=public_id)
    try:
        visit_start(visit=visit, by=request.user, now=timezone.now(), position=_position(request))
    except StartRefused as refused:
        messages.error(
            request,
            _("The visit cannot start: %(reason)s Reschedule it instead.")
            % {"reason": refused.message},
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Checked in. The visit has started."))
    return redirect("visits:visit_detail", public_id=visit.public_id)


@require_POST
@login_required
@permission_required(PRESENCE, raise_exception=True)
def visit_check_out_view(request, public_id):
    visit = visit_get_for_user(user=request.user, public_id=public_id)
    try:
        visit_check_out(
            visit=visit, by=request.user, now=timezone.now(), position=_position(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Checked out. Now write the report."))
        return redirect("visits:visit_report", public_id=visit.public_id)
    return redirect("visits:visit_detail", public_id=visit.public_id)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(REPORT, raise_exception=True)
def visit_report(request, public_id):
    visit = visit_get_for_user(user=request.user, public_id=public_id)
    report = getattr(visit, "report", None)
    form = ReportForm(request.POST or None, instance=report, members=visit.members.all())
    action = request.POST.get("action", "save")
    if request.method == "POST" and form.is_valid():
        if action == "generate":
            return _with_generated_plan(request, visit, form)
        try:
            report_save(
                visit=visit,
                by=request.user,
                fields=form.report_fields(),
                present=list(form.cleaned_data["present"]),
            )
            if action == "submit":
                submission = report_submit(visit=visit, by=request.user, now=timezone.now())
                _submitted(request, submission)
                return redirect("visits:visit_detail", public_id=visit.public_id)
            messages.success(request, _("Draft saved."))
            return redirect("visits:visit_report", public_id=visit.public_id)
        except ValidationError as error:
            add_service_errors(form, error, rename={"plan_installments": "plan_schedule"})
    status = 400 if request.method == "POST" else 200
    return render(
        request, "visits/visit_report.html", {"visit": visit, "form": form}, status=status
    )


@require_GET
@login_required
@permission_required(REVIEW, raise_exception=True)
def review_queue(request):
    return render(
        request,
        "visits/review_queue.html",
        {"visits": reviews_for_user(user=request.user), "review_form": ReviewForm()},
    )


@require_POST
@login_required
@permission_required(REVIEW, raise_exception=True)
def visit_review(request, public_id, decision):
    visit = visit_get_for_user(user=request.user, public_id=public_id)
    form = ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        report_review(
            visit=visit,
            by=request.user,
            now=timezone.now(),
            approve=decision == "approve",
            comment=comment,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("visits:visit_detail", public_id=visit.public_id)
    messages.success(
        request, _("Report approved.") if decision == "approve" else _("Report returned.")
    )
    return redirect("visits:review_queue")


def _position(request) -> Position:
    form = PositionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["lat"] is None or form.cleaned_data["lng"] is None:
        problem = form.cleaned_data.get("problem") if form.is_valid() else ""
        return Position.missing(problem or "unavailable")
    data = form.cleaned_data
    return Position(lat=data["lat"], lng=data["lng"], accuracy_m=data["accuracy"])


def _with_generated_plan(request, visit, form):
    """Fill the instalment lines from total, count and first date, to be edited and saved."""
    data = form.cleaned_data
    post = request.POST.copy()
    try:
        rows = plan_schedule(
            total=data["plan_total"] or 0,
            count=data["plan_count"] or 0,
            first_due=data["plan_first_due"] or visit.planned_start.date(),
        )
        post["plan_schedule"] = schedule_text(rows)
    except ValidationError:
        form.add_error("plan_total", _("Give the plan's total and number of instalments."))
        return render(
            request, "visits/visit_report.html", {"visit": visit, "form": form}, status=400
        )
    form = ReportForm(post, instance=form.instance, members=visit.members.all())
    form.is_valid()
    return render(request, "visits/visit_report.html", {"visit": visit, "form": form})


def _submitted(request, submission) -> None:
    if submission.flags:
        rules = ", ".join(flag.rule for flag in submission.flags)
        messages.warning(
            request,
            _("Report submitted. Compliance was alerted: %(rules)s.") % {"rules": rules},
        )
    else:
        messages.success(request, _("Report submitted for review."))
