"""What happened at the door (compliance/rules/conduct.py): the post-visit report rules."""

from math import degrees

import pytest

from compliance.rules.facts import GeoPoint
from compliance.rules.geo import EARTH_RADIUS_M

from .support import (
    BLOCK,
    FAIL,
    HOME,
    NA,
    PASS,
    REVIEW,
    by_rule,
    case,
    check_all,
)

PACKS = ("cn", "us", "uk", "in")
CLEAN = "no prohibited terms in the notes"


def _north(metres):
    """A check-in point `metres` due north of the visit address."""
    return {
        "report.check_in_location": GeoPoint(HOME.lat + degrees(metres / EARTH_RADIUS_M), HOME.lng)
    }


def _checklist(**items):
    return {f"report.checklist.{name}": value for name, value in items.items()}


def _notes(text, **items):
    return {"report.notes": text, **_checklist(**items)}


# fmt: off
CASES = [
    # PRESENCE_VERIFIED — check-in within 300 m of the address, review
    case("presence-at-address", "PRESENCE_VERIFIED", "cn", {}, PASS, REVIEW,
         "Checked in 0 m from the visit address (accuracy 8 m); at most 300 m"),
    case("presence-300m", "PRESENCE_VERIFIED", "cn", _north(300), PASS, REVIEW, "300 m from"),
    case("presence-301m", "PRESENCE_VERIFIED", "cn", _north(301), FAIL, REVIEW,
         "Checked in 301 m from the visit address (accuracy ? m); at most 300 m"),
    case("presence-300.4m", "PRESENCE_VERIFIED", "uk", _north(300.4), FAIL, REVIEW,
         "at most 300 m"),
    *[
        case(f"presence-{pack}-2km", "PRESENCE_VERIFIED", pack, _north(2000), FAIL, REVIEW,
             "2000 m")
        for pack in ("us", "uk", "in")
    ],
    case("presence-no-check-in-location", "PRESENCE_VERIFIED", "in",
         {"report.check_in_location": None}, FAIL, REVIEW, "No check-in location recorded"),
    case("presence-address-without-coordinates", "PRESENCE_VERIFIED", "us",
         {"report.address_location": None}, FAIL, REVIEW, "has no coordinates"),
    # DISCLOSURE_AT_START — ID shown, institution named, purpose stated
    case("disclosure-complete", "DISCLOSURE_AT_START", "cn", {}, PASS, BLOCK,
         "ID shown, institution named and purpose stated at the start"),
    case("disclosure-no-id", "DISCLOSURE_AT_START", "cn", _checklist(id_shown=False), FAIL, BLOCK,
         "At the start of the visit: ID not shown."),
    case("disclosure-institution-and-purpose", "DISCLOSURE_AT_START", "us",
         _checklist(institution_named=False, purpose_stated=False), FAIL, BLOCK,
         "institution not named; purpose not stated"),
    # ENTRY_CONSENT — entered only with consent; left when asked (None = not asked)
    case("entry-not-entered", "ENTRY_CONSENT", "cn", {}, PASS, BLOCK,
         "The premises were not entered"),
    case("entry-with-consent", "ENTRY_CONSENT", "cn",
         _checklist(entered_premises=True, consent_to_enter=True), PASS, BLOCK,
         "entered with consent"),
    case("entry-consent-unknown", "ENTRY_CONSENT", "cn",
         _checklist(entered_premises=True, consent_to_enter=None), FAIL, BLOCK,
         "The premises were entered without recorded consent"),
    case("entry-consent-refused", "ENTRY_CONSENT", "uk",
         _checklist(entered_premises=True, consent_to_enter=False), FAIL, BLOCK,
         "without recorded consent"),
    case("entry-did-not-leave", "ENTRY_CONSENT", "in",
         _checklist(entered_premises=True, consent_to_enter=True, left_when_asked=False),
         FAIL, BLOCK, "The collectors did not leave when asked to"),
    case("entry-did-not-leave-doorstep", "ENTRY_CONSENT", "us", _checklist(left_when_asked=False),
         FAIL, BLOCK, "did not leave"),
    case("entry-left-when-asked", "ENTRY_CONSENT", "cn",
         _checklist(entered_premises=True, consent_to_enter=True, left_when_asked=True),
         PASS, BLOCK, "entered with consent"),
    case("entry-not-asked-to-leave", "ENTRY_CONSENT", "cn", _checklist(left_when_asked=None),
         PASS, BLOCK, "not entered"),
    # PROHIBITED_CONDUCT — checklist plus a scan of the notes (zh substrings, en inflections)
    case("conduct-clean", "PROHIBITED_CONDUCT", "cn", {}, PASS, BLOCK,
         f"No threats, insults or impersonation reported, and {CLEAN}"),
    case("conduct-clean-zh", "PROHIBITED_CONDUCT", "cn",
         _notes("借款人态度良好，同意下周五还款五百元。"), PASS, BLOCK, CLEAN),
    case("conduct-clean-en", "PROHIBITED_CONDUCT", "us",
         _notes("Spoke with the borrower at the door; she will pay 200 on the 15th."), PASS, BLOCK,
         CLEAN),
    case("conduct-zh-jail", "PROHIBITED_CONDUCT", "cn", _notes("告诉他不还钱就要坐牢了"),
         FAIL, BLOCK, "Prohibited conduct: the notes mention “坐牢”."),
    case("conduct-zh-police-in-sentence", "PROHIBITED_CONDUCT", "cn",
         _notes("说要报警，让警察来抓你"), FAIL, BLOCK, "the notes mention “抓你”, “警察”"),
    case("conduct-zh-in-in-pack", "PROHIBITED_CONDUCT", "in", _notes("他骂借款人是老赖"),
         FAIL, BLOCK, "“老赖”"),
    case("conduct-en-inflection-arrested", "PROHIBITED_CONDUCT", "us",
         _notes("Told him he would be arrested tomorrow."), FAIL, BLOCK,
         "the notes mention “arrested”"),
    case("conduct-en-upper-case", "PROHIBITED_CONDUCT", "uk",
         _notes("SAID HE WOULD CALL THE POLICE"),
         FAIL, BLOCK, "“police”"),
    case("conduct-en-several-sorted", "PROHIBITED_CONDUCT", "cn",
         _notes("Threatened to sue the family."), FAIL, BLOCK, "“sue”, “threatened”"),
    case("conduct-en-phrase", "PROHIBITED_CONDUCT", "in", _notes("Left a Lawyer Letter."),
         FAIL, BLOCK, "“lawyer letter”"),
    case("conduct-checklist-threats", "PROHIBITED_CONDUCT", "cn",
         _checklist(threats_or_insults=True),
         FAIL, BLOCK, "Prohibited conduct: threats or insults reported in the checklist."),
    case("conduct-checklist-impersonation", "PROHIBITED_CONDUCT", "us",
         _checklist(impersonated_authority=True), FAIL, BLOCK,
         "impersonating an authority reported in the checklist"),
    case("conduct-checklist-and-notes", "PROHIBITED_CONDUCT", "cn",
         _notes("他说要坐牢", threats_or_insults=True), FAIL, BLOCK,
         "threats or insults reported in the checklist; the notes mention “坐牢”"),
    case("conduct-en-not-other-words", "PROHIBITED_CONDUCT", "uk",
         _notes("Left a copy of the warranty; the borrower was courteous, in harmony."),
         PASS, BLOCK, CLEAN),
    case("conduct-en-term-next-to-chinese", "PROHIBITED_CONDUCT", "cn",
         _notes("他说要叫police来"), FAIL, BLOCK, "“police”"),
    case("conduct-en-inflections", "PROHIBITED_CONDUCT", "us",
         _notes("Threatening prosecution; said the cops arrested people like him."), FAIL, BLOCK,
         "“arrested”, “cops”, “prosecution”, “threatening”"),
    case("conduct-en-e-dropping-inflections", "PROHIBITED_CONDUCT", "uk",
         _notes("Talked about suing him, exposing and shaming him."), FAIL, BLOCK,
         "“exposing”, “shaming”, “suing”"),
    # THIRD_PARTY_DISCLOSURE, NO_CASH_OR_FEES — block everywhere
    *[
        row
        for pack in PACKS
        for row in (
            case(f"disclosed-{pack}", "THIRD_PARTY_DISCLOSURE", pack,
                 _checklist(disclosed_to_third_party=True), FAIL, BLOCK,
                 "Debt information was disclosed to a third party"),
            case(f"cash-{pack}", "NO_CASH_OR_FEES", pack, _checklist(cash_collected=True),
                 FAIL, BLOCK, "Cash or a fee was taken outside the official repayment channels"),
        )
    ],
    case("not-disclosed", "THIRD_PARTY_DISCLOSURE", "cn", {}, PASS, BLOCK,
         "No debt information disclosed to third parties"),
    case("no-cash", "NO_CASH_OR_FEES", "cn", {}, PASS, BLOCK, "No cash or fees taken"),
    # RECORDING_ATTACHED — CN block, IN review, US/UK n/a
    case("recording-cn-attached", "RECORDING_ATTACHED", "cn", {}, PASS, BLOCK,
         "A recording of the visit is attached"),
    case("recording-cn-missing", "RECORDING_ATTACHED", "cn", {"report.recording_attached": False},
         FAIL, BLOCK, "No recording of the visit is attached"),
    case("recording-in-missing", "RECORDING_ATTACHED", "in", {"report.recording_attached": False},
         FAIL, REVIEW, "No recording"),
    case("recording-us-not-required", "RECORDING_ATTACHED", "us",
         {"report.recording_attached": False},
         NA, BLOCK, "Not required by the US pack"),
    case("recording-uk-not-required", "RECORDING_ATTACHED", "uk",
         {"report.recording_attached": False},
         NA, BLOCK, "Not required by the UK pack"),
    # VULNERABILITY_OBSERVED — review everywhere
    *[
        case(f"vulnerability-observed-{pack}", "VULNERABILITY_OBSERVED", pack,
             {"report.vulnerability_observed": True}, FAIL, REVIEW,
             "Vulnerability was observed during the visit; the borrower will be flagged")
        for pack in PACKS
    ],
    case("vulnerability-not-observed", "VULNERABILITY_OBSERVED", "cn", {}, PASS, REVIEW,
         "No vulnerability observed"),
]
# fmt: on


@pytest.mark.parametrize("rows", by_rule(CASES))
def test_rule(rows):
    check_all(rows)
