"""Whether the evidence belongs to the visit (compliance/rules/evidence.py): EXIF time and place
against the check-in, and the same file on two visits.

Baseline (support.py): check-in 10:05, check-out 10:50 local at HOME; one photo taken at the
door at 10:10 and one recording. Every pack: within 2 h and 1000 m, severity review.
"""

import copy
from datetime import UTC, timedelta
from math import degrees

import pytest

from compliance.rules import Decision, Stage, evaluate, policy_from_pack
from compliance.rules.evidence import SHORT_HASH
from compliance.rules.facts import EvidenceFacts, GeoPoint
from compliance.rules.geo import EARTH_RADIUS_M

from .support import (
    BASE,
    FAIL,
    HOME,
    NA,
    PACK_DATA,
    PASS,
    POLICIES,
    REVIEW,
    RULES,
    by_rule,
    case,
    check_all,
    facts_for,
    finding,
    sha,
)

PACKS = ("cn", "us", "uk", "in")
H2 = timedelta(hours=2)
MINUTE = timedelta(minutes=1)
RECORDING = EvidenceFacts("audio", sha("visit.m4a"))


def short(name: str) -> str:
    return sha(name)[:SHORT_HASH]


def report(pack: str):
    return BASE[Stage.POST][pack].report


def north(metres: float, of: GeoPoint = HOME) -> GeoPoint:
    return GeoPoint(of.lat + degrees(metres / EARTH_RADIUS_M), of.lng)


def photo(name: str, taken=None, place=None, reused=False) -> EvidenceFacts:
    return EvidenceFacts("photo", sha(name), taken, place, reused)


def evidence(*items: EvidenceFacts, **more) -> dict:
    return {"report.evidence": items, **more}


def in_minus(pack: str, delta: timedelta):
    return report(pack).check_in_at - delta


def out_plus(pack: str, delta: timedelta):
    return report(pack).check_out_at + delta


def during(pack: str):
    return report(pack).check_in_at + timedelta(minutes=5)


MATCHES = (
    "The photos match the visit: EXIF times within 2 h of the visit (photos compared: 1); "
    "EXIF positions within 1000 m of the check-in (photos compared: 1)."
)

