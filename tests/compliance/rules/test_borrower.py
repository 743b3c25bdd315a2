"""What is on file (compliance/rules/borrower.py): flags per pack and the limitation period."""

from datetime import date

import pytest

from .support import BLOCK, FAIL, NA, PASS, REVIEW, by_rule, case, check_all, planned

PACKS = ("cn", "us", "uk", "in")

# DESIGN.md §6.1 pack defaults: the severity of each flag rule, per pack (cn, us, uk, in),
# with the flag that trips it and the words it is reported by.
# fmt: off
FLAG_RULES = {
    "CEASE_CONTACT": ("cease_contact", "cease contact requested", (REVIEW, BLOCK, BLOCK, REVIEW)),
    "REPRESENTED": ("represented", "represented", (REVIEW, BLOCK, REVIEW, REVIEW)),
    "DISPUTE_OPEN": ("disputed", "debt disputed", (BLOCK, BLOCK, BLOCK, BLOCK)),
    "VULNERABILITY": ("vulnerable", "vulnerable", (REVIEW, REVIEW, BLOCK, REVIEW)),
    "DECEASED": ("deceased", "deceased", (BLOCK, BLOCK, BLOCK, BLOCK)),
}
# fmt: on
CLEAR = {
    "CEASE_CONTACT": "No cease-contact or do-not-visit request on file",
    "REPRESENTED": "not recorded as represented",
    "DISPUTE_OPEN": "No open dispute or complaint on file",
    "VULNERABILITY": "No vulnerability or capacity concern on file",
    "DECEASED": "not recorded as deceased",
}


def _flags(*flags):
    return {"borrower.flags": frozenset(flags)}


def _debt(due, acknowledged=None):
    return {"debt.oldest_unpaid_due_date": due, "debt.last_acknowledged_on": acknowledged}


# fmt: off
FLAG_CASES = [
    row
    for code, (flag, words, severities) in FLAG_RULES.items()
    for pack, severity in zip(PACKS, severities, strict=True)
    for row in (
        case(f"{code}-{pack}-flagged", code, pack, _flags(flag), FAIL, severity,
             f"On file for the borrower: {words}."),
        case(f"{code}-{pack}-clear", code, pack, _flags("hardship"), PASS, severity, CLEAR[code]),
    )
]
# fmt: on

# fmt: off
CASES = [
    *FLAG_CASES,
    *[
        case(f"DISPUTE_OPEN-{pack}-complaint-open", "DISPUTE_OPEN", pack, _flags("complaint_open"),
             FAIL, BLOCK, "complaint open")
        for pack in PACKS
    ],
    case("DISPUTE_OPEN-both-listed", "DISPUTE_OPEN", "cn", _flags("disputed", "complaint_open"),
         FAIL, BLOCK, "On file for the borrower: complaint open; debt disputed."),
    case("DISPUTE_OPEN-ignores-other-flags", "DISPUTE_OPEN", "cn",
         _flags("vulnerable", "represented"), PASS, BLOCK, CLEAR["DISPUTE_OPEN"]),
    # TIME_BARRED — runs from the later of the oldest unpaid due date and the acknowledgement,
    # compared with the visit's local date (2026-03-10)
    case("barred-cn-anniversary-passes", "TIME_BARRED", "cn", _debt(date(2023, 3, 10)),
         PASS, REVIEW, "The 3-year limitation period from 2023-03-10 runs until 2026-03-10"),
    case("barred-cn-day-after-fails", "TIME_BARRED", "cn", _debt(date(2023, 3, 9)), FAIL, REVIEW,
         "The 3-year limitation period ran from 2023-03-09 and ended on 2026-03-09; "
         "the visit is on 2026-03-10"),
    case("barred-cn-acknowledgement-restarts", "TIME_BARRED", "cn",
         _debt(date(2020, 1, 1), date(2024, 6, 1)), PASS, REVIEW,
         "from 2024-06-01 runs until 2027-06-01"),
    case("barred-cn-older-acknowledgement-ignored", "TIME_BARRED", "cn",
         _debt(date(2023, 3, 9), date(2022, 1, 1)), FAIL, REVIEW, "ended on 2026-03-09"),
    case("barred-cn-local-date", "TIME_BARRED", "cn",
         {**_debt(date(2023, 3, 9)), **planned("cn", "00:30", "01:00")}, FAIL, REVIEW,
         "the visit is on 2026-03-10"),
    case("barred-cn-no-due-date", "TIME_BARRED", "cn", _debt(None, date(2020, 1, 1)), NA, REVIEW,
         "No unpaid due date on file"),
    case("barred-us-not-applied", "TIME_BARRED", "us", _debt(date(2000, 1, 1)), NA, REVIEW,
         "Not required by the US pack"),
    case("barred-uk-6-years-anniversary", "TIME_BARRED", "uk", _debt(date(2020, 3, 10)),
         PASS, REVIEW, "The 6-year limitation period"),
    case("barred-uk-6-years-day-after", "TIME_BARRED", "uk", _debt(date(2020, 3, 9)), FAIL, REVIEW,
         "ended on 2026-03-09"),
    case("barred-in-3-years", "TIME_BARRED", "in", _debt(date(2023, 3, 9)), FAIL, REVIEW,
         "3-year"),
]
# fmt: on


@pytest.mark.parametrize("rows", by_rule(CASES))
def test_rule(rows):
    check_all(rows)
