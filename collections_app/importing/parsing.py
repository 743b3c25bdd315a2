"""Cell parsers: text from a file in, a typed value out, or ValueError with the reason."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_DATE = re.compile(r"(\d{4})[-/]?(\d{1,2})[-/]?(\d{1,2})")
_AMOUNT = re.compile(r"-?\d{1,12}(\.\d{1,2})?")
_RATE = re.compile(r"\d{1,3}(\.\d{1,3})?")
_COORDINATE = re.compile(r"-?\d{1,3}(\.\d{1,6})?")
_TRUE, _FALSE = ("1", "true", "yes", "y", "t"), ("", "0", "false", "no", "n", "f")


def text(max_length: int, *, required: bool = True, default: str = ""):
    def parse(value: str) -> str:
        if not value and default:
            return default
        if required and not value:
            raise ValueError("required")
        if len(value) > max_length:
            raise ValueError(f"longer than {max_length} characters")
        if "\x00" in value:  # the csv module passes it; a database text column refuses it
            raise ValueError("contains a NUL character")
        return value

    return parse


def choice(allowed, *, default: str | None = None):
    allowed = tuple(allowed)

    def parse(value: str) -> str:
        if not value and default is not None:
            return default
        if value not in allowed:
            raise ValueError("not one of " + ", ".join(allowed))
        return value

    parse.choices = allowed  # for the API's schema
    return parse


def day(*, required: bool = True):
    """ISO dates, and the 2026/01/31 and 20260131 forms core systems export."""

    def parse(value: str) -> date | None:
        if len(value) == 10 and value[4] == "-" == value[7] and value.isascii():
            try:  # the common ISO form, parsed in C
                return date.fromisoformat(value)
            except ValueError:
                raise ValueError("not a date (YYYY-MM-DD)") from None
        if not value:
            if required:
                raise ValueError("required")
            return None
        m = _DATE.fullmatch(value)
        if not m:
            raise ValueError("not a date (YYYY-MM-DD)")
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError("not a date (YYYY-MM-DD)") from None

    return parse


def amount(*, positive: bool = False, default: str | None = None):
    """CNY with at most two decimals; never a float."""

    def parse(value: str) -> Decimal:
        if not value and default is not None:
            value = default
        if not _AMOUNT.fullmatch(value):
            raise ValueError("not an amount (digits, at most 2 decimals)")
        result = Decimal(value)
        if positive and result <= 0:
            raise ValueError("must be greater than 0")
        if result < 0:
            raise ValueError("must not be negative")
        return result

    return parse


def rate(value: str) -> Decimal:
    if not _RATE.fullmatch(value):
        raise ValueError("not a rate (percent, at most 3 decimals)")
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        raise ValueError("not a rate") from None


def small_int(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 32767:
        raise ValueError("not a whole number from 1 to 32767")
    return int(value)


def email(value: str) -> str:
    if value and (
        len(value) > 254 or not re.fullmatch(r"[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+", value)
    ):
        raise ValueError("not an e-mail address")
    return value


def coordinate(limit: int):
    """Degrees of latitude (limit 90) or longitude (180), up to six decimals, or empty."""

    def parse(value: str) -> Decimal | None:
        if not value:
            return None
        if not _COORDINATE.fullmatch(value):
            raise ValueError("not a coordinate (degrees, at most 6 decimals)")
        result = Decimal(value)
        if not -limit <= result <= limit:
            raise ValueError(f"must be from -{limit} to {limit}")
        return result

    return parse


def flag(value: str) -> bool:
    """Yes/no cells as core systems and spreadsheets write them; empty is no."""
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("not a yes/no value (1 or 0, true or false)")
