"""Teams and demo users: one login per role plus the rest of the field force."""

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser, Group

from collections_app.models import StaffProfile, Team
from collections_app.roles import Role
from compliance.models import Credential
from compliance.services.audit import audit_record

from .people import IdentityMint, given_name, new_uuid, surname

DEMO_PASSWORD = "fieldvisit-demo"  # noqa: S105  (published demo login, not a secret)
EMAIL_DOMAIN = "fieldvisit.example"

# (team, districts it covers, collectors); the first team holds the demo collector.
TEAMS = (
    ("五华一组", ("五华区", "西山区", "安宁市"), 5),
    ("盘龙一组", ("盘龙区", "东川区"), 4),
    ("官渡一组", ("官渡区",), 4),
    ("呈贡一组", ("呈贡区", "晋宁区"), 3),
)
# Each team's office, where its day routes start: (latitude, longitude, address).
OFFICES = {
    "五华一组": (Decimal("25.040600"), Decimal("102.709800"), "昆明市五华区人民中路28号"),
    "盘龙一组": (Decimal("25.068500"), Decimal("102.721700"), "昆明市盘龙区北京路612号"),
    "官渡一组": (Decimal("25.019800"), Decimal("102.739500"), "昆明市官渡区春城路219号"),
    "呈贡一组": (Decimal("24.886700"), Decimal("102.817300"), "昆明市呈贡区彩云南路88号"),
}
# Which supervisor leads which teams (by index into TEAMS).
SUPERVISORS = (("supervisor", (0, 1)), ("supervisor2", (2,)), ("supervisor3", (3,)))
DEMO_COLLECTOR_WEIGHT = 1.5  # the demo login gets a fuller worklist than its colleagues


@dataclass
class TeamStaff:
    team: Team
    supervisor: AbstractUser
    collectors: list[AbstractUser] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)


@dataclass
class Staffing:
    by_district: dict[str, TeamStaff]
    users: list[AbstractUser]
    collectors: list[AbstractUser] = field(default_factory=list)
    logins: tuple[str, ...] = ("collector", "supervisor", "compliance", "admin")


def collector_usernames() -> list[str]:
    total = sum(size for _name, _districts, size in TEAMS)
    return ["collector"] + [f"collector{n}" for n in range(2, total + 1)]


def demo_usernames() -> list[str]:
    supervisors = [name for name, _teams in SUPERVISORS]
    return [*collector_usernames(), *supervisors, "compliance", "admin"]


def demo_logins():
    """The accounts a seed created: a demo username with an address on the demo domain."""
    return get_user_model().objects.filter(
        username__in=demo_usernames(), email__endswith=f"@{EMAIL_DOMAIN}"
    )


def covered_districts(plan: list[tuple[str, str, int | None]]) -> list[str]:
    """The district each collector covers (for allocation): their team's districts in turn,
    so every district a team serves has someone; empty for everyone else."""
    seen: dict[int, int] = {}
    covered = []
    for _username, role, team in plan:
        if role != Role.COLLECTOR or team is None:
            covered.append("")
            continue
        districts = TEAMS[team][1]
        covered.append(districts[seen.get(team, 0) % len(districts)])
        seen[team] = seen.get(team, 0) + 1
    return covered


def create_staff(rng: random.Random, mint: IdentityMint) -> Staffing:
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is deliberately slow
    plan: list[tuple[str, str, int | None]] = []  # username, role, team index
    collector_names = iter(collector_usernames())
    for index, (_name, _districts, size) in enumerate(TEAMS):
        plan.extend((next(collector_names), Role.COLLECTOR, index) for _n in range(size))
    plan.extend((name, Role.SUPERVISOR, teams[0]) for name, teams in SUPERVISORS)
    plan.extend([("compliance", Role.COMPLIANCE, None), ("admin", Role.ADMIN, None)])

    users = []
    for username, role, _team in plan:
        male = rng.random() < 0.55
        users.append(
            User(
                username=username,
                # The whole name in first_name: get_full_name() puts first_name first,
                # which would print Chinese names back to front.
                first_name=surname(rng) + given_name(rng, male=male),
                email=f"{username}@{EMAIL_DOMAIN}",
                password=password,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
        )
    User.objects.bulk_create(users)
    by_username = {u.username: u for u in users}

    teams = [
        Team(
            public_id=new_uuid(rng),
            name=name,
            region="、".join(districts),
            office_lat=OFFICES[name][0],
            office_lng=OFFICES[name][1],
            office_address=OFFICES[name][2],
        )
        for name, districts, _size in TEAMS
    ]
    for username, team_indexes in SUPERVISORS:
        for index in team_indexes:
            teams[index].supervisor = by_username[username]
    Team.objects.bulk_create(teams)

    groups = {g.name: g.pk for g in Group.objects.filter(name__in=[r.value for r in Role])}
    Membership = User.groups.through
    Membership.objects.bulk_create(
        Membership(user_id=user.pk, group_id=groups[role])
        for user, (_u, role, _t) in zip(users, plan, strict=True)
    )
    StaffProfile.objects.bulk_create(
        StaffProfile(
            user_id=user.pk,
            employee_number=f"KM{10001 + n}",
            team=teams[team] if team is not None else None,
            phone=mint.mobile(),
            district=district,
        )
        for n, (user, (_u, _role, team), district) in enumerate(
            zip(users, plan, covered_districts(plan), strict=True)
        )
    )

    by_district: dict[str, TeamStaff] = {}
    for index, (_name, districts, _size) in enumerate(TEAMS):
        members = [by_username[u] for u, role, t in plan if role == Role.COLLECTOR and t == index]
        staff = TeamStaff(
            team=teams[index],
            supervisor=teams[index].supervisor,
            collectors=members,
            weights=[DEMO_COLLECTOR_WEIGHT if u.username == "collector" else 1.0 for u in members],
        )
        by_district.update(dict.fromkeys(districts, staff))
    collectors = [by_username[u] for u, role, _t in plan if role == Role.COLLECTOR]
    return Staffing(by_district=by_district, users=users, collectors=collectors)


def create_credentials(rng: random.Random, staffing: Staffing, today) -> int:
    """Work ID, a general authorization letter and training for every collector.

    Most run well past today; a few expire within the month so the expiring view has work.
    """
    Kind = Credential.Kind
    rows = []
    for collector in staffing.collectors:
        soon = collector.username != "collector" and rng.random() < 0.15
        for kind, years_back in ((Kind.WORK_ID, 2), (Kind.AUTHORIZATION, 1), (Kind.TRAINING, 1)):
            days_left = (
                rng.randint(5, 28) if soon and kind == Kind.TRAINING else rng.randint(90, 540)
            )
            rows.append(
                Credential(
                    collector=collector,
                    kind=kind,
                    number=f"{kind[:2].upper()}-{collector.username.upper()}",
                    valid_from=today - timedelta(days=365 * years_back),
                    valid_until=today + timedelta(days=days_left),
                )
            )
    Credential.objects.bulk_create(rows)
    for credential in rows:  # credentials are audited state (DESIGN.md §7), seeded ones too
        audit_record(
            actor=None,
            action="credential.created",
            obj=credential,
            data={"kind": credential.kind, "valid_until": credential.valid_until, "source": "demo"},
        )
    return len(rows)
