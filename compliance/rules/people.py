"""Who goes and what for: team size, credentials, training, target, recorder, purpose, place."""

from .base import day, location, not_applicable, result, rule
from .facts import Facts
from .i18n import Text, _
from .policy import ALLOW, Policy

DOCUMENT_LABELS = {"work_id": _("work ID"), "authorization": _("authorization letter")}
CONSENT_LABELS = {"workplace_visit": _("workplace visit"), "hospital_visit": _("hospital visit")}


@rule("PURPOSE_STATED")
def purpose_stated(facts: Facts, policy: Policy):
    purpose = " ".join(facts.visit.purpose.split())
    needed = max(1, policy.rule("PURPOSE_STATED")["min_length"])
    if not purpose:
        return result("PURPOSE_STATED", False, policy, Text(_("No purpose stated for the visit.")))
    shown = purpose if len(purpose) <= 60 else purpose[:59] + "…"
    if len(purpose) < needed:
        return result(
            "PURPOSE_STATED",
            False,
            policy,
            Text(
                _("The purpose “%(purpose)s” is shorter than %(needed)d characters."),
                {"purpose": shown, "needed": needed},
            ),
        )
    return result(
        "PURPOSE_STATED",
        True,
        policy,
        Text(_("Purpose stated: “%(purpose)s”."), {"purpose": shown}),
    )


@rule("LOCATION_ALLOWED")
def location_allowed(facts: Facts, policy: Policy):
    kind = facts.visit.location_type
    entry = policy.rule("LOCATION_ALLOWED")["locations"][kind]
    place = location(kind)
    if entry.severity == ALLOW:
        return result(
            "LOCATION_ALLOWED",
            True,
            policy,
            Text(_("A visit at the %(place)s is allowed."), {"place": place}),
        )
    if entry.consent:
        consent = Text(CONSENT_LABELS[entry.consent])
        if entry.consent in facts.borrower.consents:
            return result(
                "LOCATION_ALLOWED",
                True,
                policy,
                Text(
                    _(
                        "A visit at the %(place)s is allowed with the borrower's recorded consent (%(consent)s)."
                    ),
                    {"place": place, "consent": consent},
                ),
            )
        return result(
            "LOCATION_ALLOWED",
            False,
            policy,
            Text(
                _(
                    "A visit at the %(place)s needs the borrower's recorded consent (%(consent)s); none on file."
                ),
                {"place": place, "consent": consent},
            ),
            entry.severity,
        )
    return result(
        "LOCATION_ALLOWED",
        False,
        policy,
        Text(
            _(
                "The %(pack)s pack does not allow a visit at the %(place)s without further approval."
            ),
            {"place": place, "pack": policy.pack},
        ),
        entry.severity,
    )


def _team_size(code: str, members: int, policy: Policy, what: str):
    config = policy.rule(code)
    low, high = config["min"], config["max"]
    return result(
        code,
        low <= members <= high,
        policy,
        Text(what, {"count": members, "min": low, "max": high}),
    )


@rule("TEAM_SIZE")
def team_size(facts: Facts, policy: Policy):
    members = len({c.id for c in facts.visit.collectors})
    return _team_size(
        "TEAM_SIZE", members, policy, _("%(count)d collector(s) planned; %(min)d–%(max)d required.")
    )


@rule("TEAM_PRESENT")
def team_present(facts: Facts, policy: Policy):
    members = len(set(facts.report.collectors_present))
    return _team_size(
        "TEAM_PRESENT",
        members,
        policy,
        _("%(count)d collector(s) present; %(min)d–%(max)d required."),
    )


