"""Forms of the allocation, bulk reassignment, workload and notification screens."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import teams_for_user
from .selectors_allocation import team_collectors, team_open_cases

UNASSIGNED = "none"


class CollectorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.staff_profile.employee_number})"


class ReassignFilterForm(forms.Form):
    """Query string of the bulk reassignment list: whose cases to show."""

    holder = forms.ChoiceField(label=_("Held by"), required=False)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.collectors = list(team_collectors(team=team))
        self.fields["holder"].choices = [
            ("", _("Everyone")),
            (UNASSIGNED, _("Unassigned")),
            *[(str(c.pk), c.get_full_name() or c.username) for c in self.collectors],
        ]

    def filter(self, cases):
        holder = self.cleaned_data.get("holder")
        if holder == UNASSIGNED:
            return cases.filter(assigned_collector__isnull=True)
        if holder:
            return cases.filter(assigned_collector_id=int(holder))
        return cases


class ReassignForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases"),
        queryset=None,
        to_field_name="public_id",
        error_messages={"required": _("Select at least one case.")},
    )
    collector = CollectorChoiceField(
        label=_("Assign to"), queryset=None, empty_label=_("Choose a collector")
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Kept in each case's assignment history and sent to the collectors."),
    )
    confirm_over_capacity = forms.BooleanField(
        label=_("Reassign even if the collector goes over capacity"), required=False
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = team_open_cases(team=team)
        self.fields["collector"].queryset = team_collectors(team=team)


class WorkloadForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        empty_label=_("All teams"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_for_user(user=user)

    def teams(self):
        team = self.cleaned_data.get("team")
        queryset = self.fields["team"].queryset
        return queryset.filter(pk=team.pk) if team else queryset


class NotificationReadForm(forms.Form):
    """Mark one notification read (and follow its link), or all of them."""

    id = forms.IntegerField(required=False, min_value=1)
