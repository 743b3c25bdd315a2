"""Query-string forms of the agenda and the team calendar: which day or week, whose visits."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from collections_app.selectors import collectors_for_user, teams_for_user

DAY, WEEK = "day", "week"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


class AgendaForm(forms.Form):
    day = forms.DateField(label=_("Day"), required=False, input_formats=["%Y-%m-%d"])
    view = forms.ChoiceField(
        label=_("View"), required=False, choices=[(DAY, _("Day")), (WEEK, _("Week"))]
    )

    def chosen(self, *, today: date) -> tuple[date, str]:
        """The day and view asked for; today and the day view where the input was bad."""
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("day") or today, data.get("view") or DAY


class TeamCalendarForm(forms.Form):
    week = forms.DateField(
        label=_("Week of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        empty_label=_("All teams"),
    )
    collector = forms.ModelChoiceField(
        label=_("Collector"), queryset=None, required=False, empty_label=_("All collectors")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what the user may see: a supervisor's own teams and their collectors.
        self.fields["team"].queryset = teams_for_user(user=user)
        self.fields["collector"].queryset = collectors_for_user(user=user)

    def chosen(self, *, today: date) -> dict:
        """The Monday of the week asked for and the valid filters (bad ones are dropped)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "monday": monday_of(data.get("week") or today),
            "team": data.get("team"),
            "collector": data.get("collector"),
        }
