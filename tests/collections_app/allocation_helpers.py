"""Shared set-up of the allocation tests: a team with an office, collectors covering
districts, and unassigned cases placed in districts with known positions."""

from decimal import Decimal

from tests import factories as f

# Rough district centres of Kunming (lat, lng).
CENTRES = {
    "五华区": (Decimal("25.043000"), Decimal("102.704000")),
    "盘龙区": (Decimal("25.070000"), Decimal("102.720000")),
    "官渡区": (Decimal("25.015000"), Decimal("102.745000")),
    "西山区": (Decimal("25.030000"), Decimal("102.665000")),
    "呈贡区": (Decimal("24.885000"), Decimal("102.820000")),
}


def collector(team, *, district="", capacity=40, **overrides):
    user = f.make_user(role="collector", team=team, **overrides)
    user.staff_profile.district = district
    user.staff_profile.capacity = capacity
    user.staff_profile.save()
    return user


def unassigned_case(team, *, district="五华区", located=True, **overrides):
    borrower = f.make_borrower()
    lat, lng = CENTRES.get(district, (None, None)) if located else (None, None)
    f.make_address(borrower=borrower, district=district, lat=lat, lng=lng)
    return f.make_case(borrower=borrower, team=team, assigned_collector=None, **overrides)


def held_cases(user, team, count: int) -> None:
    for _n in range(count):
        borrower = f.make_borrower()
        f.make_case(borrower=borrower, team=team, assigned_collector=user)
