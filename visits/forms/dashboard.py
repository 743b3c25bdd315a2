"""Query-string form of the team dashboard: the period (`from`, `to`), a team, a collector."""

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from collections_app.selectors import collectors_for_user, teams_for_user

DEFAULT_WEEKS = 8
MAX_DAYS = 53 * 7  # a year of weeks: the tables stay readable and the charts legible


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )


class DashboardForm(forms.Form):
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

    def __init__(self, *args, user, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so these two are added here rather than declared.
        self.fields["from"] = _date_field(_("From"))
        self.fields["to"] = _date_field(_("To"))
        self.order_fields(["from", "to", "team", "collector"])
        # Only what the user may see: a supervisor's own teams and their collectors.
        self.fields["team"].queryset = teams_for_user(user=user)
        self.fields["collector"].queryset = collectors_for_user(user=user)
        self.today = today

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("from"), data.get("to")
        # The last eight weeks up to this week's Sunday, or eight weeks from/to the one given.
        span = timedelta(weeks=DEFAULT_WEEKS) - timedelta(days=1)
        if start is None and end is None:
            end = self.today + timedelta(days=6 - self.today.weekday())
        if start is None:
            start = end - timedelta(days=end.weekday()) - span + timedelta(days=6)
        if end is None:
            end = start - timedelta(days=start.weekday()) + span
        if start > end:
            raise ValidationError(_("The period starts after it ends."), code="reversed")
        if (end - start).days + 1 > MAX_DAYS:
            raise ValidationError(
                _("Choose a period of at most %(weeks)d weeks.") % {"weeks": MAX_DAYS // 7},
                code="too_long",
            )
        data["from"], data["to"] = start, end
        return data

    def filters(self) -> dict:
        """The chosen period and filters as keyword arguments of the dashboard selector."""
        data = self.cleaned_data
        return {
            "start": data["from"],
            "end": data["to"],
            "team": data.get("team"),
            "collector": data.get("collector"),
        }
