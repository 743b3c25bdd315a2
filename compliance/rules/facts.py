"""Plain, frozen facts: everything a rule may look at, gathered up front (STYLE.md §6).

All datetimes are aware. Local times are derived in the borrower's zone inside the rules.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FLAGS = frozenset(
    {
        "vulnerable",
        "disputed",
        "represented",
        "cease_contact",
        "deceased",
        "complaint_open",
        "hardship",
    }
)
CONSENTS = frozenset({"workplace_visit", "hospital_visit"})
LOCATION_TYPES = ("home", "agreed_place", "workplace", "hospital", "public_place")
TARGETS = ("borrower", "guarantor", "third_party")
VISIT_STATUSES = ("booked", "completed", "cancelled")
CHANNELS = ("sms", "email", "letter")
EVIDENCE_KINDS = ("photo", "audio")


@dataclass(frozen=True, slots=True)
class Interval:
    """Half-open [start, end): touching intervals do not overlap."""

    start: datetime
    end: datetime

    def overlaps(self, other: "Interval") -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class NoVisitWindow:
    weekdays: frozenset[int]  # 0 = Monday … 6 = Sunday
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class SensitiveDate:
    first: date
    last: date
    reason: str


@dataclass(frozen=True, slots=True)
class Holiday:
    day: date
    name: str


@dataclass(frozen=True, slots=True)
class BorrowerFacts:
    timezone: str = "Asia/Shanghai"
    flags: frozenset[str] = frozenset()
    no_visit_windows: tuple[NoVisitWindow, ...] = ()
    no_visit_locations: frozenset[str] = frozenset()
    consents: frozenset[str] = frozenset()
    sensitive_dates: tuple[SensitiveDate, ...] = ()
    failed_contact_attempts: int = 0


@dataclass(frozen=True, slots=True)
class DebtFacts:
    oldest_unpaid_due_date: date | None = None
    last_acknowledged_on: date | None = None


@dataclass(frozen=True, slots=True)
class CollectorFacts:
    id: str
    work_id_valid_until: date | None = None
    authorization_valid_until: date | None = None
    training_valid_until: date | None = None
    certifications: frozenset[str] = frozenset()
    busy: tuple[Interval, ...] = ()


@dataclass(frozen=True, slots=True)
class VisitFacts:
    start: datetime
    end: datetime
    location_type: str = "home"
    target: str = "borrower"
    locate_only: bool = False
    purpose: str = ""
    recorder: bool = False
    collectors: tuple[CollectorFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    channel: str
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    states_purpose: bool = False


@dataclass(frozen=True, slots=True)
class PastVisit:
    start: datetime
    status: str


@dataclass(frozen=True, slots=True)
class Call:
    at: datetime
    connected: bool = False


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lng: float
    accuracy_m: float | None = None


@dataclass(frozen=True, slots=True)
class Checklist:
    id_shown: bool = False
    institution_named: bool = False
    purpose_stated: bool = False
    entered_premises: bool = False
    consent_to_enter: bool | None = None
    left_when_asked: bool | None = None
    threats_or_insults: bool = False
    impersonated_authority: bool = False
    disclosed_to_third_party: bool = False
    cash_collected: bool = False


@dataclass(frozen=True, slots=True)
class EvidenceFacts:
    """A photo or recording attached to the report (post stage)."""

    kind: str  # photo | audio
    sha256: str
    taken_at: datetime | None = None  # photo EXIF time, when present
    taken_location: GeoPoint | None = None  # photo EXIF GPS, when present
    used_on_other_visits: bool = False  # the same file (by SHA-256) on another visit


@dataclass(frozen=True, slots=True)
class ReportFacts:
    check_in_at: datetime | None = None
    check_out_at: datetime | None = None
    check_in_location: GeoPoint | None = None
    address_location: GeoPoint | None = None
    collectors_present: tuple[str, ...] = ()
    checklist: Checklist = field(default_factory=Checklist)
    notes: str = ""
    submitted_at: datetime | None = None
    recording_attached: bool = False
    vulnerability_observed: bool = False
    evidence: tuple[EvidenceFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class Facts:
    """One planned visit (pre) or visit report (post) with its context.

    The borrower's zone and the visit's local times are derived once, on construction.
    """

    now: datetime
    visit: VisitFacts
    borrower: BorrowerFacts = field(default_factory=BorrowerFacts)
    debt: DebtFacts = field(default_factory=DebtFacts)
    notices: tuple[Notice, ...] = ()
    visits: tuple[PastVisit, ...] = ()
    calls: tuple[Call, ...] = ()
    holidays: tuple[Holiday, ...] = ()
    report: ReportFacts | None = None
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    local_start: datetime = field(init=False, repr=False, compare=False)
    local_end: datetime = field(init=False, repr=False, compare=False)
    visit_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        zone = ZoneInfo(self.borrower.timezone)
        local_start = self.visit.start.astimezone(zone)
        local_end = self.visit.end.astimezone(zone)
        # Every local date the visit touches; half-open, so ending at 00:00 stays on one day.
        first = local_start.date()
        last = max(first, (local_end - timedelta(microseconds=1)).date())
        dates = tuple(date.fromordinal(d) for d in range(first.toordinal(), last.toordinal() + 1))
        for name, value in (
            ("zone", zone),
            ("local_start", local_start),
            ("local_end", local_end),
            ("visit_dates", dates),
        ):
            object.__setattr__(self, name, value)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)
