"""Template filters: money as CNY with two decimals, masked personal data, bucket colours."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.dates import WEEKDAYS_ABBR

from collections_app import mask
from collections_app.models import Consent, LocationType, PromiseToPay

register = template.Library()

CURRENCY_SIGNS = {"CNY": "¥", "USD": "$", "GBP": "£", "INR": "₹"}


@register.filter
def money(value, currency: str = "CNY") -> str:
    """1234.5 → ¥1,234.50. Empty for None so a missing amount never reads as zero."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}{CURRENCY_SIGNS.get(currency, currency + ' ')}{abs(amount):,.2f}"


@register.filter
def masked(value, field: str) -> str:
    return mask.mask_field(field, value or "")


@register.filter
def bucket_class(bucket: str) -> str:
    """Bootstrap contextual colour for a bucket badge: worse buckets read hotter."""
    n = int(bucket[1:]) if bucket else 0
    if n == 0:
        return "success"
    if n <= 2:
        return "warning"
    return "danger"


@register.simple_tag
def promise_label(status: str) -> str:
    """The translated label of a promise status code (annotations carry bare codes)."""
    return PromiseToPay.Status(status).label


@register.simple_tag
def weekday_names(days: list[int]) -> str:
    """[5, 6] → "Sat, Sun" in the active language (0 = Monday, as in the rules contract)."""
    return ", ".join(str(WEEKDAYS_ABBR[d]) for d in days)


@register.simple_tag
def location_label(code: str) -> str:
    return LocationType(code).label if code in LocationType.values else code


@register.simple_tag
def consent_label(code: str) -> str:
    return Consent(code).label if code in Consent.values else code
