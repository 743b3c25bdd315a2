"""Shared --as-of parsing for the scoring commands."""

from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _


def as_of_date(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("--as-of must be a date as YYYY-MM-DD, got %(value)s.") % {"value": value}
        ) from None
