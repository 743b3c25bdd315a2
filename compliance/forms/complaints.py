"""Forms of the complaint register: its filters, recording a complaint, and the assign, extend
and close actions.

They check the shape of the input only; what the clock allows (an extension, a date of receipt)
is the service's rule, and its errors come back onto these forms.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from collections_app.models import Borrower
from compliance.models import Complaint
from compliance.selectors.complaints import OVERDUE, SOON, UNASSIGNED, complaint_handlers

TEXT_LIMIT = 4000
# Complaints from a visit report or the notice link are recorded by those flows.
RECORDED_HERE = [
    (value, label)
    for value, label in Complaint.Channel.choices
    if value not in (Complaint.Channel.VISIT, Complaint.Channel.NOTICE_LINK)
]


def _officer_label(user) -> str:
    return user.get_full_name() or user.username


class ComplaintFilterForm(forms.Form):
    """The register's query string; an empty one means every complaint."""

    due = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[
            ("", _("Any deadline")),
            (SOON, _("Due within 3 days")),
            (OVERDUE, _("Overdue")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Complaint.Status.choices],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *Complaint.Category.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Complaint.Channel.choices],
    )
    handler = forms.ChoiceField(label=_("Handler"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].choices = [
            ("", _("Anyone")),
            (UNASSIGNED, _("Nobody yet")),
            *((str(user.pk), _officer_label(user)) for user in complaint_handlers()),
        ]


class ComplaintRecordForm(forms.Form):
    """A complaint received by phone, letter, e-mail, at a branch or through the regulator."""

    customer_number = forms.ModelChoiceField(
        label=_("Customer number"),
        queryset=Borrower.objects.all(),
        to_field_name="customer_number",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid_choice": _("No borrower has this customer number.")},
    )
    channel = forms.ChoiceField(label=_("Received by"), choices=RECORDED_HERE)
    category = forms.ChoiceField(label=_("Category"), choices=Complaint.Category.choices)
    received_at = forms.DateTimeField(
        label=_("Received at"),
        help_text=_("In your time zone. The deadline counts from the borrower's local day."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    description = forms.CharField(
        label=_("What the borrower says"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ComplaintAssignForm(forms.Form):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = complaint_handlers()
        self.fields["handler"].label_from_instance = _officer_label


class ComplaintExtendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the extension"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ComplaintCloseForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        help_text=_("What was decided and how the borrower was told."),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