# fmt: off
CASES = [
    # EVIDENCE_METADATA — EXIF time within [check-in − 2 h, check-out + 2 h], place within 1000 m
    *[
        case(f"metadata-baseline-{pack}", "EVIDENCE_METADATA", pack, {}, PASS, REVIEW, MATCHES)
        for pack in PACKS
    ],
    case("metadata-2h-before-check-in", "EVIDENCE_METADATA", "cn",
         evidence(photo("early.jpg", in_minus("cn", H2), HOME)), PASS, REVIEW, MATCHES),
    case("metadata-2h01-before-check-in", "EVIDENCE_METADATA", "cn",
         evidence(photo("early.jpg", in_minus("cn", H2 + MINUTE), HOME)), FAIL, REVIEW,
         f"The evidence does not match the visit: photo {short('early.jpg')} was taken 2.02 h "
         "before check-in (at most 2 h)."),
    case("metadata-2h-after-check-out", "EVIDENCE_METADATA", "cn",
         evidence(photo("late.jpg", out_plus("cn", H2), HOME)), PASS, REVIEW, MATCHES),
    case("metadata-2h01-after-check-out", "EVIDENCE_METADATA", "cn",
         evidence(photo("late.jpg", out_plus("cn", H2 + MINUTE), HOME)), FAIL, REVIEW,
         f"photo {short('late.jpg')} was taken 2.02 h after check-out (at most 2 h)"),
    case("metadata-no-check-out-2h-after-check-in", "EVIDENCE_METADATA", "uk",
         evidence(photo("late.jpg", report("uk").check_in_at + H2, HOME),
                  **{"report.check_out_at": None}), PASS, REVIEW, MATCHES),
    case("metadata-no-check-out-2h01-after-check-in", "EVIDENCE_METADATA", "uk",
         evidence(photo("late.jpg", report("uk").check_in_at + H2 + MINUTE, HOME),
                  **{"report.check_out_at": None}), FAIL, REVIEW,
         f"photo {short('late.jpg')} was taken 2.02 h after check-in (at most 2 h)"),
    case("metadata-a-day-early", "EVIDENCE_METADATA", "in",
         evidence(photo("old.jpg", in_minus("in", timedelta(days=1)), HOME)), FAIL, REVIEW,
         "was taken 24 h before check-in (at most 2 h)"),
    # EXIF times are compared as instants, whatever offset they carry.
    case("metadata-utc-exif-2h-before", "EVIDENCE_METADATA", "cn",
         evidence(photo("utc.jpg", in_minus("cn", H2).astimezone(UTC), HOME)), PASS, REVIEW,
         MATCHES),
    case("metadata-1000m", "EVIDENCE_METADATA", "cn",
         evidence(photo("far.jpg", during("cn"), north(1000))), PASS, REVIEW, MATCHES),
    case("metadata-1001m", "EVIDENCE_METADATA", "cn",
         evidence(photo("far.jpg", during("cn"), north(1001))), FAIL, REVIEW,
         f"The evidence does not match the visit: photo {short('far.jpg')} was taken 1001 m "
         "from the check-in location (at most 1000 m)."),
    case("metadata-1000.4m", "EVIDENCE_METADATA", "us",
         evidence(photo("far.jpg", during("us"), north(1000.4))), FAIL, REVIEW,
         "(at most 1000 m)"),
    # Distance from where the collectors checked in, not from the visit address.
    case("metadata-at-address-far-from-check-in", "EVIDENCE_METADATA", "cn",
         evidence(photo("door.jpg", during("cn"), HOME),
                  **{"report.check_in_location": north(1500)}), FAIL, REVIEW,
         "taken 1500 m from the check-in location"),
    case("metadata-at-check-in-far-from-address", "EVIDENCE_METADATA", "cn",
         evidence(photo("door.jpg", during("cn"), north(1500)),
                  **{"report.check_in_location": north(1500)}), PASS, REVIEW, MATCHES),
    case("metadata-time-and-place-of-one-photo", "EVIDENCE_METADATA", "cn",
         evidence(photo("both.jpg", in_minus("cn", H2 + MINUTE), north(5000))), FAIL, REVIEW,
         f"photo {short('both.jpg')} was taken 2.02 h before check-in (at most 2 h); "
         f"photo {short('both.jpg')} was taken 5000 m from the check-in location"),
    *[
        case(f"metadata-far-{pack}", "EVIDENCE_METADATA", pack,
             evidence(photo("far.jpg", during(pack), north(3000)), RECORDING), FAIL, REVIEW,
             "3000 m from the check-in location (at most 1000 m)")
        for pack in ("us", "uk", "in")
    ],
    case("metadata-time-only", "EVIDENCE_METADATA", "cn",
         evidence(photo("no-gps.jpg", during("cn"))), PASS, REVIEW,
         "The photos match the visit: EXIF times within 2 h of the visit (photos compared: 1)."),
    case("metadata-place-only-far", "EVIDENCE_METADATA", "cn",
         evidence(photo("no-time.jpg", None, north(2000))), FAIL, REVIEW,
         f"photo {short('no-time.jpg')} was taken 2000 m"),
    case("metadata-photo-without-exif-not-counted", "EVIDENCE_METADATA", "cn",
         evidence(photo("plain.png"), photo("door.jpg", during("cn"), HOME)), PASS, REVIEW,
         MATCHES),
    # A comparison without its check-in fact is skipped (PRESENCE_VERIFIED fails a missing
    # location); the other one still counts.
    case("metadata-no-check-in-time", "EVIDENCE_METADATA", "cn",
         evidence(photo("old.jpg", in_minus("cn", timedelta(days=3)), HOME),
                  **{"report.check_in_at": None}), PASS, REVIEW,
         "The photos match the visit: EXIF times not compared (no check-in time); "
         "EXIF positions within 1000 m of the check-in (photos compared: 1)."),
    case("metadata-no-check-in-location", "EVIDENCE_METADATA", "cn",
         evidence(photo("far.jpg", during("cn"), north(9000)),
                  **{"report.check_in_location": None}), PASS, REVIEW,
         "EXIF times within 2 h of the visit (photos compared: 1); "
         "EXIF positions not compared (no check-in location)."),
    case("metadata-no-check-in-location-late", "EVIDENCE_METADATA", "cn",
         evidence(photo("late.jpg", out_plus("cn", H2 + MINUTE), north(9000)),
                  **{"report.check_in_location": None}), FAIL, REVIEW,
         "2.02 h after check-out"),
    # Not applicable, and why.
    case("metadata-no-evidence", "EVIDENCE_METADATA", "cn", evidence(), NA, REVIEW,
         "No photos attached to the report."),
    case("metadata-recording-only", "EVIDENCE_METADATA", "us",
         evidence(EvidenceFacts("audio", sha("a.m4a"), in_minus("us", timedelta(days=9)),
                                north(9000))),
         NA, REVIEW, "No photos attached to the report."),
    case("metadata-no-exif", "EVIDENCE_METADATA", "cn",
         evidence(photo("a.png"), photo("b.png"), RECORDING), NA, REVIEW,
         "None of the photos carries an EXIF time or position to compare."),
    case("metadata-no-check-in-at-all", "EVIDENCE_METADATA", "in",
         evidence(photo("door.jpg", during("in"), HOME),
                  **{"report.check_in_at": None, "report.check_in_location": None}), NA, REVIEW,
         "No check-in time or location recorded to compare the photos' EXIF data with."),
    case("metadata-time-only-no-check-in-time", "EVIDENCE_METADATA", "cn",
         evidence(photo("no-gps.jpg", during("cn")), **{"report.check_in_at": None}), NA, REVIEW,
         "No check-in time or location recorded"),
    # EVIDENCE_REUSED — the same file (SHA-256) on another visit, review everywhere
    *[
        case(f"reused-none-{pack}", "EVIDENCE_REUSED", pack, {}, PASS, REVIEW,
             "No evidence file (2 attached) was uploaded for another visit.")
        for pack in PACKS
    ],
    *[
        case(f"reused-photo-{pack}", "EVIDENCE_REUSED", pack,
             evidence(photo("door.jpg", during(pack), HOME, reused=True), RECORDING),
             FAIL, REVIEW,
             "Evidence files also uploaded for another visit: 1 of 2 "
             f"({short('door.jpg')}).")
        for pack in PACKS
    ],
    case("reused-recording-and-photo", "EVIDENCE_REUSED", "cn",
         evidence(photo("a.jpg", reused=True), photo("b.jpg"),
                  EvidenceFacts("audio", sha("old.m4a"), used_on_other_visits=True)),
         FAIL, REVIEW, f"2 of 3 ({short('a.jpg')}, {short('old.m4a')})"),
    case("reused-false", "EVIDENCE_REUSED", "cn", evidence(photo("a.jpg", reused=False)),
         PASS, REVIEW, "No evidence file (1 attached)"),
    case("reused-no-evidence", "EVIDENCE_REUSED", "uk", evidence(), NA, REVIEW,
         "No evidence attached to the report."),
]
# fmt: on


