"""Who goes and what for (compliance/rules/people.py): purpose, place, team, documents, target."""

from datetime import timedelta

import pytest

from .support import (
    BLOCK,
    DAY,
    FAIL,
    NA,
    PASS,
    REVIEW,
    WARN,
    by_rule,
    case,
    check_all,
    collector,
    planned,
    team,
)

PACKS = ("cn", "us", "uk", "in")
YESTERDAY = DAY - timedelta(days=1)


def _at(place, *consents):
    return {"visit.location_type": place, "borrower.consents": frozenset(consents)}


def _with(**overrides):
    """Two collectors; the second one varied."""
    return {"visit.collectors": (collector("c1"), collector("c2", **overrides))}


def _third_party(locate_only, attempts=0):
    return {
        "visit.target": "third_party",
        "visit.locate_only": locate_only,
        "borrower.failed_contact_attempts": attempts,
    }


ALLOWED = "is allowed."
NEEDS_CONSENT = "needs the borrower's recorded consent"
WITH_CONSENT = "allowed with the borrower's recorded consent"
NOT_ALLOWED = "pack does not allow a visit at the"

# LOCATION_ALLOWED per pack (DESIGN.md §6.1 pack defaults): (place, consents, outcome, severity,
# fragment). The rule's own severity is block; a failure carries the location's severity.
# fmt: off
LOCATIONS = {
    "cn": [
        ("home", (), PASS, BLOCK, f"home {ALLOWED}"),
        ("agreed_place", (), PASS, BLOCK, f"agreed place {ALLOWED}"),
        ("workplace", (), FAIL, BLOCK, f"{NEEDS_CONSENT} (workplace visit); none on file"),
        ("workplace", ("workplace_visit",), PASS, BLOCK, f"{WITH_CONSENT} (workplace visit)"),
        ("workplace", ("hospital_visit",), FAIL, BLOCK, NEEDS_CONSENT),
        ("hospital", (), FAIL, BLOCK, f"CN {NOT_ALLOWED} hospital"),
        ("hospital", ("hospital_visit",), FAIL, BLOCK, f"CN {NOT_ALLOWED} hospital"),
        ("public_place", (), FAIL, REVIEW, f"CN {NOT_ALLOWED} public place"),
    ],
    "us": [
        ("home", (), PASS, BLOCK, ALLOWED),
        ("agreed_place", (), PASS, BLOCK, ALLOWED),
        ("public_place", (), PASS, BLOCK, f"public place {ALLOWED}"),
        ("workplace", (), FAIL, REVIEW, NEEDS_CONSENT),
        ("workplace", ("workplace_visit",), PASS, BLOCK, WITH_CONSENT),
        ("hospital", (), FAIL, REVIEW, f"US {NOT_ALLOWED} hospital"),
    ],
    "uk": [
        ("home", (), PASS, BLOCK, ALLOWED),
        ("agreed_place", (), PASS, BLOCK, ALLOWED),
        ("workplace", (), FAIL, BLOCK, f"{NEEDS_CONSENT} (workplace visit)"),
        ("workplace", ("workplace_visit",), PASS, BLOCK, WITH_CONSENT),
        ("hospital", (), FAIL, BLOCK, f"{NEEDS_CONSENT} (hospital visit)"),
        ("hospital", ("hospital_visit",), PASS, BLOCK, f"{WITH_CONSENT} (hospital visit)"),
        ("public_place", (), FAIL, REVIEW, f"UK {NOT_ALLOWED} public place"),
    ],
    "in": [
        ("agreed_place", (), PASS, BLOCK, ALLOWED),
        ("home", (), PASS, BLOCK, ALLOWED),
        ("workplace", (), FAIL, REVIEW, NEEDS_CONSENT),
        ("workplace", ("workplace_visit",), PASS, BLOCK, WITH_CONSENT),
        ("hospital", (), FAIL, BLOCK, f"IN {NOT_ALLOWED} hospital"),
        ("public_place", (), FAIL, REVIEW, NOT_ALLOWED),
    ],
}
# fmt: on

# TEAM_SIZE / TEAM_PRESENT bounds per pack: CN 2–3, the others 1–2.
BOUNDS = {"cn": (2, 3), "us": (1, 2), "uk": (1, 2), "in": (1, 2)}

