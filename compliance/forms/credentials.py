"""Forms of the credentials registry: its filters, add / edit / revoke, the CSV upload.

They check the shape of the input only; which case a letter may name, that a certification
has a code and that validity ends after it starts are the service's rules, whose errors come
back onto these fields.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from collections_app.models import Case, Team
from compliance.models import Credential
from compliance.selectors.credentials import CredentialStatus, collector_profiles

UPLOAD_MAX_BYTES = 2 * 1024 * 1024
REASON_LIMIT = 500
ISO = ["%Y-%m-%d"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RegistryFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.order_by("name"),
        to_field_name="public_id",
        required=False,
        empty_label=_("All teams"),
    )
    kind = forms.ChoiceField(
        label=_("Document"),
        choices=[("", _("All documents")), *Credential.Kind.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *CredentialStatus.choices],
        required=False,
    )

    def filters(self) -> dict:
        """Selector arguments; nothing filters when the query string is invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "team": data["team"],
            "kind": data["kind"] or None,
            "status": data.get("status") or None,
        }


class ExpiringFilterForm(RegistryFilterForm):
    status = None  # every row is "expiring"

    def filters(self) -> dict:
        filters = super().filters()
        filters.pop("status", None)
        return filters


class CredentialFieldsForm(forms.Form):
    """What can be corrected on a credential."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        required=False,
        help_text=_("For a certification: the code the rule packs ask for, e.g. IIBF."),
    )
    number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    case = forms.ModelChoiceField(
        label=_("Case (public id)"),
        queryset=Case.objects.all(),
        to_field_name="public_id",
        required=False,
        widget=forms.TextInput,
        help_text=_("Only for an authorization letter for one case; empty for a general one."),
        error_messages={"invalid_choice": _("No case has this public id.")},
    )
    # ISO only, as the date picker sends it: 01/02/2026 is ambiguous.
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput(), input_formats=ISO)
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=DateInput(),
        input_formats=ISO,
        help_text=_("The last valid day."),
    )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in CredentialFieldsForm.base_fields}


class CredentialAddForm(CredentialFieldsForm):
    collector = forms.ModelChoiceField(
        label=_("Collector"),
        queryset=collector_profiles(),
        to_field_name="employee_number",
        error_messages={"invalid_choice": _("Not a collector's employee number.")},
    )
    kind = forms.ChoiceField(label=_("Document"), choices=Credential.Kind.choices)

    field_order = ["collector", "kind", "code", "number", "case", "valid_from", "valid_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].label_from_instance = _collector_label

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return super().service_kwargs() | {
            "collector": data["collector"].user,
            "kind": data["kind"],
        }


def _collector_label(profile) -> str:
    name = profile.user.get_full_name() or profile.user.get_username()
    team = f" · {profile.team.name}" if profile.team else ""
    return f"{profile.employee_number} {name}{team}"


class CredentialEditForm(CredentialFieldsForm):
    @classmethod
    def initial_for(cls, credential: Credential) -> dict:
        return {name: getattr(credential, name) for name in cls.base_fields}


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it revoked?"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log. No borrower's personal data."),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        allow_empty_file=True,  # the import names an empty file like any other problem
    )
    dry_run = forms.BooleanField(
        label=_("Check only: add nothing"),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": UPLOAD_MAX_BYTES // 1024 // 1024}
            )
        return upload