@pytest.mark.parametrize("rows", by_rule(CASES))
def test_rule(rows):
    check_all(rows)


def test_metadata_names_the_first_offending_photo_only():
    items = (
        photo("fine.jpg", during("cn"), HOME),
        photo("second.jpg", in_minus("cn", timedelta(hours=5)), HOME),
        photo("third.jpg", during("cn"), north(4000)),
    )
    message = finding("EVIDENCE_METADATA", "cn", evidence(*items)).message.render()
    assert short("second.jpg") in message and "5 h before check-in" in message
    assert short("fine.jpg") not in message and short("third.jpg") not in message


def test_metadata_limits_come_from_the_pack():
    data = copy.deepcopy(PACK_DATA["cn"])
    params = data["rules"]["EVIDENCE_METADATA"]["params"]
    params["max_hours"]["value"], params["max_distance_m"]["value"] = 3, 50
    policy = policy_from_pack(data)
    late = evidence(photo("late.jpg", out_plus("cn", timedelta(hours=2, minutes=30)), HOME))
    far = evidence(photo("far.jpg", during("cn"), north(60)))
    rule = RULES["EVIDENCE_METADATA"]
    assert rule(facts_for("cn", late, Stage.POST), policy).outcome is PASS
    assert finding("EVIDENCE_METADATA", "cn", late).outcome is FAIL
    message = rule(facts_for("cn", far, Stage.POST), policy).message.render()
    assert "60 m from the check-in location (at most 50 m)" in message


@pytest.mark.parametrize("pack", PACKS)
def test_a_failing_evidence_rule_flags_the_post_check(pack):
    for overrides in (
        evidence(photo("far.jpg", during(pack), north(2000))),
        evidence(photo("door.jpg", during(pack), HOME, reused=True)),
    ):
        verdict = evaluate(Stage.POST, facts_for(pack, overrides, Stage.POST), POLICIES[pack])
        failed = [(f.rule, f.severity) for f in verdict.failed]
        assert verdict.decision is Decision.FLAG, failed
        assert len(failed) == 1 and failed[0][1] is REVIEW


@pytest.mark.parametrize("pack", PACKS)
def test_no_evidence_leaves_a_clean_report_clear(pack):
    facts = facts_for(pack, evidence(), Stage.POST)
    verdict = evaluate(Stage.POST, facts, POLICIES[pack])
    outcomes = {f.rule: f.outcome for f in verdict.findings}
    assert (outcomes["EVIDENCE_METADATA"], outcomes["EVIDENCE_REUSED"]) == (NA, NA)
    assert (verdict.decision, verdict.failed) == (Decision.CLEAR, ())
