"""Login extras: the one-time-code step, enrolment, the account page, the lockout page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import two_factor
from .forms import CodeForm
from .two_factor import Outcome


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def _code_error(form: CodeForm, outcome: Outcome) -> None:
    if outcome is Outcome.THROTTLED:
        form.add_error("code", _("Too many wrong codes. Wait a little, then try again."))
    else:
        form.add_error("code", _("That code is not right. Enter the current code from the app."))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """After the password: the current code from the user's authenticator app."""
    if not two_factor.session_pending(request):
        return redirect(_next_url(request))
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('two_factor_enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        outcome = two_factor.verify(request, device=device, token=form.cleaned_data["code"])
        if outcome is Outcome.OK:
            return redirect(_next_url(request))
        _code_error(form, outcome)
    context = {"form": form, "next": _next_url(request), "demo": _is_demo(device)}
    return render(
        request, "account/two_factor_verify.html", context, status=400 if form.errors else 200
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request):
    """Set up an authenticator app: scan the QR code (or type the secret), confirm a code.

    A session still waiting for its code may enrol only while the account has no device:
    otherwise a stolen password would be enough to add the thief's phone.
    """
    pending = two_factor.session_pending(request)
    if pending and two_factor.confirmed_device(request.user) is not None:
        return redirect(f"{reverse('two_factor_verify')}?{request.GET.urlencode()}")
    device = two_factor.enrolment_device(request.user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        outcome = two_factor.enrol_confirm(request, device=device, token=form.cleaned_data["code"])
        if outcome is Outcome.OK:
            messages.success(request, _("Two-factor authentication is on for your account."))
            return redirect(_next_url(request) if pending else reverse("account_security"))
        _code_error(form, outcome)
    context = {
        "form": form,
        "next": _next_url(request),
        "pending": pending,
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.secret_base32(device),
    }
    return render(
        request, "account/two_factor_enrol.html", context, status=400 if form.errors else 200
    )


@require_GET
@login_required
def account_security(request):
    """The user's own security settings: two-factor status and the password."""
    context = {
        "device": two_factor.confirmed_device(request.user),
        "required": two_factor.required_for(request.user),
    }
    return render(request, "account/security.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Change one's own password; the validators (AUTH_PASSWORD_VALIDATORS) apply."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)  # stay logged in, 2FA state kept
        messages.success(request, _("Your password has been changed."))
        return redirect("account_security")
    return render(
        request,
        "registration/password_change_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer once a username is locked from this address: the login page
    again, saying so (429, so scripts see it too)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request)
    context = {
        "form": form,
        "locked_out": _(
            "Too many failed logins. This account is locked from your address for "
            "%(minutes)d minutes; an administrator can lift the lock sooner."
        )
        % {"minutes": minutes},
    }
    return render(request, "registration/login.html", context, status=429)


def _is_demo(device) -> bool:
    from collections_app.demo.two_factor import is_demo_device

    return is_demo_device(device)
