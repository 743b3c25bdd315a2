"""Fieldvisit settings: one file, every deploy value from the environment.

With no environment variables set you get the embedded default (SQLite file, Celery
eager in-process, console e-mail, media on local disk). DATABASE_URL and
CELERY_BROKER_URL switch to PostgreSQL and Redis. See .env.example for every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

# DEBUG defaults on so `make run` works out of the box; production sets
# DJANGO_DEBUG=false and must then supply a real secret key.
DEBUG = env.bool("DJANGO_DEBUG", default=True)
if DEBUG:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-only-for-debug-mode")
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "collections_app",
    "visits",
    "compliance",
    "scoring",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionIdleMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "collections_app.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "collections_app.urls"
WSGI_APPLICATION = "collections_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "collections_app.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections with health checks: one connection per request halves throughput.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("FIELDVISIT_PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes sees every password check first, so repeated failures lock the
# username from that address (logins and the API's Basic auth alike).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login protection (accounts/, docs/security.md): after FIELDVISIT_LOGIN_FAILURE_LIMIT wrong
# passwords for one username from one address, that pair is locked for the cool-off time.
# Lockouts are listed in Django admin (Axes: access attempts), where an admin can lift them.
AXES_FAILURE_LIMIT = env.int("FIELDVISIT_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("FIELDVISIT_LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "collections_app.ratelimit.client_ip"
AXES_VERBOSE = False  # no start-up banner on every manage.py command; failures are still logged
# How many reverse proxies in front of the app append to X-Forwarded-For; 0 means the
# client address is REMOTE_ADDR (a client could forge the header otherwise).
FIELDVISIT_TRUSTED_PROXY_COUNT = env.int("FIELDVISIT_TRUSTED_PROXY_COUNT", default=0)

# Two-factor authentication (TOTP, django-otp): users of these roles must confirm a code
# after their password; everyone else may enrol from the account page (and then must too).
FIELDVISIT_2FA_REQUIRED_ROLES = env.list(
    "FIELDVISIT_2FA_REQUIRED_ROLES", default=["supervisor", "compliance", "admin"]
)
OTP_TOTP_ISSUER = env("FIELDVISIT_2FA_ISSUER", default="Fieldvisit")
# The admin never shows a user's TOTP secret or QR code (enrolment is the user's own page):
# an administrator must not be able to copy a colleague's second factor.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Not from the environment: only the test settings turn the whole check off.
FIELDVISIT_2FA_ENABLED = True

# Sessions end after this many idle minutes (accounts.middleware.SessionIdleMiddleware
# renews an active session at most once a minute) and when the browser closes.
SESSION_COOKIE_AGE = env.int("FIELDVISIT_SESSION_IDLE_MINUTES", default=30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Browsers sending zh-CN get Simplified Chinese through LocaleMiddleware.
LANGUAGE_CODE = env("DJANGO_LANGUAGE_CODE", default="en")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("DJANGO_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# The API answers 401 (not a login redirect) to anonymous callers; tokens arrive with the API issue.
REST_FRAMEWORK = {
    # Token first: its header makes an unauthenticated request a 401 (not 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "collections_app.api_tokens.TokenAuthentication",
        # Both refuse what 2FA does not allow: an unverified session, a password alone.
        "accounts.api_auth.VerifiedSessionAuthentication",
        "accounts.api_auth.PasswordBasicAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "collections_app.api_tokens.TokenReadOnly",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}

# OpenAPI at /api/schema/; Swagger UI from drf-spectacular-sidecar's files (works offline).
SPECTACULAR_SETTINGS = {
    "TITLE": "Fieldvisit API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="fieldvisit@localhost")

# Celery: no broker configured means tasks run eagerly in-process (embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # 02:00 local: re-derive DPD, buckets and promise outcomes for every loan (set-based).
    "ledger-refresh-nightly": {
        "task": "collections_app.tasks.ledger_refresh_task",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
    # 02:30 local, after the ledger refresh: score open cases (expected recovery, worklist order).
    "score-cases-nightly": {
        "task": "scoring.tasks.score_cases_task",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 6 * 60 * 60},
    },
    # 03:30 local: anonymise borrowers whose cases closed longer ago than the retention period.
    "retention-purge-nightly": {
        "task": "compliance.tasks.retention_purge_task",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 6 * 60 * 60},
    },
    # Visit notices left pending (broker down at booking) or due for a retry.
    "notice-sweep": {
        "task": "visits.tasks.notice_sweep_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Import and evidence-pack jobs whose queueing was lost (broker down when created).
    "stale-jobs-requeue": {
        "task": "collections_app.tasks.jobs_requeue_task",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # 09:00 local: e-mail handlers about complaints due within two days or overdue.
    "complaint-reminders-daily": {
        "task": "compliance.tasks.complaint_remind_task",
        "schedule": crontab(hour=9, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Case lists never run an exact COUNT(*) beyond this many rows per page view.
WORKLIST_PAGE_SIZE = env.int("FIELDVISIT_WORKLIST_PAGE_SIZE", default=25)

# Visit notices (visits/links.py, visits/services/sending.py).
# The address borrowers reach this server at, for the link in each notice.
FIELDVISIT_PUBLIC_URL = env("FIELDVISIT_PUBLIC_URL", default="http://127.0.0.1:8000")
# How long a notice's borrower link works after it was issued (seconds; default 30 days).
NOTICE_LINK_MAX_AGE = env.int("FIELDVISIT_NOTICE_LINK_MAX_AGE", default=30 * 24 * 60 * 60)
# Who the notices come from: named in every text and on the letterhead.
FIELDVISIT_BANK_NAME = env("FIELDVISIT_BANK_NAME", default="春城商业银行")
FIELDVISIT_BANK_HOTLINE = env("FIELDVISIT_BANK_HOTLINE", default="0871-96588")
# Where a borrower complains: the bank's consumer-protection line, then the regulator's 12378.
FIELDVISIT_COMPLAINT_CHANNEL = env("FIELDVISIT_COMPLAINT_CHANNEL", default="0871-96588-9, 12378")
# SMS gateway (visits/gateways.py): "console" logs each message and counts it delivered;
# "sms_http" POSTs it to FIELDVISIT_SMS_HTTP_URL. E-mail uses EMAIL_BACKEND; letters are printed.
FIELDVISIT_SMS_GATEWAY = env("FIELDVISIT_SMS_GATEWAY", default="console")
FIELDVISIT_SMS_HTTP_URL = env("FIELDVISIT_SMS_HTTP_URL", default="")
FIELDVISIT_SMS_HTTP_TOKEN = env("FIELDVISIT_SMS_HTTP_TOKEN", default="")
FIELDVISIT_SMS_HTTP_TIMEOUT = env.float("FIELDVISIT_SMS_HTTP_TIMEOUT", default=10.0)
# Delivery receipts are accepted only with an HMAC-SHA256 signature made with this secret.
FIELDVISIT_SMS_WEBHOOK_SECRET = env("FIELDVISIT_SMS_WEBHOOK_SECRET", default="")
# Failed sends are retried after 1, 2, 4, … minutes (capped), then given up.
FIELDVISIT_NOTICE_MAX_ATTEMPTS = env.int("FIELDVISIT_NOTICE_MAX_ATTEMPTS", default=8)
FIELDVISIT_NOTICE_RETRY_SECONDS = env.int("FIELDVISIT_NOTICE_RETRY_SECONDS", default=60)
FIELDVISIT_NOTICE_RETRY_MAX_SECONDS = env.int("FIELDVISIT_NOTICE_RETRY_MAX_SECONDS", default=3600)
# Rows one sweep sends at most (the beat runs it every minute).
FIELDVISIT_NOTICE_SWEEP_BATCH = env.int("FIELDVISIT_NOTICE_SWEEP_BATCH", default=200)
# Rows per outbox page (read one more to know whether a next page exists; no COUNT).
NOTICES_PAGE_SIZE = env.int("FIELDVISIT_NOTICES_PAGE_SIZE", default=25)
if FIELDVISIT_SMS_GATEWAY not in ("console", "sms_http"):
    raise ImproperlyConfigured("FIELDVISIT_SMS_GATEWAY must be console or sms_http.")
if FIELDVISIT_SMS_GATEWAY == "sms_http" and not FIELDVISIT_SMS_HTTP_URL:
    raise ImproperlyConfigured("FIELDVISIT_SMS_GATEWAY=sms_http needs FIELDVISIT_SMS_HTTP_URL.")

# Visit evidence (visits/services/evidence.py): largest photo and recording accepted, in bytes.
# Files are served only through the permission-checked evidence view, never from MEDIA_URL.
# Put the same ceiling (plus some slack) on request bodies at the proxy (nginx
# client_max_body_size 60m): Django bounds form fields, not the size of uploaded files.
FIELDVISIT_EVIDENCE_MAX_BYTES = {
    "photo": env.int("FIELDVISIT_EVIDENCE_MAX_PHOTO_BYTES", default=15 * 1024 * 1024),
    "audio": env.int("FIELDVISIT_EVIDENCE_MAX_AUDIO_BYTES", default=50 * 1024 * 1024),
}
# Uploads larger than this are spooled to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Non-file form data per request (files are not counted here).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Evidence about borrowers: readable by the app's own user only.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# Retention (compliance/services/retention.py, `purge_expired`): borrowers whose cases all
# closed longer ago than this many years are anonymised and their evidence files and
# locations deleted.
FIELDVISIT_RETENTION_YEARS = env.int("FIELDVISIT_RETENTION_YEARS", default=3)
if FIELDVISIT_RETENTION_YEARS < 1:
    raise ImproperlyConfigured("FIELDVISIT_RETENTION_YEARS must be at least 1.")

# Shared cache (rate limits; django-axes keeps its attempts in the database): Redis when
# CACHE_URL or REDIS_URL is set, so every web process counts together; else per-process memory.
_cache_url = env("CACHE_URL", default="") or env("REDIS_URL", default="")
if _cache_url:
    CACHES = {"default": env.cache_url_config(_cache_url)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rate limits (collections_app/ratelimit.py): requests per window, per client address or
# per borrower link; 0 turns one off.
FIELDVISIT_RATE_WINDOW_SECONDS = env.int("FIELDVISIT_RATE_WINDOW_SECONDS", default=60)
FIELDVISIT_RATE_BORROWER_PER_IP = env.int("FIELDVISIT_RATE_BORROWER_PER_IP", default=60)
FIELDVISIT_RATE_BORROWER_PER_LINK = env.int("FIELDVISIT_RATE_BORROWER_PER_LINK", default=20)
FIELDVISIT_RATE_SMS_RECEIPT_PER_IP = env.int("FIELDVISIT_RATE_SMS_RECEIPT_PER_IP", default=600)

# Headers and cookies. Debug (`make run`, plain HTTP) keeps cookies usable over http://.
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: htmx sends the token from the page (base.html).
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind a TLS-terminating proxy: "HTTP_X_FORWARDED_PROTO,https" (the proxy must set it).
_proxy_ssl_header = env.tuple("DJANGO_SECURE_PROXY_SSL_HEADER", default=())
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header if _proxy_ssl_header else None
if SECURE_PROXY_SSL_HEADER is not None and len(SECURE_PROXY_SSL_HEADER) != 2:
    raise ImproperlyConfigured("DJANGO_SECURE_PROXY_SSL_HEADER is HEADER,value.")
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# Content Security Policy (django-csp): only this origin's files; no inline script or style
# (page scripts live in static/js, data comes through json_script), no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for Bootstrap's inline SVG icons (navbar toggler, select arrow).
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
