"""Borrower dossiers: identity, addresses, contact persons, flags and preferences."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from collections_app.models import Address, Borrower, ContactPerson, SensitiveDate

from . import geo
from .people import REGION_CODE_BY_DISTRICT, IdentityMint, given_name, new_uuid, surname

EMPLOYER_PLACES = ("滇池", "春城", "金马", "彩云", "碧鸡", "翠湖", "石林", "高原", "红土", "滇南")
EMPLOYER_TRADES = (
    "商贸",
    "科技",
    "建设工程",
    "物流",
    "餐饮管理",
    "旅游",
    "医药",
    "农业开发",
    "房地产开发",
    "文化传媒",
    "汽车服务",
    "家政服务",
)
# (occupation, has an employer, runs a business)
OCCUPATIONS = (
    ("公司职员", True, False),
    ("销售", True, False),
    ("司机", True, False),
    ("教师", True, False),
    ("护士", True, False),
    ("建筑工人", True, False),
    ("餐饮从业者", True, False),
    ("快递员", True, False),
    ("工程师", True, False),
    ("个体工商户", False, True),
    ("企业主", True, True),
    ("自由职业", False, False),
    ("无业", False, False),
    ("退休", False, False),
)
OCCUPATION_WEIGHTS = (18, 10, 6, 4, 3, 6, 7, 5, 5, 12, 6, 8, 7, 3)
LAW_FIRMS = ("云南滇池律师事务所", "云南春城律师事务所", "昆明金碧律师事务所", "云南法信律师事务所")
DEBT_ADVISERS = ("昆明市消费者协会调解室", "云南债务咨询服务中心")

WORKDAY_MORNINGS = {"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "12:00"}
WEEKENDS = {"weekdays": [5, 6], "start": "00:00", "end": "23:59"}
EVENINGS = {"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "18:00", "end": "23:59"}


@dataclass
class Dossier:
    """A borrower before and after insertion, with what the portfolio generator needs."""

    borrower: Borrower
    district: str
    runs_business: bool
    addresses: list[Address] = field(default_factory=list)
    contacts: list[ContactPerson] = field(default_factory=list)
    sensitive_dates: list[SensitiveDate] = field(default_factory=list)


def make_dossier(rng: random.Random, mint: IdentityMint, today: date) -> Dossier:
    male = rng.random() < 0.52
    home = geo.pick_district(rng)
    # Most people hold an ID issued where they live; the rest moved within Kunming.
    region = (
        REGION_CODE_BY_DISTRICT[home.name]
        if rng.random() < 0.8
        else rng.choice(list(REGION_CODE_BY_DISTRICT.values()))
    )
    born = mint.birth_date()
    family_name = surname(rng)
    occupation, employed, runs_business = rng.choices(OCCUPATIONS, weights=OCCUPATION_WEIGHTS)[0]
    employer = ""
    if employed:
        employer = f"云南{rng.choice(EMPLOYER_PLACES)}{rng.choice(EMPLOYER_TRADES)}有限公司"
    borrower = Borrower(
        public_id=new_uuid(rng),
        customer_number=mint.customer_number(),
        name=family_name + given_name(rng, male=male),
        national_id=mint.resident_id(region=region, born=born, male=male),
        gender=Borrower.Gender.MALE if male else Borrower.Gender.FEMALE,
        date_of_birth=born,
        mobile=mint.mobile(),
        alt_phone=mint.mobile() if rng.random() < 0.2 else "",
        email=f"{rng.randrange(10**7, 3 * 10**9)}@{rng.choice(('qq.com', '163.com'))}"
        if rng.random() < 0.3
        else "",
        employer=employer,
        occupation=occupation,
    )
    _set_flags(rng, mint, borrower)
    _set_preferences(rng, borrower)
    dossier = Dossier(borrower=borrower, district=home.name, runs_business=runs_business)
    dossier.addresses.append(_address(geo.home_place(rng, home), Address.Kind.HOME, primary=True))
    if employer and rng.random() < 0.6:
        place = geo.work_place(rng, geo.pick_district(rng, work=True))
        dossier.addresses.append(_address(place, Address.Kind.WORK, primary=False))
    dossier.contacts.extend(_contacts(rng, mint, family_name, runs_business))
    if rng.random() < 0.03:
        dossier.sensitive_dates.append(_sensitive_date(rng, today))
    return dossier


def attach(dossiers: list[Dossier]) -> None:
    """Point each dossier's children at its borrower, once the borrowers have ids."""
    for dossier in dossiers:
        pk = dossier.borrower.pk
        for child in (*dossier.addresses, *dossier.contacts, *dossier.sensitive_dates):
            child.borrower_id = pk


