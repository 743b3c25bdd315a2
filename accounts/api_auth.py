"""API authentication that respects two-factor authentication.

A browser session counts only once its one-time code is confirmed; a password alone (HTTP
Basic) is refused for accounts that use 2FA: scripts use an API token instead. Tokens are
unaffected: they are issued to a user and can be revoked.
"""

from django.utils.translation import gettext as _
from drf_spectacular.authentication import BasicScheme, SessionScheme
from rest_framework import authentication, exceptions

from .two_factor import must_verify, session_pending


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and session_pending(request._request):
            raise exceptions.AuthenticationFailed(
                _("Confirm your one-time code first: this session is not verified.")
            )
        return result


class PasswordBasicAuthentication(authentication.BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        user, auth = super().authenticate_credentials(userid, password, request)
        if must_verify(user):
            raise exceptions.AuthenticationFailed(
                _("This account uses two-factor authentication: use an API token, not a password.")
            )
        return user, auth


class VerifiedSessionScheme(SessionScheme):
    """The OpenAPI schema describes these like the classes they refine."""

    target_class = VerifiedSessionAuthentication


class PasswordBasicScheme(BasicScheme):
    target_class = PasswordBasicAuthentication