# fmt: off
CASES = [
    # PURPOSE_STATED — block, except US warn
    case("purpose-given", "PURPOSE_STATED", "cn", {}, PASS, BLOCK,
         "Purpose stated: “Discuss the overdue instalments"),
    *[
        case(f"purpose-missing-{pack}", "PURPOSE_STATED", pack, {"visit.purpose": "  \n "},
             FAIL, WARN if pack == "us" else BLOCK, "No purpose stated for the visit")
        for pack in PACKS
    ],
    case("purpose-too-short", "PURPOSE_STATED", "uk", {"visit.purpose": "Pay up"}, FAIL, BLOCK,
         "The purpose “Pay up” is shorter than 10 characters"),
    case("purpose-long-is-shortened", "PURPOSE_STATED", "in", {"visit.purpose": "x" * 80},
         PASS, BLOCK, "x" * 59 + "…”"),
    # LOCATION_ALLOWED
    *[
        case(f"location-{pack}-{place}-{'+'.join(consents) or 'no-consent'}", "LOCATION_ALLOWED",
             pack, _at(place, *consents), outcome, severity, fragment)
        for pack, rows in LOCATIONS.items()
        for place, consents, outcome, severity, fragment in rows
    ],
    # TEAM_SIZE and TEAM_PRESENT — [min, max] per pack, block
    *[
        case(f"team-size-{pack}-{size}", "TEAM_SIZE", pack, {"visit.collectors": team(size)},
             PASS if BOUNDS[pack][0] <= size <= BOUNDS[pack][1] else FAIL, BLOCK,
             f"{size} collector(s) planned; {BOUNDS[pack][0]}–{BOUNDS[pack][1]} required")
        for pack in PACKS
        for size in range(0, 5)
    ],
    case("team-size-cn-same-collector-twice", "TEAM_SIZE", "cn",
         {"visit.collectors": (collector("c1"), collector("c1"))}, FAIL, BLOCK,
         "1 collector(s) planned"),
    *[
        case(f"team-present-{pack}-{size}", "TEAM_PRESENT", pack,
             {"report.collectors_present": tuple(f"c{n}" for n in range(1, size + 1))},
             PASS if BOUNDS[pack][0] <= size <= BOUNDS[pack][1] else FAIL, BLOCK,
             f"{size} collector(s) present; {BOUNDS[pack][0]}–{BOUNDS[pack][1]} required")
        for pack in PACKS
        for size in (1, 2, 3, 4)
    ],
    # COLLECTOR_CREDENTIALS — valid through the visit's local date; CN/IN need authorization too
    case("credentials-valid", "COLLECTOR_CREDENTIALS", "cn", {}, PASS, BLOCK,
         "All 2 collectors hold what is required, valid on 2026-03-10"),
    case("credentials-work-id-expires-on-visit-date", "COLLECTOR_CREDENTIALS", "cn",
         _with(work_id_valid_until=DAY), PASS, BLOCK, "valid on 2026-03-10"),
    case("credentials-work-id-expired-day-before", "COLLECTOR_CREDENTIALS", "cn",
         _with(work_id_valid_until=YESTERDAY), FAIL, BLOCK,
         "On 2026-03-10: c2's work ID expired on 2026-03-09"),
    case("credentials-authorization-expired-day-before", "COLLECTOR_CREDENTIALS", "in",
         _with(authorization_valid_until=YESTERDAY), FAIL, BLOCK,
         "c2's authorization letter expired on 2026-03-09"),
    case("credentials-authorization-on-visit-date", "COLLECTOR_CREDENTIALS", "in",
         _with(authorization_valid_until=DAY), PASS, BLOCK, "valid on"),
    case("credentials-missing-work-id", "COLLECTOR_CREDENTIALS", "uk",
         _with(work_id_valid_until=None), FAIL, BLOCK, "c2 has no work ID on file"),
    case("credentials-cn-missing-authorization", "COLLECTOR_CREDENTIALS", "cn",
         _with(authorization_valid_until=None), FAIL, BLOCK,
         "c2 has no authorization letter on file"),
    case("credentials-us-authorization-not-required", "COLLECTOR_CREDENTIALS", "us",
         _with(authorization_valid_until=None), PASS, BLOCK, "hold what is required"),
    case("credentials-uk-authorization-not-required", "COLLECTOR_CREDENTIALS", "uk",
         _with(authorization_valid_until=YESTERDAY), PASS, BLOCK, "hold what is required"),
    case("credentials-both-problems-listed", "COLLECTOR_CREDENTIALS", "cn",
         {"visit.collectors": (collector("c1", work_id_valid_until=None),
                               collector("c2", authorization_valid_until=YESTERDAY))},
         FAIL, BLOCK, "c1 has no work ID on file; c2's authorization letter expired"),
    case("credentials-no-collectors", "COLLECTOR_CREDENTIALS", "cn", {"visit.collectors": ()},
         NA, BLOCK, "No collectors planned"),
    case("credentials-visit-crossing-midnight-uses-last-date", "COLLECTOR_CREDENTIALS", "cn",
         {**planned("cn", "23:30", "00:30", 1), **_with(work_id_valid_until=DAY)}, FAIL, BLOCK,
         "On 2026-03-11: c2's work ID expired on 2026-03-10"),
    # COLLECTOR_TRAINING — valid through the visit date; IN also needs IIBF certification
    case("training-on-visit-date", "COLLECTOR_TRAINING", "cn", _with(training_valid_until=DAY),
         PASS, BLOCK, "valid on 2026-03-10"),
    case("training-expired-day-before", "COLLECTOR_TRAINING", "us",
         _with(training_valid_until=YESTERDAY), FAIL, BLOCK,
         "c2's training certificate expired on 2026-03-09"),
    case("training-missing", "COLLECTOR_TRAINING", "uk", _with(training_valid_until=None),
         FAIL, BLOCK, "c2 has no training certificate on file"),
    case("training-in-without-iibf", "COLLECTOR_TRAINING", "in", _with(certifications=frozenset()),
         FAIL, BLOCK, "c2 does not hold certification IIBF"),
    case("training-in-with-iibf", "COLLECTOR_TRAINING", "in", {}, PASS, BLOCK,
         "hold what is required"),
    case("training-cn-iibf-not-required", "COLLECTOR_TRAINING", "cn",
         _with(certifications=frozenset()), PASS, BLOCK, "hold what is required"),
    case("credentials-in-iibf-is-training-not-credentials", "COLLECTOR_CREDENTIALS", "in",
         _with(certifications=frozenset()), PASS, BLOCK, "hold what is required"),
    # TARGET_IS_DEBTOR
    *[
        case(f"target-{target}-{pack}", "TARGET_IS_DEBTOR", pack, {"visit.target": target},
             PASS, REVIEW if pack == "uk" else BLOCK, f"The visit is to {label}")
        for pack in PACKS
        for target, label in (("borrower", "the borrower"), ("guarantor", "a guarantor"))
    ],
    case("target-cn-third-party-not-locate-only", "TARGET_IS_DEBTOR", "cn", _third_party(False, 5),
         FAIL, BLOCK, "may only ask where to reach the borrower (locate-only)"),
    case("target-cn-locate-only-2-attempts", "TARGET_IS_DEBTOR", "cn", _third_party(True, 2),
         FAIL, BLOCK, "Only 2 failed attempts to reach the borrower; 3 needed"),
    case("target-cn-locate-only-3-attempts", "TARGET_IS_DEBTOR", "cn", _third_party(True, 3),
         PASS, BLOCK, "Locate-only visit to a third party after 3 failed attempts"),
    case("target-us-locate-only", "TARGET_IS_DEBTOR", "us", _third_party(True), PASS, BLOCK,
         "Locate-only visit to a third party after 0 failed attempts"),
    case("target-us-third-party-not-locate-only", "TARGET_IS_DEBTOR", "us", _third_party(False),
         FAIL, BLOCK, "locate-only"),
    case("target-uk-third-party-review", "TARGET_IS_DEBTOR", "uk", _third_party(True, 9),
         FAIL, REVIEW, "The UK pack does not allow visiting a third party"),
    case("target-in-third-party-blocks", "TARGET_IS_DEBTOR", "in", _third_party(True, 9),
         FAIL, BLOCK, "The IN pack does not allow visiting a third party"),
    # RECORDER_REQUIRED — CN block, IN review, US/UK n/a
    case("recorder-cn-assigned", "RECORDER_REQUIRED", "cn", {}, PASS, BLOCK,
         "A recording device is assigned"),
    case("recorder-cn-missing", "RECORDER_REQUIRED", "cn", {"visit.recorder": False}, FAIL, BLOCK,
         "No recording device assigned; the CN pack requires one"),
    case("recorder-in-missing", "RECORDER_REQUIRED", "in", {"visit.recorder": False}, FAIL, REVIEW,
         "the IN pack requires one"),
    case("recorder-us-not-required", "RECORDER_REQUIRED", "us", {"visit.recorder": False},
         NA, BLOCK, "Not required by the US pack"),
    case("recorder-uk-not-required", "RECORDER_REQUIRED", "uk", {"visit.recorder": False},
         NA, BLOCK, "Not required by the UK pack"),
]
# fmt: on


@pytest.mark.parametrize("rows", by_rule(CASES))
def test_rule(rows):
    check_all(rows)
