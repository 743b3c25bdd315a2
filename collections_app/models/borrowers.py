"""Borrowers, their addresses, contact persons and sensitive dates."""

import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel, public_id_field, status_valid

WEEKDAYS = range(7)  # 0 = Monday … 6 = Sunday, as in the compliance contract
HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


class Jurisdiction(models.TextChoices):
    CN = "CN", _("China")
    US = "US", _("United States")
    UK = "UK", _("United Kingdom")
    IN = "IN", _("India")


class LocationType(models.TextChoices):
    HOME = "home", _("Home")
    AGREED_PLACE = "agreed_place", _("Agreed place")
    WORKPLACE = "workplace", _("Workplace")
    HOSPITAL = "hospital", _("Hospital")
    PUBLIC_PLACE = "public_place", _("Public place")


class Consent(models.TextChoices):
    WORKPLACE_VISIT = "workplace_visit", _("Workplace visit")
    HOSPITAL_VISIT = "hospital_visit", _("Hospital visit")


# Borrower status flags as (field, label); the order is the order shown on screens.
FLAG_FIELDS = (
    ("vulnerable", _("Vulnerable")),
    ("disputed", _("Disputed")),
    ("represented", _("Represented")),
    ("cease_contact", _("Cease contact")),
    ("deceased", _("Deceased")),
    ("complaint_open", _("Complaint open")),
    ("hardship", _("Hardship")),
)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


def validate_no_visit_windows(value) -> None:
    """[{"weekdays": [5, 6], "start": "00:00", "end": "23:59"}, …] as in DESIGN.md §6.2."""
    if not isinstance(value, list):
        raise ValidationError(_("No-visit windows must be a list."))
    for window in value:
        if not isinstance(window, dict) or set(window) != {"weekdays", "start", "end"}:
            raise ValidationError(_("Each no-visit window needs weekdays, start and end."))
        days = window["weekdays"]
        if not isinstance(days, list) or not days or any(d not in WEEKDAYS for d in days):
            raise ValidationError(_("Weekdays are numbers 0 (Monday) to 6 (Sunday)."))
        for key in ("start", "end"):
            text = window[key]
            # Exactly two digits each, so that the string comparison below is chronological.
            if not (isinstance(text, str) and HHMM.fullmatch(text)):
                raise ValidationError(_("Times are HH:MM, got %(v)s."), params={"v": text})
        if window["start"] >= window["end"]:
            raise ValidationError(_("A no-visit window must end after it starts."))


@deconstructible
class ChoiceListValidator:
    """A JSON list whose items all come from one set of allowed values."""

    def __init__(self, allowed: list[str]):
        self.allowed = list(allowed)

    def __call__(self, value) -> None:
        if not isinstance(value, list) or any(v not in self.allowed for v in value):
            raise ValidationError(
                _("Allowed values: %(values)s"), params={"values": ", ".join(self.allowed)}
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, ChoiceListValidator) and other.allowed == self.allowed


