"""The borrower's answer on the notice link page: the shape of the input only.

Whether the times are in the future, how many there may be and whether the visit can still be
answered are the service's rules (visits.services.responses); its errors come back here.
Times are read in the zone that is active while the form is validated (the view activates
the borrower's).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from visits.models import ResponseKind
from visits.services.responses import MAX_PROPOSED_TIMES, MESSAGE_MAX_LENGTH

# Worded for the borrower; the model's labels are the staff's.
KIND_CHOICES = [
    (ResponseKind.ACKNOWLEDGE, _("I have read this and the time is fine")),
    (ResponseKind.PROPOSE_TIMES, _("Please come at another time")),
    (ResponseKind.CALL_INSTEAD, _("Please phone me instead of visiting")),
    (ResponseKind.DISPUTE, _("I dispute this debt")),
    (ResponseKind.HARDSHIP, _("I am in financial hardship")),
]
TIME_FIELDS = ("proposed_1", "proposed_2", "proposed_3")
assert len(TIME_FIELDS) == MAX_PROPOSED_TIMES
TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _time_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=TIME_FORMAT),
    )


class BorrowerAnswerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Your answer"), choices=KIND_CHOICES, widget=forms.RadioSelect)
    proposed_1 = _time_field(_("First choice"))
    proposed_2 = _time_field(_("Second choice"))
    proposed_3 = _time_field(_("Third choice"))
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Please do not write ID or account numbers here."),
    )

    def __init__(self, *args, earliest=None, **kwargs):
        super().__init__(*args, **kwargs)
        if earliest is not None:
            # A hint for the phone's date picker; the service is what enforces it.
            for name in TIME_FIELDS:
                self.fields[name].widget.attrs["min"] = earliest.strftime(TIME_FORMAT)

    @property
    def proposed_times(self) -> list:
        return [self.cleaned_data[n] for n in TIME_FIELDS if self.cleaned_data.get(n)]

    def add_service_error(self, error: ValidationError) -> None:
        """Show the service's errors: `proposed_times` on the first time field, others by
        name, and errors without a field above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            target = TIME_FIELDS[0] if field == "proposed_times" else field
            self.add_error(target if target in self.fields else None, errors)
