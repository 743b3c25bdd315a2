"""Forms at the door and afterwards: the browser's position, the report, the review."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from visits.models import VisitPresence, VisitReport
from visits.models.reports import CHECKLIST_FIELDS

YES_NO_NA = ("consent_to_enter", "left_when_asked")
NULLABLE_CHOICES = [("", _("Not applicable")), ("true", _("Yes")), ("false", _("No"))]


class PositionForm(forms.Form):
    """Filled by static/js/presence.js from navigator.geolocation; all optional."""

    lat = forms.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )
    lng = forms.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False
    )
    accuracy = forms.IntegerField(min_value=0, max_value=100_000, required=False)
    # "purged" is the retention command's to set, never a browser's.
    problem = forms.ChoiceField(
        choices=[c for c in VisitPresence.Problem.choices if c[0] != "purged"], required=False
    )


class ReportForm(forms.ModelForm):
    present = forms.ModelMultipleChoiceField(
        label=_("Collectors present"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    consent_to_enter = forms.TypedChoiceField(
        label=_("Consent to enter"),
        choices=NULLABLE_CHOICES,
        coerce=lambda v: v == "true",
        empty_value=None,
        required=False,
    )
    left_when_asked = forms.TypedChoiceField(
        label=_("Left when asked to"),
        choices=NULLABLE_CHOICES,
        coerce=lambda v: v == "true",
        empty_value=None,
        required=False,
    )
    plan_total = forms.DecimalField(
        label=_("Plan total"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )
    plan_count = forms.IntegerField(
        label=_("Number of instalments"), min_value=1, max_value=60, required=False
    )
    plan_first_due = forms.DateField(
        label=_("First instalment due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    plan_schedule = forms.CharField(
        label=_("Instalments (one per line: date amount)"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2027-01-15 500.00"}),
        required=False,
    )

    class Meta:
        model = VisitReport
        fields = [
            "outcome",
            *CHECKLIST_FIELDS,
            "notes",
            "amount_paid",
            "receipt_number",
            "promise_amount",
            "promise_due_on",
            "vulnerability_observed",
            "vulnerability_note",
            "complaint_category",
            "complaint_text",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "complaint_text": forms.Textarea(attrs={"rows": 2}),
            "promise_due_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = members
        self.fields["present"].label_from_instance = lambda u: u.get_full_name() or u.username
        if self.instance.pk:
            self.initial.setdefault("present", list(self.instance.present.all()))
            self.initial.setdefault("plan_schedule", schedule_text(self.instance.plan_installments))

    @property
    def checklist(self) -> list:
        """The yes/no conduct questions (the two that may not apply are asked apart)."""
        return [self[name] for name in CHECKLIST_FIELDS if name not in YES_NO_NA]

    def clean_plan_schedule(self) -> list[dict]:
        """Lines of `YYYY-MM-DD amount` into the stored rows; each bad line named."""
        rows = []
        for number, line in enumerate(self.cleaned_data["plan_schedule"].splitlines(), start=1):
            if not line.strip():
                continue
            try:
                day, amount = line.split()
                rows.append(
                    {"due_on": date.fromisoformat(day).isoformat(), "amount": str(Decimal(amount))}
                )
            except (ValueError, InvalidOperation):
                raise forms.ValidationError(
                    _("Line %(n)d: write a date and an amount, e.g. 2027-01-15 500.00.")
                    % {"n": number}
                ) from None
        return rows

    def report_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("present")
        for name in ("plan_total", "plan_count", "plan_first_due"):
            data.pop(name)
        data["plan_installments"] = data.pop("plan_schedule")
        return data


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def schedule_text(rows: list[dict]) -> str:
    return "\n".join(f"{row['due_on']} {row['amount']}" for row in rows or [])
