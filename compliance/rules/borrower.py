"""What is on file about the borrower and the debt: flags and the limitation period."""

from .base import add_years, day, not_applicable, result, rule
from .facts import Facts
from .i18n import Text, _
from .policy import Policy

FLAG_LABELS = {
    "vulnerable": _("vulnerable"),
    "disputed": _("debt disputed"),
    "represented": _("represented"),
    "cease_contact": _("cease contact requested"),
    "deceased": _("deceased"),
    "complaint_open": _("complaint open"),
    "hardship": _("hardship"),
}


def _flag_rule(code: str, flags: frozenset[str], facts: Facts, policy: Policy, clear: str):
    found = sorted(flags & facts.borrower.flags)
    if found:
        return result(
            code,
            False,
            policy,
            Text(
                _("On file for the borrower: %(flags)s."),
                {"flags": tuple(Text(FLAG_LABELS[f]) for f in found)},
            ),
        )
    return result(code, True, policy, Text(clear))


@rule("CEASE_CONTACT")
def cease_contact(facts: Facts, policy: Policy):
    return _flag_rule(
        "CEASE_CONTACT",
        frozenset({"cease_contact"}),
        facts,
        policy,
        _("No cease-contact or do-not-visit request on file."),
    )


@rule("REPRESENTED")
def represented(facts: Facts, policy: Policy):
    return _flag_rule(
        "REPRESENTED",
        frozenset({"represented"}),
        facts,
        policy,
        _("The borrower is not recorded as represented by a lawyer or debt adviser."),
    )


@rule("DISPUTE_OPEN")
def dispute_open(facts: Facts, policy: Policy):
    return _flag_rule(
        "DISPUTE_OPEN",
        policy.rule("DISPUTE_OPEN")["flags"],
        facts,
        policy,
        _("No open dispute or complaint on file."),
    )


@rule("VULNERABILITY")
def vulnerability(facts: Facts, policy: Policy):
    return _flag_rule(
        "VULNERABILITY",
        frozenset({"vulnerable"}),
        facts,
        policy,
        _("No vulnerability or capacity concern on file."),
    )


@rule("DECEASED")
def deceased(facts: Facts, policy: Policy):
    return _flag_rule(
        "DECEASED",
        frozenset({"deceased"}),
        facts,
        policy,
        _("The borrower is not recorded as deceased."),
    )


@rule("TIME_BARRED")
def time_barred(facts: Facts, policy: Policy):
    debt = facts.debt
    if debt.oldest_unpaid_due_date is None:
        return not_applicable("TIME_BARRED", policy, Text(_("No unpaid due date on file.")))
    years = policy.rule("TIME_BARRED")["years"]
    runs_from = max(
        d for d in (debt.oldest_unpaid_due_date, debt.last_acknowledged_on) if d is not None
    )
    ends = add_years(runs_from, years)
    visit_day = facts.local_start.date()
    params = {"years": years, "from": day(runs_from), "end": day(ends), "date": day(visit_day)}
    if visit_day > ends:
        return result(
            "TIME_BARRED",
            False,
            policy,
            Text(
                _(
                    "The %(years)d-year limitation period ran from %(from)s and ended on %(end)s; the visit is on %(date)s."
                ),
                params,
            ),
        )
    return result(
        "TIME_BARRED",
        True,
        policy,
        Text(_("The %(years)d-year limitation period from %(from)s runs until %(end)s."), params),
    )
