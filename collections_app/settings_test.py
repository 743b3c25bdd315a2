"""Test-only overrides: fast hashing, in-memory mail, eager Celery, 2FA off by default."""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Most tests log in with force_login, some as seeded demo users (who have a TOTP device):
# no one-time code unless a test turns 2FA on (tests/security/test_two_factor.py).
FIELDVISIT_2FA_ENABLED = False
FIELDVISIT_2FA_REQUIRED_ROLES = []
# Rate limits off: the counters would outlive each test and add up across the suite.
# tests/security/test_ratelimit.py turns them on with a fresh cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
FIELDVISIT_RATE_BORROWER_PER_IP = 0
FIELDVISIT_RATE_BORROWER_PER_LINK = 0
FIELDVISIT_RATE_SMS_RECEIPT_PER_IP = 0
