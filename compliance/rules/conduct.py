"""What happened at the door: presence, disclosure, entry, conduct, money, recording."""

import re
from functools import lru_cache

from . import geo
from .base import result, rule
from .facts import Facts, GeoPoint
from .i18n import Text, _
from .policy import Policy


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance in metres between two points of the facts."""
    return geo.distance_m(a.lat, a.lng, b.lat, b.lng)


@rule("PRESENCE_VERIFIED")
def presence_verified(facts: Facts, policy: Policy):
    report = facts.report
    limit = policy.rule("PRESENCE_VERIFIED")["max_distance_m"]
    if report.check_in_location is None:
        return result("PRESENCE_VERIFIED", False, policy, Text(_("No check-in location recorded.")))
    if report.address_location is None:
        return result(
            "PRESENCE_VERIFIED",
            False,
            policy,
            Text(_("The visit address has no coordinates, so presence cannot be verified.")),
        )
    distance = distance_m(report.check_in_location, report.address_location)
    metres = round(distance)
    accuracy = report.check_in_location.accuracy_m
    return result(
        "PRESENCE_VERIFIED",
        distance <= limit,
        policy,
        Text(
            _(
                "Checked in %(distance)d m from the visit address (accuracy %(accuracy)s m); at most %(limit)d m."
            ),
            {
                "distance": metres,
                "accuracy": "?" if accuracy is None else f"{accuracy:g}",
                "limit": limit,
            },
        ),
    )


@rule("DISCLOSURE_AT_START")
def disclosure_at_start(facts: Facts, policy: Policy):
    checklist = facts.report.checklist
    missing = [
        Text(label)
        for done, label in (
            (checklist.id_shown, _("ID not shown")),
            (checklist.institution_named, _("institution not named")),
            (checklist.purpose_stated, _("purpose not stated")),
        )
        if not done
    ]
    if missing:
        return result(
            "DISCLOSURE_AT_START",
            False,
            policy,
            Text(_("At the start of the visit: %(missing)s."), {"missing": tuple(missing)}),
        )
    return result(
        "DISCLOSURE_AT_START",
        True,
        policy,
        Text(_("ID shown, institution named and purpose stated at the start.")),
    )


@rule("ENTRY_CONSENT")
def entry_consent(facts: Facts, policy: Policy):
    checklist = facts.report.checklist
    if checklist.left_when_asked is False:
        return result(
            "ENTRY_CONSENT", False, policy, Text(_("The collectors did not leave when asked to."))
        )
    if checklist.entered_premises and checklist.consent_to_enter is not True:
        return result(
            "ENTRY_CONSENT",
            False,
            policy,
            Text(_("The premises were entered without recorded consent.")),
        )
    if checklist.entered_premises:
        return result(
            "ENTRY_CONSENT", True, policy, Text(_("The premises were entered with consent."))
        )
    return result("ENTRY_CONSENT", True, policy, Text(_("The premises were not entered.")))


INFLECTIONS = "s|es|ed|d|ing|er|ers|en|ened|ening|e|ion|ions|ment|ments"


@lru_cache(maxsize=32)
def _english_terms(terms: tuple[str, ...]) -> re.Pattern:
    # A term plus an inflection ("arrest" finds "arrested", "prosecut" finds "prosecution"),
    # but not other words that merely start with it ("cop" is not "copy"). Latin letters
    # bound the word, so a term written right after Chinese text is still found.
    # A final "e" drops before "-ing": sue → suing, expose → exposing.
    forms = set(terms) | {t[:-1] + "ing" for t in terms if t.endswith("e")}
    alternatives = "|".join(re.escape(t) for t in sorted(forms, key=len, reverse=True))
    return re.compile(
        rf"(?<![A-Za-z])(?:{alternatives})(?:{INFLECTIONS})?(?![A-Za-z])", re.IGNORECASE
    )


def prohibited_terms(notes: str, terms_zh: tuple[str, ...], terms_en: tuple[str, ...]) -> list[str]:
    found = [term for term in terms_zh if term in notes]
    if terms_en:
        found += sorted({m.group(0).lower() for m in _english_terms(terms_en).finditer(notes)})
    return found


@rule("PROHIBITED_CONDUCT")
def prohibited_conduct(facts: Facts, policy: Policy):
    config = policy.rule("PROHIBITED_CONDUCT")
    report = facts.report
    problems = []
    if report.checklist.threats_or_insults:
        problems.append(Text(_("threats or insults reported in the checklist")))
    if report.checklist.impersonated_authority:
        problems.append(Text(_("impersonating an authority reported in the checklist")))
    terms = prohibited_terms(report.notes, config["terms_zh"], config["terms_en"])
    if terms:
        problems.append(
            Text(_("the notes mention %(terms)s"), {"terms": ", ".join(f"“{t}”" for t in terms)})
        )
    if problems:
        return result(
            "PROHIBITED_CONDUCT",
            False,
            policy,
            Text(_("Prohibited conduct: %(problems)s."), {"problems": tuple(problems)}),
        )
    return result(
        "PROHIBITED_CONDUCT",
        True,
        policy,
        Text(
            _(
                "No threats, insults or impersonation reported, and no prohibited terms in the notes."
            )
        ),
    )


def _checklist_rule(code: str, failed: bool, policy: Policy, bad: str, good: str):
    return result(code, not failed, policy, Text(bad if failed else good))


@rule("THIRD_PARTY_DISCLOSURE")
def third_party_disclosure(facts: Facts, policy: Policy):
    return _checklist_rule(
        "THIRD_PARTY_DISCLOSURE",
        facts.report.checklist.disclosed_to_third_party,
        policy,
        _("Debt information was disclosed to a third party."),
        _("No debt information disclosed to third parties."),
    )


@rule("NO_CASH_OR_FEES")
def no_cash_or_fees(facts: Facts, policy: Policy):
    return _checklist_rule(
        "NO_CASH_OR_FEES",
        facts.report.checklist.cash_collected,
        policy,
        _("Cash or a fee was taken outside the official repayment channels."),
        _("No cash or fees taken outside the official repayment channels."),
    )


@rule("RECORDING_ATTACHED")
def recording_attached(facts: Facts, policy: Policy):
    return _checklist_rule(
        "RECORDING_ATTACHED",
        not facts.report.recording_attached,
        policy,
        _("No recording of the visit is attached."),
        _("A recording of the visit is attached."),
    )


@rule("VULNERABILITY_OBSERVED")
def vulnerability_observed(facts: Facts, policy: Policy):
    return _checklist_rule(
        "VULNERABILITY_OBSERVED",
        facts.report.vulnerability_observed,
        policy,
        _("Vulnerability was observed during the visit; the borrower will be flagged."),
        _("No vulnerability observed during the visit."),
    )
