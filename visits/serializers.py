"""JSON in and out of the visits API (visits/api.py).

In: DRF serializers check the shape of a booking or a cancellation and resolve references
within the caller's scope (the case through its selector, so out of scope is 404); the
compliance rules are the booking service's business, not theirs.

Out: `visit_json` writes a visit for the API. Every date-time is ISO 8601 in the borrower's
own zone with its offset (the zone the rules judge the visit in, so "ends at 22:30 local
time" in a verdict matches the times beside it); borrower names are masked.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from collections_app.mask import mask_name
from collections_app.models import Address, Case
from collections_app.models.borrowers import AddressKind, LocationType
from collections_app.roles import Role, role_of
from collections_app.selectors import case_get_for_user
from compliance.facts import VisitPlan
from visits.models import Visit, VisitTarget

from .services.booking import VisitPlace

# Where a visit goes: one of the borrower's addresses, or a place described by the caller.
AT_ADDRESS = {LocationType.HOME: AddressKind.HOME, LocationType.WORKPLACE: AddressKind.WORK}
AT_PLACE = (LocationType.AGREED_PLACE, LocationType.PUBLIC_PLACE, LocationType.HOSPITAL)
MICRODEGREE = Decimal("0.000001")


class StrictSerializer(serializers.Serializer):
    """Rejects keys it does not know, so a misspelt field is named rather than ignored."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and (unknown := sorted(set(data) - set(self.fields))):
            raise serializers.ValidationError({unknown[0]: [_("Unknown field.")]})
        return super().to_internal_value(data)


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset; a naive time is refused rather than guessed."""

    default_error_messages = {
        "naive": gettext_lazy("Give the time with its UTC offset, e.g. 2026-12-02T10:00:00+08:00.")
    }

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class CoordinateField(serializers.DecimalField):
    """Degrees, rounded to the model's six places rather than refused: phones send long
    floats (25.0480012345)."""

    def __init__(self, limit: int):
        super().__init__(
            max_digits=9,
            decimal_places=6,
            rounding=ROUND_HALF_EVEN,
            min_value=Decimal(-limit),
            max_value=Decimal(limit),
        )

    def validate_precision(self, value: Decimal) -> Decimal:
        if value.adjusted() < 3:  # a plausible number of degrees: round before counting
            value = value.quantize(MICRODEGREE, rounding=ROUND_HALF_EVEN)
        return super().validate_precision(value)


class PlaceSerializer(StrictSerializer):
    description = serializers.CharField(max_length=200)
    lat = CoordinateField(90)
    lng = CoordinateField(180)


class VisitBookSerializer(StrictSerializer):
    """A booking request. Context: `user` (the caller). `case` is resolved in their scope."""

    case = serializers.UUIDField()
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    location_type = serializers.ChoiceField(choices=LocationType.choices)
    # The borrower's address of this kind (their primary one first): addresses have no
    # public id, and database ids do not leave the server.
    address = serializers.ChoiceField(choices=AddressKind.choices, required=False)
    place = PlaceSerializer(required=False)
    target = serializers.ChoiceField(choices=VisitTarget.choices, default=VisitTarget.BORROWER)
    locate_only = serializers.BooleanField(default=False)
    purpose = serializers.CharField(allow_blank=True, default="", max_length=2000)
    recorder = serializers.BooleanField(default=False)
    # Usernames of collectors of the case's team; the caller goes too if a collector.
    collectors = serializers.ListField(
        child=serializers.CharField(max_length=150), default=list, max_length=10
    )
    justification = serializers.CharField(allow_blank=True, default="", max_length=2000)

    def validate_case(self, value) -> Case:
        # Out of scope answers 404 (Http404 passes through validation), never a 400.
        return case_get_for_user(user=self.context["user"], public_id=value)

    def validate(self, attrs: dict) -> dict:
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": _("The visit must end after it starts.")})
        attrs["address"] = self._address(attrs)
        if attrs["location_type"] in AT_PLACE and "place" not in attrs:
            raise serializers.ValidationError(
                {"place": _("Describe the place, with its coordinates.")}
            )
        if attrs["location_type"] not in AT_PLACE and "place" in attrs:
            raise serializers.ValidationError(
                {"place": _("Home and workplace visits go to an address on file; give `address`.")}
            )
        attrs["collector_ids"] = self._collector_ids(attrs["case"], attrs["collectors"])
        return attrs

    def _address(self, attrs: dict) -> Address | None:
        kind = attrs.get("address")
        wanted = AT_ADDRESS.get(attrs["location_type"])
        if wanted is None:
            if kind is not None:
                raise serializers.ValidationError(
                    {"address": _("Only home and workplace visits go to an address on file.")}
                )
            return None
        if kind is None:
            raise serializers.ValidationError(
                {
                    "address": _("Say which of the borrower's addresses (e.g. “%(kind)s”).")
                    % {"kind": wanted.value}
                }
            )
        address = (
            Address.objects.filter(borrower_id=attrs["case"].borrower_id, kind=kind)
            .order_by("-is_primary", "id")
            .first()
        )
        if address is None:
            raise serializers.ValidationError(
                {"address": _("The borrower has no address of this kind on file.")}
            )
        return address

    def _collector_ids(self, case: Case, usernames: list[str]) -> tuple[int, ...]:
        user = self.context["user"]
        caller = (user.pk,) if role_of(user) is Role.COLLECTOR else ()
        if caller:  # going anyway: naming oneself is no error
            usernames = [name for name in usernames if name != user.get_username()]
        wanted = list(dict.fromkeys(usernames))
        found = dict(
            get_user_model()
            .objects.filter(
                username__in=wanted,
                groups__name=Role.COLLECTOR,
                staff_profile__team__isnull=False,
                staff_profile__team=case.team_id,
            )
            .values_list("username", "pk")
        )
        if missing := [name for name in wanted if name not in found]:
            raise serializers.ValidationError(
                {
                    "collectors": _("Not a collector of the case's team: %(names)s.")
                    % {"names": ", ".join(missing)}
                }
            )
        return caller + tuple(found[name] for name in wanted)

    def to_plan(self) -> VisitPlan:
        data = self.validated_data
        return VisitPlan(
            case=data["case"],
            start=data["start"],
            end=data["end"],
            location_type=data["location_type"],
            target=data["target"],
            locate_only=data["locate_only"],
            purpose=data["purpose"].strip(),
            recorder=data["recorder"],
            collector_ids=data["collector_ids"],
        )

    def to_place(self) -> VisitPlace:
        if self.validated_data["address"] is not None:
            return VisitPlace(address=self.validated_data["address"])
        place = self.validated_data["place"]
        return VisitPlace(description=place["description"], lat=place["lat"], lng=place["lng"])


class VisitCancelSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500)  # Visit.cancel_reason


# Out


def _local(value: datetime | None, zone: ZoneInfo) -> str | None:
    return None if value is None else value.astimezone(zone).isoformat()


def visit_json(visit: Visit) -> dict:
    """A visit as the API shows it (members with their staff profile and notices prefetched:
    see visits.api.with_details)."""
    zone = ZoneInfo(visit.borrower.timezone)
    return {
        "id": str(visit.public_id),
        "case": str(visit.case.public_id),
        "borrower": {"id": str(visit.borrower.public_id), "name": mask_name(visit.borrower.name)},
        "status": visit.status,
        "planned_start": _local(visit.planned_start, zone),
        "planned_end": _local(visit.planned_end, zone),
        "timezone": visit.borrower.timezone,
        "location_type": visit.location_type,
        **_where(visit),
        "target": visit.target,
        "locate_only": visit.locate_only,
        "purpose": visit.purpose,
        "recorder": visit.recorder,
        "collectors": [_collector(member.collector) for member in visit.memberships.all()],
        "notices": [_notice(notice, zone) for notice in visit.notices.all()],
        "cancel_reason": visit.cancel_reason,
    }


def _where(visit: Visit) -> dict:
    if visit.address is not None:
        # The district only: the street is in the dossier, for those who need it.
        address = {"kind": visit.address.kind, "district": visit.address.district}
        return {"address": address, "place": None}
    coordinate = {
        name: None if value is None else str(value)
        for name, value in (("lat", visit.lat), ("lng", visit.lng))
    }
    return {"address": None, "place": {"description": visit.place_description, **coordinate}}


def _collector(user) -> dict:
    profile = getattr(user, "staff_profile", None)  # None when the user has no profile
    return {
        "username": user.get_username(),
        "employee_number": profile.employee_number if profile else None,
    }


def _notice(notice, zone: ZoneInfo) -> dict:
    return {
        "channel": notice.channel,
        "kind": notice.kind,
        "status": notice.status,
        "sent_at": _local(notice.sent_at, zone),
        "delivered_at": _local(notice.delivered_at, zone),
    }
