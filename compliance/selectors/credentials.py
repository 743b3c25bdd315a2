"""The credentials registry: each collector's documents and where each stands today.

A collector holds "slots": one work ID, one general authorization letter, one training
certificate (the three the COLLECTOR_* rules read), plus one slot per case letter and per
certification code. Several rows may fill a slot (renewals, corrections); the one shown is
the one that decides, ranked like the facts adapter does: in force first (latest end), then
not yet valid (earliest start), then expired (latest end), then revoked.

Everything is read in two queries whatever the number of collectors; statuses are worked
out in Python, because the status of a slot depends on all of its rows.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from collections_app.models import StaffProfile, Team
from collections_app.roles import Role
from compliance.models import Credential

User = get_user_model()

EXPIRY_WARNING_DAYS = 30
REQUIRED_KINDS = (
    Credential.Kind.WORK_ID,
    Credential.Kind.AUTHORIZATION,
    Credential.Kind.TRAINING,
)


class CredentialStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring within 30 days")
    UPCOMING = "upcoming", _("Not yet valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    MISSING = "missing", _("Missing")


def credential_status(credential: Credential, *, today: date) -> CredentialStatus:
    """One row's standing on `today` (valid_until is the last valid day, as in the rules)."""
    if credential.revoked:
        return CredentialStatus.REVOKED
    if credential.valid_until < today:
        return CredentialStatus.EXPIRED
    if credential.valid_from > today:
        return CredentialStatus.UPCOMING
    if credential.valid_until <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return CredentialStatus.EXPIRING
    return CredentialStatus.VALID


@dataclass
class Slot:
    """One document a collector holds (or should hold), and the row that decides it."""

    kind: str
    credential: Credential | None
    status: CredentialStatus
    collector: object = None
    # A renewal that starts by the day after the deciding row ends carries the slot on.
    renewal: Credential | None = None
    days_left: int | None = None  # set by the expiring list

    @property
    def last_day(self):
        """The last valid day, renewals included."""
        return (self.renewal or self.credential).valid_until

    @property
    def kind_label(self) -> str:
        return Credential.Kind(self.kind).label

    @property
    def label(self) -> str:
        """What distinguishes the slot within its kind: a certification code or a case."""
        if self.credential is None:
            return ""
        if self.credential.case_id:
            return str(self.credential.case)
        return self.credential.code


@dataclass
class RegistryRow:
    collector: object
    required: list[Slot]  # work ID, general authorization, training: always three
    others: list[Slot] = field(default_factory=list)  # case letters and certifications

    @property
    def profile(self) -> StaffProfile:
        return self.collector.staff_profile

    def slots(self, kind: str | None = None) -> list[Slot]:
        every = self.required + self.others
        return [s for s in every if kind is None or s.kind == kind]

    def matches(self, *, kind: str | None, status: str | None) -> bool:
        """Has a document of `kind` in `status`. Without a kind, "valid" means all three
        required documents are valid, any other status that at least one document has it."""
        if not status:
            return True
        if kind is None and status == CredentialStatus.VALID:
            return all(s.status == CredentialStatus.VALID for s in self.required)
        return any(s.status == status for s in self.slots(kind))


_RANK = {
    CredentialStatus.VALID: 0,
    CredentialStatus.EXPIRING: 0,
    CredentialStatus.UPCOMING: 1,
    CredentialStatus.EXPIRED: 2,
    CredentialStatus.REVOKED: 3,
}


def _slot(kind: str, credentials: list[Credential], collector, *, today: date) -> Slot:
    if not credentials:
        return Slot(kind, None, CredentialStatus.MISSING, collector)

    def order(credential):
        status = credential_status(credential, today=today)
        if status == CredentialStatus.UPCOMING:
            return (_RANK[status], credential.valid_from.toordinal())
        return (_RANK[status], -credential.valid_until.toordinal())

    best = min(credentials, key=order)
    status = credential_status(best, today=today)
    renewal = None
    if status in (CredentialStatus.VALID, CredentialStatus.EXPIRING):
        renewal = _renewal(best, credentials)
        if renewal is not None:  # starts later, but leaves no gap
            status = _end_status(renewal.valid_until, today=today)
    return Slot(kind, best, status, collector, renewal)


