"""Production settings: `check --deploy` is clean, cookies and headers are hardened, the
proxy header and cache come from the environment, uploads are never served from MEDIA_URL.

The production checks run in a subprocess with a clean environment: the settings module
reads the environment once, at import, so overriding settings in-process would only test
the override.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "collections_app.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "collections.example.cn",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://collections.example.cn",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:////tmp/fieldvisit-deploy.db"),
    }
    env.update(extra)
    return env


def run(args, *, without=(), **extra_env) -> subprocess.CompletedProcess:
    env = {k: v for k, v in production_env(**extra_env).items() if k not in without}
    return subprocess.run(  # noqa: S603  (our own interpreter and manage.py)
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


SETTINGS_DUMP = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in [
    "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "X_FRAME_OPTIONS",
    "SECURE_REFERRER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF", "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "SESSION_COOKIE_AGE", "CACHES", "FIELDVISIT_2FA_REQUIRED_ROLES", "FIELDVISIT_2FA_ENABLED"]}))
"""


def dump(**extra_env) -> dict:
    result = run(["-c", SETTINGS_DUMP], **extra_env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_reports_nothing():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_are_hardened():
    values = dump()
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] and values["CSRF_COOKIE_HTTPONLY"]
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # trust no header unless told
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["SESSION_COOKIE_AGE"] == 30 * 60
    assert values["FIELDVISIT_2FA_REQUIRED_ROLES"] == ["supervisor", "compliance", "admin"]
    assert values["FIELDVISIT_2FA_ENABLED"] is True  # only the test settings turn it off
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")


def test_proxy_header_hsts_idle_time_and_cache_come_from_the_environment():
    values = dump(
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        DJANGO_SECURE_HSTS_SECONDS="63072000",
        DJANGO_SECURE_SSL_REDIRECT="false",
        FIELDVISIT_SESSION_IDLE_MINUTES="15",
        REDIS_URL="redis://127.0.0.1:6379/5",
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] == 63_072_000
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_AGE"] == 15 * 60
    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/5"


def test_a_malformed_proxy_header_is_refused():
    result = run(["-c", SETTINGS_DUMP], DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO")
    assert result.returncode != 0
    assert "DJANGO_SECURE_PROXY_SSL_HEADER" in result.stderr


def test_production_needs_a_secret_key():
    result = run(["manage.py", "check"], without={"DJANGO_SECRET_KEY"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_responses_carry_the_security_headers(agent_client):
    response = agent_client.get("/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Content-Security-Policy" in response


@pytest.mark.django_db
def test_uploaded_files_are_not_served_from_media_url(settings, tmp_path, client, agent_client):
    """The only route to an upload is the permission-checked evidence view."""
    settings.MEDIA_ROOT = tmp_path
    name = default_storage.save("evidence/2026/door.jpg", ContentFile(b"\xff\xd8secret"))
    for path in (f"/{settings.MEDIA_URL}{name}", f"/media/{name}", f"/{name}"):
        assert client.get(path).status_code == 404
        assert agent_client.get(path).status_code == 404


def test_no_media_route_even_in_debug():
    from django.urls import get_resolver

    patterns = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not any(p.startswith(settings.MEDIA_URL.strip("/")) for p in patterns)
