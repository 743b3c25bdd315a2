"""Forms of the flag queue: the queue's filters, assigning, resolving, the statistics' period.

They check the shape of the input only; what a resolution needs (a root cause, a corrective
action) is the service's rule, and its errors come back onto these forms' fields.
"""

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from compliance.models import Flag
from compliance.models.checks import FindingSeverity
from compliance.selectors.flags import (
    ANY,
    RULE_CODES,
    UNRESOLVED,
    collectors,
    compliance_officers,
    teams,
)

TEXT_LIMIT = 4000
STATS_DEFAULT_DAYS = 90
STATS_MAX_DAYS = 5 * 366


class FlagQueueForm(forms.Form):
    """The queue's query string; an empty one means every flag not yet resolved."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Not resolved")),
            *Flag.Status.choices,
            (ANY, _("Any status")),
        ],
    )
    rule = forms.ChoiceField(
        label=_("Rule"),
        required=False,
        choices=[("", _("All rules")), *((code, code) for code in RULE_CODES)],
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=[("", _("All severities")), *FindingSeverity.choices],
    )
    collector = forms.ModelChoiceField(
        label=_("Collector"), queryset=None, required=False, empty_label=_("All collectors")
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        empty_label=_("All teams"),
    )
    older_than = forms.IntegerField(
        label=_("Older than (days)"), required=False, min_value=0, max_value=3650
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = collectors()
        self.fields["team"].queryset = teams()

    def filters(self, *, user) -> dict:
        """The chosen filters as keyword arguments of `flag_queue`."""
        data = self.cleaned_data
        return {
            "status": data["status"] or UNRESOLVED,
            "rule": data["rule"],
            "severity": data["severity"],
            "collector": data["collector"],
            "team": data["team"],
            "older_than_days": data["older_than"],
            "assigned_to": user if data["mine"] else None,
        }


class AssignForm(forms.Form):
    officer = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = compliance_officers()
        self.fields["officer"].label_from_instance = lambda u: u.get_full_name() or u.username


class InvestigateForm(forms.Form):
    """No fields: it carries the refusal when the flag cannot be taken into investigation."""


class ResolveForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("Disposition"), choices=[("", "---------"), *Flag.Disposition.choices]
    )
    root_cause = forms.CharField(
        label=_("Root cause"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why it happened. Not needed for a false positive."),
    )
    corrective_action = forms.CharField(
        label=_("Corrective action"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done about it. Required for a confirmed breach."),
    )


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )


class StatsPeriodForm(forms.Form):
    """`from` and `to` (local dates, both included); by default the last 90 days."""

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so the fields are added here rather than declared.
        self.fields["from"] = _date_field(_("From"))
        self.fields["to"] = _date_field(_("To"))
        self.today = today

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        end = data.get("to") or self.today
        start = data.get("from") or end - timedelta(days=STATS_DEFAULT_DAYS - 1)
        if start > end:
            raise ValidationError(_("The period starts after it ends."), code="reversed")
        if (end - start).days + 1 > STATS_MAX_DAYS:
            raise ValidationError(_("Choose a period of at most five years."), code="too_long")
        data["from"], data["to"] = start, end
        return data