def _set_flags(rng: random.Random, mint: IdentityMint, b: Borrower) -> None:
    b.vulnerable = rng.random() < 0.04
    b.disputed = rng.random() < 0.03
    b.hardship = rng.random() < 0.06
    b.cease_contact = rng.random() < 0.02
    b.complaint_open = rng.random() < 0.02
    b.deceased = rng.random() < 0.002
    if rng.random() < 0.02:
        b.represented = True
        if rng.random() < 0.7:
            lawyer = surname(rng) + given_name(rng, male=rng.random() < 0.6)
            b.representative_contact = f"{rng.choice(LAW_FIRMS)} {lawyer}律师 {mint.mobile()}"
        else:
            b.representative_contact = f"{rng.choice(DEBT_ADVISERS)} {mint.mobile()}"


def _set_preferences(rng: random.Random, b: Borrower) -> None:
    if rng.random() < 0.05:
        b.no_visit_windows = rng.choice(([WEEKENDS], [WORKDAY_MORNINGS], [EVENINGS, WEEKENDS]))
    if rng.random() < 0.04:
        b.no_visit_locations = rng.choice((["workplace"], ["workplace", "hospital"], ["hospital"]))
    if rng.random() < 0.03:
        b.consents = rng.choice((["workplace_visit"], ["workplace_visit", "hospital_visit"]))


def _address(place: geo.Place, kind: str, *, primary: bool) -> Address:
    return Address(
        kind=kind,
        district=place.district,
        street=place.street,
        postal_code=place.postal_code,
        lat=place.lat,
        lng=place.lng,
        is_primary=primary,
    )


def _contacts(
    rng: random.Random, mint: IdentityMint, family_name: str, runs_business: bool
) -> list[ContactPerson]:
    Role, Rel = ContactPerson.Role, ContactPerson.Relationship
    roll = rng.random()
    count = 0 if roll < 0.5 else 1 if roll < 0.85 else 2
    contacts = []
    for index in range(count):
        if index == 0 and runs_business and rng.random() < 0.5:
            role = Role.GUARANTOR
        else:
            role = rng.choices((Role.EMERGENCY, Role.GUARANTOR, Role.CO_BORROWER), (6, 2, 1))[0]
        if role == Role.CO_BORROWER:
            relationship = Rel.SPOUSE if rng.random() < 0.8 else Rel.PARENT
        elif role == Role.GUARANTOR:
            relationship = rng.choice((Rel.RELATIVE, Rel.FRIEND, Rel.BUSINESS_PARTNER, Rel.SIBLING))
        else:
            relationship = rng.choices(
                (Rel.SPOUSE, Rel.PARENT, Rel.SIBLING, Rel.CHILD, Rel.FRIEND, Rel.COLLEAGUE),
                (4, 3, 2, 1, 2, 1),
            )[0]
        male = rng.random() < 0.5
        # Parents, siblings and children usually share the family name.
        same_family = relationship in (Rel.PARENT, Rel.SIBLING, Rel.CHILD) and rng.random() < 0.85
        name = (family_name if same_family else surname(rng)) + given_name(rng, male=male)
        national_id = ""
        if role != Role.EMERGENCY:  # guarantors and co-borrowers signed, so the bank has their ID
            region = rng.choice(list(REGION_CODE_BY_DISTRICT.values()))
            national_id = mint.resident_id(region=region, born=mint.birth_date(), male=male)
        contacts.append(
            ContactPerson(
                role=role,
                relationship=relationship,
                name=name,
                mobile=mint.mobile(),
                national_id=national_id,
            )
        )
    return contacts


def _sensitive_date(rng: random.Random, today: date) -> SensitiveDate:
    Reason = SensitiveDate.Reason
    reason, length, note = rng.choice(
        (
            (Reason.BEREAVEMENT, 30, "直系亲属去世"),
            (Reason.HOSPITAL_STAY, 21, "住院治疗"),
            (Reason.WEDDING, 3, "本人婚礼"),
            (Reason.CHILDBIRTH, 42, "产假"),
            (Reason.EXAM, 2, "子女高考"),
        )
    )
    starts = today + timedelta(days=rng.randint(-20, 30))
    return SensitiveDate(
        starts_on=starts, ends_on=starts + timedelta(days=length), reason=reason, note=note
    )
