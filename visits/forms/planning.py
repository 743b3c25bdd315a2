"""The plan form (DESIGN.md §5 step 1): shape and single-field rules; the rules engine judges."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from collections_app.models import Address, Case, LocationType
from collections_app.roles import Role, role_of
from compliance.facts import VisitPlan
from visits.models import VisitTarget
from visits.services.booking import VisitPlace

# Location types visited at one of the borrower's addresses; the others at an agreed place.
AT_ADDRESS = {LocationType.HOME, LocationType.WORKPLACE}
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=LOCAL_INPUT, **kwargs)


class PlanForm(forms.Form):
    start = forms.DateTimeField(label=_("Start"), widget=LocalDateTimeInput())
    end = forms.DateTimeField(label=_("End"), widget=LocalDateTimeInput())
    location_type = forms.ChoiceField(label=_("Location type"), choices=LocationType.choices)
    address = forms.ModelChoiceField(
        label=_("Address"), queryset=Address.objects.none(), required=False
    )
    place_description = forms.CharField(
        label=_("Agreed place"),
        max_length=200,
        required=False,
        help_text=_("For an agreed place, hospital or public place: where exactly."),
    )
    lat = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
    )
    lng = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )
    target = forms.ChoiceField(label=_("Whom to meet"), choices=VisitTarget.choices)
    locate_only = forms.BooleanField(
        label=_("Locate only (no talk about the debt)"), required=False
    )
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )
    recorder = forms.BooleanField(label=_("Recording device carried"), required=False)
    members = forms.ModelMultipleChoiceField(
        label=_("Collectors going"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    justification = forms.CharField(
        label=_("Justification for a supervisor"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text=_("Needed only when the check asks for review."),
    )

    def __init__(self, *args, case: Case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        self.zone = ZoneInfo(case.borrower.timezone)
        self.fields["address"].queryset = Address.objects.filter(borrower=case.borrower)
        self.fields["address"].label_from_instance = _address_label
        self.fields["members"].queryset = team_collectors(case).exclude(pk=user.pk)
        self.fields["members"].label_from_instance = _collector_label
        self.fields["start"].help_text = _("Borrower's local time (%(zone)s).") % {
            "zone": case.borrower.timezone
        }

    def clean_start(self):
        return self._aware(self.cleaned_data["start"])

    def clean_end(self):
        return self._aware(self.cleaned_data["end"])

    def _aware(self, value: datetime) -> datetime:
        """Typed times are the borrower's wall-clock time, as the rules judge them."""
        return value.replace(tzinfo=self.zone) if value.tzinfo is None else value

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The visit must end after it starts."))
        kind = data.get("location_type")
        if kind in AT_ADDRESS and not data.get("address"):
            self.add_error("address", _("Choose one of the borrower's addresses."))
        if kind and kind not in AT_ADDRESS:
            if not data.get("place_description"):
                self.add_error("place_description", _("Say where the meeting is."))
            for field in ("lat", "lng"):
                if data.get(field) is None:
                    self.add_error(field, _("Give the place's coordinates."))
        return data

    def plan(self) -> VisitPlan:
        data = self.cleaned_data
        going = [self.user.pk] if role_of(self.user) is Role.COLLECTOR else []
        going += [member.pk for member in data["members"]]
        return VisitPlan(
            case=self.case,
            start=data["start"],
            end=data["end"],
            location_type=data["location_type"],
            target=data["target"],
            locate_only=data["locate_only"],
            purpose=data["purpose"].strip(),
            recorder=data["recorder"],
            collector_ids=tuple(going),
        )

    def place(self) -> VisitPlace:
        data = self.cleaned_data
        if data["location_type"] in AT_ADDRESS:
            return VisitPlace(address=data["address"])
        return VisitPlace(description=data["place_description"], lat=data["lat"], lng=data["lng"])

    @classmethod
    def initial_for(cls, *, case: Case, visit=None) -> dict:
        """A new plan: home address, the borrower; a reschedule: the visit as it was."""
        if visit is None:
            address = case.borrower.addresses.order_by("-is_primary", "id").first()
            return {
                "location_type": LocationType.HOME,
                "address": address,
                "target": VisitTarget.BORROWER,
                "recorder": True,
            }
        zone = ZoneInfo(case.borrower.timezone)
        return {
            "start": visit.planned_start.astimezone(zone).replace(tzinfo=None),
            "end": visit.planned_end.astimezone(zone).replace(tzinfo=None),
            "location_type": visit.location_type,
            "address": visit.address,
            "place_description": visit.place_description,
            "lat": visit.lat,
            "lng": visit.lng,
            "target": visit.target,
            "locate_only": visit.locate_only,
            "purpose": visit.purpose,
            "recorder": visit.recorder,
            "members": list(visit.members.all()),
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RescheduleReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the new time"), max_length=500)


class OverrideDecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def team_collectors(case: Case):
    """Members can only come from the case's team."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.COLLECTOR, staff_profile__team=case.team_id)
        .select_related("staff_profile")
        .order_by("staff_profile__employee_number")
    )


def _address_label(address: Address) -> str:
    return f"{address.get_kind_display()} · {address.district} {address.street}"


def _collector_label(user) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name} ({user.staff_profile.employee_number})"
