"""Session idle expiry and the two-factor gate."""

import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .two_factor import session_pending

SEEN_KEY = "fv_seen"
# An active session is renewed at most this often: not one session write per request.
RENEW_SECONDS = 60


class SessionIdleMiddleware:
    """A session lives SESSION_COOKIE_AGE after its last save. Renewing it on use (at most
    once a minute) makes that an idle timeout: active users stay in, and a session left
    alone for the idle period is gone on the server, whatever the browser keeps."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(SEEN_KEY, 0) >= RENEW_SECONDS:
                session[SEEN_KEY] = now  # modified: SessionMiddleware saves and renews it
        return response


# Pages a session waiting for its code may still reach (by URL name), besides static files
# and the API (whose session authentication refuses such sessions itself).
OPEN_WHILE_PENDING = frozenset(
    {
        "two_factor_verify",
        "two_factor_enrol",
        "logout",
        "login",
        "set_language",
        "javascript-catalog",
        # Public pages that never use the session's user.
        "visits:borrower_notice",
        "visits:sms_receipt",
    }
)


class TwoFactorMiddleware:
    """Until a session that must confirm a code has done so, every page redirects to the
    verify step (which sends users without a device on to enrolment)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not session_pending(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_WHILE_PENDING:
            return None
        if request.path.startswith(("/api/", f"/{settings.STATIC_URL.lstrip('/')}")):
            return None
        target = reverse("two_factor_verify")
        following = request.get_full_path()
        if request.method == "GET" and url_has_allowed_host_and_scheme(following, None):
            target = f"{target}?{urlencode({'next': following})}"
        return redirect(target)
