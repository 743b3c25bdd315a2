from django import forms
from django.utils.translation import gettext_lazy as _

from compliance.models import PiiAccess

from .models import Case
from .services.pii import REVEALABLE


class OverdueReasonForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["overdue_reason", "overdue_reason_note"]
        widgets = {"overdue_reason_note": forms.Textarea(attrs={"rows": 3})}


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Field"),
        choices=[c for c in PiiAccess.Field.choices if c[0] in REVEALABLE],
    )
    reason = forms.CharField(
        label=_("Reason"),
        min_length=5,
        max_length=300,
        help_text=_("Why you need to see this in full. The access is logged."),
    )
