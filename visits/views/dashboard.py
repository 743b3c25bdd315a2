"""The supervisors' team dashboard (page with charts, and the same figures as CSV).

A role gate, not an object: collectors and users without a role get 403. What each figure
means is in `visits.selectors.dashboard`.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from collections_app.csv_download import csv_download, csv_refused
from collections_app.roles import Role, role_of
from compliance.models import Override
from visits.forms.dashboard import DashboardForm
from visits.models import Outcome
from visits.selectors import team_dashboard_for_user
from visits.selectors.dashboard import OUTCOMES, OVERRIDE_STATUSES, Dashboard, Figures

DASHBOARD_ROLES = (Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN)
TEMPLATE = "visits/dashboard/team_dashboard.html"


def _dashboard(request) -> tuple[DashboardForm, Dashboard | None]:
    """Authorise, read the filters, and count; no figures when the filters are bad."""
    if role_of(request.user) not in DASHBOARD_ROLES:
        raise PermissionDenied
    today = timezone.localdate()
    form = DashboardForm(request.GET, user=request.user, today=today)
    if not form.is_valid():
        return form, None
    dashboard = team_dashboard_for_user(
        user=request.user, zone=timezone.get_current_timezone(), today=today, **form.filters()
    )
    return form, dashboard


@require_GET
@login_required
def team_dashboard(request):
    """Summary cards, by-week and by-collector tables, charts (drawn by dashboard.js)."""
    form, dashboard = _dashboard(request)
    if dashboard is None:
        return render(request, TEMPLATE, {"form": form}, status=400)
    context = {"form": form, "dashboard": dashboard, "chart": _chart_data(dashboard)}
    context |= {"outcome_labels": list(zip(OUTCOMES, Outcome.labels, strict=True))}
    context |= {"query": request.GET.urlencode()}
    return render(request, TEMPLATE, context)


@require_GET
@login_required
def team_dashboard_csv(request):
    """The by-collector-and-week rows."""
    form, dashboard = _dashboard(request)
    if dashboard is None:
        return csv_refused(form)
    return csv_download(
        filename=f"team-dashboard-{dashboard.start:%Y%m%d}-{dashboard.end:%Y%m%d}.csv",
        header=csv_header(),
        rows=(csv_row(row) for row in dashboard.collector_weeks),
    )


def csv_header() -> list[str]:
    return [
        _("Week"),
        _("Week starting"),
        _("Employee number"),
        _("Collector"),
        _("Team"),
        *_figure_headers(),
    ]


def _figure_headers() -> list[str]:
    return [
        _("Planned"),
        _("Done"),
        _("Cancelled or rescheduled"),
        *[str(label) for label in Outcome.labels],
        _("Promises made"),
        _("Promises due"),
        _("Promises kept"),
        _("Kept rate (%)"),
        _("Promised (CNY)"),
        _("Paid towards promises (CNY)"),
        _("Paid at the visit (CNY)"),
        _("Flags"),
        _("Flags per 100 visits"),
        *[
            _("Override requests: %(status)s") % {"status": Override.Status(status).label}
            for status in OVERRIDE_STATUSES
        ],
    ]


def csv_row(row) -> list:
    profile = getattr(row.collector, "staff_profile", None)
    team = profile.team.name if profile and profile.team else ""
    person = row.collector.get_full_name() or row.collector.username
    employee = profile.employee_number if profile else ""
    return [row.week.label, f"{row.week.week:%Y-%m-%d}", employee, person, team] + _figure_cells(
        row.figures
    )


def _figure_cells(figures: Figures) -> list:
    return [
        figures.planned,
        figures.done,
        figures.cancelled,
        *[figures.outcomes[outcome] for outcome in OUTCOMES],
        figures.promises_made,
        figures.promises_due,
        figures.promises_kept,
        "" if figures.kept_rate is None else figures.kept_rate,
        f"{figures.promised:.2f}",
        f"{figures.paid_on_promises:.2f}",
        f"{figures.paid_at_visit:.2f}",
        figures.flags,
        "" if figures.flags_per_100 is None else figures.flags_per_100,
        *[figures.overrides[status] for status in OVERRIDE_STATUSES],
    ]


def _chart_data(dashboard: Dashboard) -> dict:
    """What dashboard.js draws, labels already translated (embedded with json_script)."""
    weeks = dashboard.weeks
    totals = dashboard.totals
    return {
        "weeks": [row.label for row in weeks],
        "visits": [
            {"label": _("Done"), "data": [row.figures.done for row in weeks]},
            {
                "label": _("Cancelled or rescheduled"),
                "data": [row.figures.cancelled for row in weeks],
            },
            {"label": _("Not done yet"), "data": [row.figures.still_planned for row in weeks]},
        ],
        "outcomes": {
            "labels": [str(label) for label in Outcome.labels],
            "data": [totals.outcomes[outcome] for outcome in OUTCOMES],
            "label": _("Done visits"),
        },
        "money": [
            {"label": _("Promised"), "data": [str(row.figures.promised) for row in weeks]},
            {
                "label": _("Paid towards promises"),
                "data": [str(row.figures.paid_on_promises) for row in weeks],
            },
            {
                "label": _("Paid at the visit"),
                "data": [str(row.figures.paid_at_visit) for row in weeks],
            },
        ],
    }
