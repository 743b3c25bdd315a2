"""Token authentication and scope checks for the REST API.

`Authorization: Token <prefix>.<secret>`. A token acts as its owner; its scopes further
limit it: `read` allows safe methods, `ledger:write` the batch upsert endpoints, nothing
allows other writes (booking, assigning stay with people, not integrations).
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from .models import ApiToken
from .models.api_tokens import TokenScope, key_split

# last_used_at is written at most this often per token: not one UPDATE per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token as: Token <key>."))
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self._check(key)

    def _check(self, key: str):
        parts = key_split(key)
        token = (
            ApiToken.objects.select_related("owner").filter(prefix=parts[0]).first()
            if parts
            else None
        )
        if token is None or not token.matches(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if not token.owner.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is inactive."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.owner, token

    def authenticate_header(self, request) -> str:
        return self.keyword


def _token(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class TokenReadOnly(permissions.BasePermission):
    """Default: a token needs `read` for safe methods and may not write at all."""

    message = gettext_lazy("This API token's scopes do not allow this.")

    def has_permission(self, request, view) -> bool:
        token = _token(request)
        if token is None:
            return True
        return request.method in permissions.SAFE_METHODS and token.allows(TokenScope.READ)


class TokenLedgerWrite(permissions.BasePermission):
    """Batch upserts: a token needs `ledger:write` (a session user, the role permission)."""

    message = gettext_lazy("This API token's scopes do not allow this.")

    def has_permission(self, request, view) -> bool:
        token = _token(request)
        return token is None or token.allows(TokenScope.LEDGER_WRITE)


class TokenSchema(OpenApiAuthenticationExtension):
    """How /api/schema/ describes the token header."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <key>",
        }
