"""Query-string forms of the audit pages: the audit event filters and the PII access log's.

Times and dates are read in the viewer's zone (the middleware activates it). Bad values are
field errors (the view answers 400), never exceptions: a year the database cannot hold and
reversed ranges included. `before` / `after` are the keyset cursors of the pager.
"""

from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models import PiiAccess

# Nothing in the log is older or newer; outside this range a time could not even be
# converted to UTC for the query.
MIN_YEAR, MAX_YEAR = 2000, 2100
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=LOCAL_INPUT, **kwargs)


def _in_range(value):
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(
            _("Enter a date between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR},
            code="out_of_range",
        )


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=LocalDateTimeInput(),
        validators=[_in_range],
        error_messages={"invalid": _("Enter a date and time as YYYY-MM-DD HH:MM.")},
    )


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[_in_range],
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class CursorForm(forms.Form):
    """The pager's cursors: an id to read before or after (`keyset_page`)."""

    before = forms.IntegerField(
        label=_("Page"), required=False, min_value=1, widget=forms.HiddenInput
    )
    after = forms.IntegerField(
        label=_("Page"), required=False, min_value=1, widget=forms.HiddenInput
    )

    def clean(self):
        data = super().clean()
        if data.get("before") and data.get("after"):
            raise ValidationError(_("Use one page cursor, not two."), code="two_cursors")
        return data

    def cursor(self) -> dict:
        return {"before": self.cleaned_data.get("before"), "after": self.cleaned_data.get("after")}


class _RangeForm(CursorForm):
    """Cursors plus a "from"/"to" range of the kind `range_field` makes."""

    range_field = staticmethod(_datetime_field)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so the range fields are added here, not declared.
        self.fields["from"] = self.range_field(_("From"))
        self.fields["to"] = self.range_field(_("To"))

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start is not None and end is not None and start > end:
            self.add_error("to", ValidationError(_("This is before “From”."), code="reversed"))
        return data

    @property
    def filter_fields(self) -> list:
        """The fields a person fills in (the cursors ride along in the page links)."""
        return [field for field in self if not field.is_hidden]


class AuditEventFilterForm(_RangeForm):
    actor = forms.CharField(label=_("Actor (username)"), max_length=150, required=False)
    action = forms.CharField(
        label=_("Action"),
        max_length=64,
        required=False,
        help_text=_("The start of the action, e.g. “visit.”"),
    )
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), max_length=64, required=False)

    def __init__(self, *args, object_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [
            ("", _("Any type")),
            *((name, name) for name in object_types),
        ]

    def filters(self) -> dict:
        """Keyword arguments of `audit_event_list`: "to" counts to the end of its minute."""
        data = self.cleaned_data
        end = data.get("to")
        return {
            "actor": data.get("actor", "").strip(),
            "action": data.get("action", "").strip(),
            "object_type": data.get("object_type", ""),
            "object_id": data.get("object_id", "").strip(),
            "start": data.get("from"),
            "end": end.replace(second=0, microsecond=0) + timedelta(minutes=1) if end else None,
        }


class PiiAccessFilterForm(_RangeForm):
    user = forms.CharField(label=_("User (username)"), max_length=150, required=False)
    field = forms.ChoiceField(
        label=_("Field"),
        required=False,
        choices=[("", _("Any field")), *PiiAccess.Field.choices],
    )
    customer_number = forms.CharField(label=_("Customer number"), max_length=32, required=False)
    range_field = staticmethod(_date_field)

    def filters(self) -> dict:
        """Keyword arguments of `pii_access_list`: whole days in the viewer's zone."""
        data = self.cleaned_data
        start, end = data.get("from"), data.get("to")
        return {
            "user": data.get("user", "").strip(),
            "field": data.get("field", ""),
            "customer_number": data.get("customer_number", "").strip(),
            "start": _start_of_day(start) if start else None,
            "end": _start_of_day(end + timedelta(days=1)) if end else None,
        }

    def described(self) -> dict:
        """The filters as typed, for the export's audit event (dates as ISO strings)."""
        data = self.cleaned_data
        named = {name: data.get(name) for name in ("user", "field", "customer_number")}
        named |= {name: data[name].isoformat() for name in ("from", "to") if data.get(name)}
        return {name: value for name, value in named.items() if value}