class BorrowerGender(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    UNKNOWN = "U", _("Unknown")


class Borrower(TimeStampedModel):
    Gender = BorrowerGender

    public_id = public_id_field()
    customer_number = models.CharField(_("customer number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    national_id = models.CharField(_("national ID"), max_length=32)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender, default="U")
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32)
    alt_phone = models.CharField(_("other phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=2, choices=Jurisdiction, default=Jurisdiction.CN
    )

    vulnerable = models.BooleanField(_("vulnerable"), default=False)
    disputed = models.BooleanField(_("disputed"), default=False)
    represented = models.BooleanField(_("represented"), default=False)
    representative_contact = models.CharField(
        _("representative contact"), max_length=200, blank=True
    )
    cease_contact = models.BooleanField(_("cease contact"), default=False)
    deceased = models.BooleanField(_("deceased"), default=False)
    complaint_open = models.BooleanField(_("complaint open"), default=False)
    hardship = models.BooleanField(_("hardship"), default=False)

    no_visit_windows = models.JSONField(
        _("no-visit windows"), default=list, blank=True, validators=[validate_no_visit_windows]
    )
    no_visit_locations = models.JSONField(
        _("no-visit locations"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator(LocationType.values)],
    )
    consents = models.JSONField(
        _("recorded consents"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator(Consent.values)],
    )

    class Meta:
        verbose_name = _("borrower")
        verbose_name_plural = _("borrowers")
        ordering = ["customer_number"]
        constraints = [
            status_valid("jurisdiction", Jurisdiction, "borrower_jurisdiction_valid"),
            status_valid("gender", BorrowerGender, "borrower_gender_valid"),
            # Someone represented must have the representative's contact on file.
            models.CheckConstraint(
                condition=Q(represented=False) | ~Q(representative_contact=""),
                name="borrower_represented_has_contact",
            ),
        ]
        permissions = [("reveal_pii", _("Can reveal masked personal data"))]

    def __str__(self) -> str:
        return f"{self.customer_number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("collections_app:borrower_detail", args=[self.public_id])

    @property
    def flags(self) -> list[str]:
        """Codes of the status flags that are set, in the compliance contract's spelling."""
        return [field for field, _label in FLAG_FIELDS if getattr(self, field)]

    @property
    def flag_labels(self) -> list[str]:
        return [label for field, label in FLAG_FIELDS if getattr(self, field)]


class AddressKind(models.TextChoices):
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")


class Address(TimeStampedModel):
    Kind = AddressKind

    borrower = models.ForeignKey(
        Borrower, verbose_name=_("borrower"), on_delete=models.CASCADE, related_name="addresses"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.HOME)
    province = models.CharField(_("province"), max_length=50, default="云南省")
    city = models.CharField(_("city"), max_length=50, default="昆明市")
    district = models.CharField(_("district"), max_length=50)
    street = models.CharField(_("street address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    # The core banking system's id for this address: the natural key of address imports.
    external_ref = models.CharField(_("core-banking reference"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_primary", "kind", "id"]
        constraints = [
            status_valid("kind", AddressKind, "address_kind_valid"),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90),
                name="address_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(lng__isnull=True) | Q(lng__gte=-180, lng__lte=180),
                name="address_lng_range",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lng__isnull=True)
                | Q(lat__isnull=False, lng__isnull=False),
                name="address_lat_lng_together",
            ),
            models.UniqueConstraint(
                fields=["borrower"], condition=Q(is_primary=True), name="address_one_primary"
            ),
            models.UniqueConstraint(
                fields=["borrower", "external_ref"],
                condition=~Q(external_ref=""),
                name="address_unique_external_ref",
            ),
        ]
        indexes = [
            # Worklist: district of each borrower's primary address.
            models.Index(fields=["borrower", "is_primary"], name="address_borrower_primary"),
            models.Index(fields=["district"], name="address_district"),
        ]

    def __str__(self) -> str:
        return f"{self.city}{self.district}{self.street}"


class ContactPersonRole(models.TextChoices):
    GUARANTOR = "guarantor", _("Guarantor")
    CO_BORROWER = "co_borrower", _("Co-borrower")
    EMERGENCY = "emergency_contact", _("Emergency contact")


class ContactPersonRelationship(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Sibling")
    RELATIVE = "relative", _("Relative")
    FRIEND = "friend", _("Friend")
    COLLEAGUE = "colleague", _("Colleague")
    BUSINESS_PARTNER = "business_partner", _("Business partner")
    OTHER = "other", _("Other")


class ContactPerson(TimeStampedModel):
    Role = ContactPersonRole

    Relationship = ContactPersonRelationship

    borrower = models.ForeignKey(
        Borrower, verbose_name=_("borrower"), on_delete=models.CASCADE, related_name="contacts"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship)
    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    national_id = models.CharField(_("national ID"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["role", "id"]
        constraints = [
            status_valid("role", ContactPersonRole, "contactperson_role_valid"),
            status_valid(
                "relationship", ContactPersonRelationship, "contactperson_relationship_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class SensitiveDateReason(models.TextChoices):
    BEREAVEMENT = "bereavement", _("Bereavement")
    HOSPITAL_STAY = "hospital_stay", _("Hospital stay")
    WEDDING = "wedding", _("Wedding")
    CHILDBIRTH = "childbirth", _("Childbirth")
    EXAM = "exam", _("Examination")
    OTHER = "other", _("Other")


class SensitiveDate(TimeStampedModel):
    """A period when visits would be insensitive (bereavement, hospital stay, wedding …)."""

    Reason = SensitiveDateReason

    borrower = models.ForeignKey(
        Borrower,
        verbose_name=_("borrower"),
        on_delete=models.CASCADE,
        related_name="sensitive_dates",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("sensitive date")
        verbose_name_plural = _("sensitive dates")
        ordering = ["starts_on"]
        constraints = [
            status_valid("reason", SensitiveDateReason, "sensitivedate_reason_valid"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="sensitivedate_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on} {self.get_reason_display()}"
