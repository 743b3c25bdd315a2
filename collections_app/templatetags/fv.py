"""Template filters: money as CNY with two decimals, masked personal data, bucket colours."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from collections_app import mask

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
