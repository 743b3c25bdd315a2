"""A factor in words: what the case's value of a feature is, in the reader's language.

The stored factors hold the feature name and value (scoring.services.top_factors); the
words are made when shown, so they follow the user's language and never go stale.
"""

import math

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from .features import NO_PAYMENT_DAYS


def factor_text(feature: str, value: float) -> str:
    describe = _TEXTS.get(feature)
    return describe(value) if describe else feature


def _dpd(value: float) -> str:
    days = int(value)
    return ngettext("%(days)d day past due", "%(days)d days past due", days) % {"days": days}


def _dpd_change(value: float) -> str:
    days = int(value)
    if days > 0:
        return ngettext(
            "Arrears grew by %(days)d day in the last 30 days",
            "Arrears grew by %(days)d days in the last 30 days",
            days,
        ) % {"days": days}
    if days < 0:
        return ngettext(
            "Arrears shrank by %(days)d day in the last 30 days",
            "Arrears shrank by %(days)d days in the last 30 days",
            -days,
        ) % {"days": -days}
    return _("Days past due unchanged over the last 30 days")


def _bucket(value: float) -> str:
    return _("In bucket M%(n)d") % {"n": int(value)}


def _overdue(value: float) -> str:
    return _("CNY %(amount)s overdue") % {"amount": f"{math.expm1(value):,.2f}"}


def _paid_ratio(months: int):
    def describe(value: float) -> str:
        return _("Paid %(percent)d%% of the amount due in the last %(months)d months") % {
            "percent": round(value * 100),
            "months": months,
        }

    return describe


def _since_payment(value: float) -> str:
    days = int(value)
    if days >= NO_PAYMENT_DAYS:
        return _("No payment in the last year")
    if days == 0:
        return _("Paid something today")
    return ngettext("Last payment %(days)d day ago", "Last payment %(days)d days ago", days) % {
        "days": days
    }


def _paid_30d(value: float) -> str:
    return (
        _("Paid something in the last 30 days") if value else _("Nothing paid in the last 30 days")
    )


def _kept(value: float) -> str:
    count = int(value)
    if not count:
        return _("No promise to pay kept so far")
    return ngettext("Kept %(count)d promise to pay", "Kept %(count)d promises to pay", count) % {
        "count": count
    }


def _broken(value: float) -> str:
    count = int(value)
    if not count:
        return _("No broken promise to pay")
    return ngettext("Broke %(count)d promise to pay", "Broke %(count)d promises to pay", count) % {
        "count": count
    }


def _pending(value: float) -> str:
    return _("A promise to pay is pending") if value else _("No pending promise to pay")


def _visits(value: float) -> str:
    count = int(value)
    return ngettext(
        "%(count)d visit in the last 90 days", "%(count)d visits in the last 90 days", count
    ) % {"count": count}


def _last_positive(value: float) -> str:
    if value:
        return _("The last visit ended with a payment, a promise or a plan")
    return _("No recent visit ended with a payment, a promise or a plan")


def _last_refused(value: float) -> str:
    if value:
        return _("Refused or disputed at the last visit")
    return _("No refusal or dispute at the last visit")


def _calls(value: float) -> str:
    count = int(value)
    return ngettext(
        "%(count)d connected call in the last 90 days",
        "%(count)d connected calls in the last 90 days",
        count,
    ) % {"count": count}


def _loan_age(value: float) -> str:
    months = int(value)
    return ngettext(
        "Oldest loan is %(months)d month old", "Oldest loan is %(months)d months old", months
    ) % {"months": months}


def _loans(value: float) -> str:
    count = int(value)
    return ngettext("%(count)d loan with the bank", "%(count)d loans with the bank", count) % {
        "count": count
    }


def _has(yes: str, no: str):
    """`yes` and `no` are marked with gettext_noop and translated when shown."""

    def describe(value: float) -> str:
        return _(yes) if value else _(no)

    return describe


_TEXTS = {
    "dpd": _dpd,
    "dpd_change_30d": _dpd_change,
    "bucket": _bucket,
    "overdue_log": _overdue,
    "paid_ratio_3m": _paid_ratio(3),
    "paid_ratio_6m": _paid_ratio(6),
    "days_since_payment": _since_payment,
    "paid_last_30d": _paid_30d,
    "promises_kept": _kept,
    "promises_broken": _broken,
    "promise_pending": _pending,
    "visits_90d": _visits,
    "last_visit_positive": _last_positive,
    "last_visit_refused": _last_refused,
    "calls_connected_90d": _calls,
    "loan_age_months": _loan_age,
    "loans": _loans,
    "has_credit_card": _has(gettext_noop("Has a credit card"), gettext_noop("No credit card")),
    "has_business_loan": _has(
        gettext_noop("Has a business loan"), gettext_noop("No business loan")
    ),
    "has_mortgage": _has(gettext_noop("Has a mortgage"), gettext_noop("No mortgage")),
}
