"""The collector's agenda (day with route, or week) and the supervisors' team calendar."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from collections_app.roles import Role, role_of
from visits.forms.agenda import WEEK, AgendaForm, TeamCalendarForm, monday_of
from visits.selectors import WEEK_DAYS, agenda_for_user, team_calendar_for_user

VIEW = "visits.view_visit"
CALENDAR_ROLES = (Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN)


@require_GET
@login_required
@permission_required(VIEW, raise_exception=True)
def agenda(request):
    """The visits the user goes on: one day (with the day route) or the week from Monday."""
    form = AgendaForm(request.GET)
    day, view = form.chosen(today=timezone.localdate())
    first, days = (monday_of(day), WEEK_DAYS) if view == WEEK else (day, 1)
    context = agenda_for_user(
        user=request.user, first=first, days=days, zone=timezone.get_current_timezone()
    )
    step = timedelta(days=days)
    context |= {"form": form, "day": day, "first": first, "view": view}
    context |= {"previous": first - step, "next": first + step, "today": timezone.localdate()}
    template = "visits/agenda/agenda_week.html" if view == WEEK else "visits/agenda/agenda_day.html"
    return render(request, template, context, status=400 if form.errors else 200)


@require_GET
@login_required
def team_calendar(request):
    """A week of the visits of the collectors the user oversees (a role gate, so 403)."""
    if role_of(request.user) not in CALENDAR_ROLES:
        raise PermissionDenied
    form = TeamCalendarForm(request.GET, user=request.user)
    chosen = form.chosen(today=timezone.localdate())
    choices = list(_collectors(form, team=chosen["team"]))
    picked = chosen["collector"]
    calendar = team_calendar_for_user(
        user=request.user,
        collectors=[c for c in choices if picked is None or c.pk == picked.pk],
        first=chosen["monday"],
        days=WEEK_DAYS,
        zone=timezone.get_current_timezone(),
    )
    week = timedelta(days=WEEK_DAYS)
    context = {"form": form, "calendar": calendar, "collector_choices": choices, **chosen}
    context |= {"previous": chosen["monday"] - week, "next": chosen["monday"] + week}
    context |= {"today": timezone.localdate(), "filters": _filters(chosen)}
    status = 400 if form.errors else 200
    return render(request, "visits/agenda/team_calendar.html", context, status=status)


def _collectors(form: TeamCalendarForm, *, team):
    """The collectors in scope (of `team` when one is chosen), each with their team."""
    collectors = form.fields["collector"].queryset.select_related("staff_profile__team")
    return collectors if team is None else collectors.filter(staff_profile__team=team)


def _filters(chosen: dict) -> str:
    """The chosen team and collector as a query-string tail for the week links."""
    params = {}
    if chosen["team"] is not None:
        params["team"] = chosen["team"].public_id
    if chosen["collector"] is not None:
        params["collector"] = chosen["collector"].pk
    return "&" + urlencode(params) if params else ""
