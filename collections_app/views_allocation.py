"""Supervisors' allocation, bulk reassignment and workload screens.

A role gate first (collectors, compliance and users without a role get 403: these are
supervisors' screens, DESIGN.md §1), then the team through `teams_for_user`, so another
team's page is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from .csv_download import csv_download, csv_refused
from .form_errors import add_service_errors
from .forms_allocation import ReassignFilterForm, ReassignForm, WorkloadForm
from .paging import page_without_count
from .roles import Role, role_of
from .selectors import teams_for_user
from .selectors_allocation import (
    collector_loads,
    team_open_cases,
    teams_with_unassigned,
    workload_for_teams,
)
from .services.allocation import allocate_cases, cases_reassign

ALLOCATION_ROLES = (Role.SUPERVISOR, Role.ADMIN)
WORKLOAD_ROLES = (Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN)
PREVIEW_ROWS = 100
CASES_PER_PAGE = 50


def _gate(request, roles) -> None:
    if role_of(request.user) not in roles:
        raise PermissionDenied


def _team(request, public_id):
    _gate(request, ALLOCATION_ROLES)
    return get_object_or_404(teams_for_user(user=request.user), public_id=public_id)


@require_GET
@login_required
def allocation_index(request):
    """The user's teams with their unassigned cases; straight to the team when there is one."""
    _gate(request, ALLOCATION_ROLES)
    teams = list(teams_with_unassigned(teams=teams_for_user(user=request.user)))
    if len(teams) == 1:
        return redirect("collections_app:allocation_team", public_id=teams[0].public_id)
    return render(request, "collections_app/allocation_index.html", {"teams": teams})


@require_GET
@login_required
def allocation_team(request, public_id):
    """Unassigned cases, collectors' load, and what "Allocate" would do (a dry run)."""
    team = _team(request, public_id)
    plan = allocate_cases(team=team, by=request.user, now=timezone.now(), dry_run=True)
    rows = [(p.case, p) for p in plan.placements] + [(c, None) for c in plan.unplaced]
    rows.sort(key=lambda row: (-row[0].expected_recovery, -row[0].overdue_amount, row[0].id))
    context = {
        "team": team,
        "plan": plan,
        "rows": rows[:PREVIEW_ROWS],
        "more": max(0, len(rows) - PREVIEW_ROWS),
    }
    return render(request, "collections_app/allocation_team.html", context)


@require_POST
@login_required
def allocation_run(request, public_id):
    team = _team(request, public_id)
    plan = allocate_cases(team=team, by=request.user, now=timezone.now())
    messages.success(request, plan.summary())
    return redirect("collections_app:allocation_team", public_id=team.public_id)


def _reassign_page(request, team, form, status=200):
    filter_form = ReassignFilterForm(request.GET, team=team)
    if not filter_form.is_valid():
        status = 400
        cases = team_open_cases(team=team).none()
    else:
        cases = filter_form.filter(team_open_cases(team=team))
    page = page_without_count(cases, request.GET.get("page"), CASES_PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "team": team,
        "form": form,
        "filter_form": filter_form,
        "page": page,
        "query": query.urlencode(),
        "loads": collector_loads(team=team),
        "selected": {str(v) for v in form.data.getlist("cases")} if form.is_bound else set(),
    }
    return render(request, "collections_app/allocation_reassign.html", context, status=status)


@require_GET
@login_required
def reassign(request, public_id):
    """The team's open cases with checkboxes (filter by holder), a target and a reason."""
    team = _team(request, public_id)
    return _reassign_page(request, team, ReassignForm(team=team))


@require_POST
@login_required
def reassign_submit(request, public_id):
    team = _team(request, public_id)
    form = ReassignForm(request.POST, team=team)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = cases_reassign(
                team=team,
                case_ids=[c.public_id for c in data["cases"]],
                collector=data["collector"],
                reason=data["reason"],
                by=request.user,
                now=timezone.now(),
                allow_over_capacity=data["confirm_over_capacity"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if not form.is_valid():
        return _reassign_page(request, team, form, status=400)
    text = ngettext(
        "%(count)s case reassigned to %(name)s (%(load)s of %(capacity)s cases).",
        "%(count)s cases reassigned to %(name)s (%(load)s of %(capacity)s cases).",
        result.moved,
    )
    name = result.collector.get_full_name() or result.collector.username
    values = {"count": result.moved, "name": name, "load": result.load}
    messages.success(request, text % {**values, "capacity": result.capacity})
    if result.over_capacity:
        messages.warning(request, _("%(name)s is now over capacity.") % {"name": name})
    return redirect("collections_app:allocation_reassign", public_id=team.public_id)


def _workload(request):
    _gate(request, WORKLOAD_ROLES)
    form = WorkloadForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None
    report = workload_for_teams(
        teams=form.teams(), today=timezone.localdate(), zone=timezone.get_current_timezone()
    )
    return form, report


@require_GET
@login_required
def workload(request):
    """Per collector: open cases vs capacity, money, this week's visits, reports waiting."""
    form, report = _workload(request)
    context = {"form": form, "report": report, "query": request.GET.urlencode()}
    return render(
        request, "collections_app/workload.html", context, status=400 if report is None else 200
    )


@require_GET
@login_required
def workload_csv(request):
    """The same rows as CSV."""
    form, report = _workload(request)
    if report is None:
        return csv_refused(form)
    header = [
        _("Team"),
        _("Employee number"),
        _("Collector"),
        _("District covered"),
        _("Open cases"),
        _("Capacity"),
        _("Overdue total (CNY)"),
        _("Expected recovery total (CNY)"),
        _("Visits booked this week"),
        _("Reports waiting for review"),
        _("Reports returned to fix"),
    ]
    return csv_download(
        filename=f"workload-{report.week_start:%Y%m%d}.csv",
        header=header,
        rows=(_workload_row(row) for row in report.rows),
    )


def _workload_row(row) -> list:
    profile = row.collector.staff_profile
    return [
        profile.team.name if profile.team else "",
        profile.employee_number,
        row.collector.get_full_name() or row.collector.username,
        profile.district,
        row.open_cases,
        profile.capacity,
        f"{row.overdue_total:.2f}",
        f"{row.expected_recovery_total:.2f}",
        row.visits_this_week,
        row.reports_waiting,
        row.reports_returned,
    ]