def _valid_through(code: str, facts: Facts, policy: Policy, documents: dict, certifications):
    """Each collector's documents valid through the visit's (last) local date, certifications held."""
    if not facts.visit.collectors:
        return not_applicable(code, policy, Text(_("No collectors planned.")))
    visit_day = facts.visit_dates[-1]
    problems = []
    for collector in facts.visit.collectors:
        for label, valid_until in documents(collector):
            if valid_until is None:
                problems.append(
                    Text(
                        _("%(collector)s has no %(document)s on file"),
                        {"collector": collector.id, "document": Text(label)},
                    )
                )
            elif valid_until < visit_day:
                problems.append(
                    Text(
                        _("%(collector)s's %(document)s expired on %(until)s"),
                        {
                            "collector": collector.id,
                            "document": Text(label),
                            "until": day(valid_until),
                        },
                    )
                )
        for missing in sorted(set(certifications) - collector.certifications):
            problems.append(
                Text(
                    _("%(collector)s does not hold certification %(certification)s"),
                    {"collector": collector.id, "certification": missing},
                )
            )
    if problems:
        return result(
            code,
            False,
            policy,
            Text(
                _("On %(date)s: %(problems)s."),
                {"date": day(visit_day), "problems": tuple(problems)},
            ),
        )
    return result(
        code,
        True,
        policy,
        Text(
            _("All %(count)d collectors hold what is required, valid on %(date)s."),
            {"count": len(facts.visit.collectors), "date": day(visit_day)},
        ),
    )


@rule("COLLECTOR_CREDENTIALS")
def collector_credentials(facts: Facts, policy: Policy):
    config = policy.rule("COLLECTOR_CREDENTIALS")
    fields = {"work_id": "work_id_valid_until", "authorization": "authorization_valid_until"}
    wanted = [d for d in ("work_id", "authorization") if d in config["documents"]]

    def documents(collector):
        return [(DOCUMENT_LABELS[d], getattr(collector, fields[d])) for d in wanted]

    return _valid_through(
        "COLLECTOR_CREDENTIALS", facts, policy, documents, config["certifications"]
    )


@rule("COLLECTOR_TRAINING")
def collector_training(facts: Facts, policy: Policy):
    config = policy.rule("COLLECTOR_TRAINING")

    def documents(collector):
        return [(_("training certificate"), collector.training_valid_until)]

    return _valid_through("COLLECTOR_TRAINING", facts, policy, documents, config["certifications"])


@rule("TARGET_IS_DEBTOR")
def target_is_debtor(facts: Facts, policy: Policy):
    config = policy.rule("TARGET_IS_DEBTOR")
    visit = facts.visit
    if visit.target in ("borrower", "guarantor"):
        target = _("the borrower") if visit.target == "borrower" else _("a guarantor")
        return result(
            "TARGET_IS_DEBTOR",
            True,
            policy,
            Text(_("The visit is to %(target)s."), {"target": Text(target)}),
        )
    if not config["third_party_locate_only"]:
        return result(
            "TARGET_IS_DEBTOR",
            False,
            policy,
            Text(
                _("The %(pack)s pack does not allow visiting a third party."), {"pack": policy.pack}
            ),
        )
    if not visit.locate_only:
        return result(
            "TARGET_IS_DEBTOR",
            False,
            policy,
            Text(
                _(
                    "A visit to a third party may only ask where to reach the borrower (locate-only)."
                )
            ),
        )
    attempts, needed = facts.borrower.failed_contact_attempts, config["min_failed_attempts"]
    if attempts < needed:
        return result(
            "TARGET_IS_DEBTOR",
            False,
            policy,
            Text(
                _(
                    "Only %(attempts)d failed attempts to reach the borrower; %(needed)d needed before a third party is visited."
                ),
                {"attempts": attempts, "needed": needed},
            ),
        )
    return result(
        "TARGET_IS_DEBTOR",
        True,
        policy,
        Text(
            _(
                "Locate-only visit to a third party after %(attempts)d failed attempts to reach the borrower."
            ),
            {"attempts": attempts},
        ),
    )


@rule("RECORDER_REQUIRED")
def recorder_required(facts: Facts, policy: Policy):
    if facts.visit.recorder:
        return result("RECORDER_REQUIRED", True, policy, Text(_("A recording device is assigned.")))
    return result(
        "RECORDER_REQUIRED",
        False,
        policy,
        Text(
            _("No recording device assigned; the %(pack)s pack requires one."),
            {"pack": policy.pack},
        ),
    )
