"""The one place personal data is masked (DESIGN.md §7, PIPL minimisation).

Every screen, export and API goes through these functions; tests pin the formats.
"""

MASK = "*"


def _keep(value: str, head: int, tail: int) -> str:
    """Keep `head` leading and `tail` trailing characters and star the rest.

    Values too short to hide anything are starred completely rather than shown.
    """
    value = (value or "").strip()
    if len(value) <= head + tail:
        return MASK * len(value)
    return value[:head] + MASK * (len(value) - head - tail) + (value[-tail:] if tail else "")


def mask_mobile(value: str) -> str:
    """13812345678 → 138****5678 (first 3, last 4)."""
    digits = (value or "").replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        return "+86 " + _keep(digits[3:], 3, 4)
    return _keep(digits, 3, 4)


def mask_national_id(value: str) -> str:
    """530102199001011234 → 530***********1234 (first 3, last 4)."""
    return _keep(value, 3, 4)


def mask_account(value: str) -> str:
    """6222021234567890123 → 622202*********0123 (first 6, last 4)."""
    return _keep((value or "").replace(" ", ""), 6, 4)


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***; Latin names keep the first letter of each word."""
    value = (value or "").strip()
    if not value:
        return ""
    if " " in value:
        return " ".join(part[0] + MASK * (len(part) - 1) for part in value.split())
    if len(value) == 1:
        return MASK  # a one-character name is the whole name: show nothing of it
    return value[0] + MASK * (len(value) - 1)


MASKERS = {
    "name": mask_name,
    "national_id": mask_national_id,
    "mobile": mask_mobile,
    "alt_phone": mask_mobile,
    "account_number": mask_account,
}


def mask_field(field: str, value: str) -> str:
    return MASKERS[field](value)
