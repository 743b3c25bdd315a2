"""The borrower's link in a notice: signed and expiring, so it needs no login.

The token carries only the notice's public id; the signature (SECRET_KEY, own salt) makes it
unforgeable, and it expires a set time after it was issued (settings.NOTICE_LINK_MAX_AGE).
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from visits.models import Notice

SALT = "fieldvisit.notice-link"


class LinkInvalid(Exception):
    """Tampered, malformed or unknown."""


class LinkExpired(Exception):
    pass


def notice_link_token(*, notice: Notice) -> str:
    return signing.dumps(str(notice.public_id), salt=SALT, compress=True)


def notice_link_path(*, notice: Notice) -> str:
    return reverse("visits:borrower_notice", args=[notice_link_token(notice=notice)])


def notice_link_url(*, notice: Notice) -> str:
    """Absolute URL for the notice text (settings.FIELDVISIT_PUBLIC_URL, no trailing slash)."""
    return settings.FIELDVISIT_PUBLIC_URL.rstrip("/") + notice_link_path(notice=notice)


def notice_from_token(token: str) -> Notice:
    """The notice a link points to; raises LinkExpired or LinkInvalid."""
    try:
        public_id = signing.loads(token, salt=SALT, max_age=settings.NOTICE_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    notice = (
        Notice.objects.select_related("visit", "visit__borrower", "visit__case")
        .filter(public_id=public_id)
        .first()
    )
    if notice is None:
        raise LinkInvalid
    return notice
