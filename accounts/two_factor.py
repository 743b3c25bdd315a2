"""Two-factor authentication: who must confirm a one-time code, and the session's state.

A user must confirm a TOTP code after the password when their role is listed in
FIELDVISIT_2FA_REQUIRED_ROLES or when they enrolled a device of their own accord. The
decision is taken once per login (signals.py) and kept in the session, so ordinary requests
cost no query; until the code is confirmed the session is "pending" and the middleware lets
it reach only the verify and enrol pages.
"""

import base64
from enum import StrEnum

import segno
from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from collections_app.roles import role_of

SESSION_KEY = "fv_2fa"


class State(StrEnum):
    PENDING = "pending"  # password given, code not yet
    VERIFIED = "verified"
    NOT_NEEDED = "off"


class Outcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    THROTTLED = "throttled"  # django-otp's growing delay after wrong codes


def required_for(user) -> bool:
    role = role_of(user)
    return role is not None and role in set(settings.FIELDVISIT_2FA_REQUIRED_ROLES)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def must_verify(user) -> bool:
    if not settings.FIELDVISIT_2FA_ENABLED:
        return False
    return required_for(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_start(session, user) -> None:
    session[SESSION_KEY] = State.PENDING if must_verify(user) else State.NOT_NEEDED


def session_state(request) -> State | None:
    """The session's state; sessions from before 2FA existed are decided on first use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    state = request.session.get(SESSION_KEY)
    if state is None:
        session_start(request.session, user)
        state = request.session[SESSION_KEY]
    return State(state)


def session_pending(request) -> bool:
    return session_state(request) is State.PENDING


def verify(request, *, device: TOTPDevice, token: str) -> Outcome:
    """Check `token` against the user's device; on success the session is verified."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        return Outcome.THROTTLED
    if not device.verify_token(token.strip()):
        return Outcome.WRONG
    _mark_verified(request, device)
    return Outcome.OK


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled: reused on reload, so the secret stays put."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def enrol_confirm(request, *, device: TOTPDevice, token: str) -> Outcome:
    """Confirm the enrolment with the first code from the app; replaces any older device."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        return Outcome.THROTTLED
    if not device.verify_token(token.strip()):
        return Outcome.WRONG
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _mark_verified(request, device)
    return Outcome.OK


def _mark_verified(request, device: TOTPDevice) -> None:
    otp_login(request, device)
    # A new session key, as at login: the verified session is not the pending one.
    request.session.cycle_key()
    request.session[SESSION_KEY] = State.VERIFIED


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no image request, no inline style)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=4, border=2, dark="#000", light="#fff")
