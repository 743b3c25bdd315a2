"""Reveal one masked field in full, for an allowed role, and log it (DESIGN.md §7)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collections_app.models import Borrower
from compliance.models import PiiAccess

REVEAL_PERMISSION = "collections_app.reveal_pii"
REVEALABLE = ("name", "national_id", "mobile", "alt_phone")


@transaction.atomic
def pii_reveal(*, user, borrower: Borrower, field: str, reason: str) -> str:
    """Return the field's full value after writing the PiiAccess row that records it."""
    if not user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied
    if field not in REVEALABLE:
        raise ValidationError({"field": _("This field cannot be revealed.")})
    access = PiiAccess(user=user, borrower=borrower, field=field, reason=reason.strip())
    access.full_clean()
    access.save()
    return getattr(borrower, field)