def _renewal(current: Credential, credentials: list[Credential]) -> Credential | None:
    """The last row of an unbroken chain of later rows that follow `current`."""
    end, last = current.valid_until, None
    extended = True
    while extended:
        extended = False
        for other in credentials:
            if not other.revoked and other.valid_from <= end + timedelta(days=1):
                if other.valid_until > end:
                    end, last, extended = other.valid_until, other, True
    return last


def _end_status(end: date, *, today: date) -> CredentialStatus:
    if end <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return CredentialStatus.EXPIRING
    return CredentialStatus.VALID


def _row(collector, *, today: date) -> RegistryRow:
    groups: dict[tuple, list[Credential]] = {}
    for credential in collector.registry_credentials:
        groups.setdefault(_slot_key(credential), []).append(credential)
    required = [
        _slot(kind, groups.pop((kind, None, ""), []), collector, today=today)
        for kind in REQUIRED_KINDS
    ]
    others = [
        _slot(key[0], found, collector, today=today)
        for key, found in sorted(groups.items(), key=lambda item: _sortable(item[0]))
    ]
    return RegistryRow(collector, required, others)


def _slot_key(credential: Credential) -> tuple:
    if credential.kind == Credential.Kind.CERTIFICATION:
        return (credential.kind, None, credential.code)
    if credential.kind == Credential.Kind.AUTHORIZATION and credential.case_id:
        return (credential.kind, credential.case_id, "")
    return (credential.kind, None, "")


def _sortable(key: tuple) -> tuple:
    kind, case_id, code = key
    return (kind, case_id or 0, code)


def registry_collectors(*, team: Team | None = None) -> QuerySet:
    """Active users in the collector role with a staff profile, with every credential."""
    credentials = Credential.objects.select_related("case").order_by("pk")
    collectors = (
        User.objects.filter(
            groups__name=Role.COLLECTOR, is_active=True, staff_profile__isnull=False
        )
        .select_related("staff_profile__team")
        .prefetch_related(
            Prefetch("credentials", queryset=credentials, to_attr="registry_credentials")
        )
        .order_by("staff_profile__employee_number")
    )
    if team is not None:
        collectors = collectors.filter(staff_profile__team=team)
    return collectors


def credential_registry(
    *,
    today: date,
    team: Team | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> list[RegistryRow]:
    """One row per collector (by employee number) matching the filters."""
    rows = (_row(collector, today=today) for collector in registry_collectors(team=team))
    return [row for row in rows if row.matches(kind=kind, status=status)]


def credentials_expiring(
    *, today: date, team: Team | None = None, kind: str | None = None
) -> list[Slot]:
    """Every document whose deciding row ends within 30 days, soonest first.

    A document already renewed is not listed: its slot is decided by the renewal.
    """
    slots = [
        slot
        for row in credential_registry(today=today, team=team)
        for slot in row.slots(kind)
        if slot.status == CredentialStatus.EXPIRING
    ]
    for slot in slots:
        slot.days_left = (slot.last_day - today).days
    return sorted(
        slots, key=lambda s: (s.credential.valid_until, s.collector.staff_profile.employee_number)
    )


def collector_get(*, employee_number: str):
    """A collector of the registry by employee number, or 404."""
    return get_object_or_404(
        User.objects.filter(groups__name=Role.COLLECTOR, staff_profile__isnull=False)
        .select_related("staff_profile__team")
        .distinct(),
        staff_profile__employee_number=employee_number,
    )


def collector_credentials(*, collector, today: date) -> list[tuple[Credential, str]]:
    """Every credential of one collector, newest end first, with its own status."""
    credentials = collector.credentials.select_related("case").order_by(
        "kind", "-valid_until", "-pk"
    )
    return [(c, credential_status(c, today=today)) for c in credentials]


def credential_get(*, public_id) -> Credential:
    return get_object_or_404(
        Credential.objects.select_related("collector__staff_profile__team", "case"),
        public_id=public_id,
    )


def collector_profiles() -> QuerySet[StaffProfile]:
    """Staff profiles of active collectors: who may be given a credential."""
    return (
        StaffProfile.objects.filter(user__groups__name=Role.COLLECTOR, user__is_active=True)
        .select_related("user", "team")
        .order_by("employee_number")
        .distinct()
    )
