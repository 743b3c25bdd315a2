"""API tokens for integrations (issue 7 item 4): created by an admin, shown once, stored hashed.

A token acts as its owner (same scope and masking as the owner's pages) and is further
limited by its scopes. Only a short prefix (to find the row) and the SHA-256 of the whole
key are stored: a leaked database does not leak usable keys. SHA-256 rather than a slow
password hash because the secret is 256 random bits, not something a person chose.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .borrowers import ChoiceListValidator


class TokenScope(models.TextChoices):
    READ = "read", _("Read (GET only)")
    LEDGER_WRITE = "ledger:write", _("Ledger write (batch upserts)")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_split(key: str) -> tuple[str, str] | None:
    """`<prefix>.<secret>` → (prefix, key); None when the shape is wrong."""
    prefix, dot, secret = key.partition(".")
    if not dot or len(prefix) != ApiToken.PREFIX_LENGTH or not secret:
        return None
    return prefix, key


class ApiToken(models.Model):
    PREFIX_LENGTH = 8
    Scope = TokenScope

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    scopes = models.JSONField(
        _("scopes"), default=list, validators=[ChoiceListValidator(TokenScope.values)]
    )
    prefix = models.CharField(_("key prefix"), max_length=8, unique=True, editable=False)
    key_sha256 = models.CharField(_("key hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def issue_key(self) -> str:
        """A fresh key for this (unsaved) token; the caller shows it once, we keep its hash."""
        self.prefix = secrets.token_hex(self.PREFIX_LENGTH // 2)
        key = f"{self.prefix}.{secrets.token_urlsafe(32)}"
        self.key_sha256 = key_hash(key)
        return key

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.key_sha256, key_hash(key))

    def allows(self, scope: str) -> bool:
        return scope in self.scopes
