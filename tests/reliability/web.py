"""Real web servers for race tests: gunicorn processes on loopback sharing the test
database, and a small cookie-keeping HTTP client that logs in as a given user.

The servers run the test settings (one-time codes off, eager tasks, console SMS) against
the test session's PostgreSQL database, with production's DEBUG=false. Users are logged in
by writing their session in this process (Client.force_login, committed by a transactional
test), as a browser that has just logged in would present it; the CSRF token comes from a
page, as a browser gets it.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.races import at_once  # noqa: F401  (the race tests import it from here)
from tests.worker import _test_database_url

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@contextmanager
def gunicorn_servers(tmp_path: Path, count: int = 2, workers: int = 2, threads: int = 4):
    """`count` gunicorn masters, each with `workers` processes of `threads` threads; yields
    their base URLs."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "collections_app.settings_test",
        "DATABASE_URL": _test_database_url(),
        "DJANGO_CONN_MAX_AGE": "0",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the sessions written here must verify there
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "DJANGO_SECURE_COOKIES": "false",
        "CELERY_BROKER_URL": "",
        "FIELDVISIT_SMS_GATEWAY": "console",
    }
    with ExitStack() as stack:
        urls = []
        for n in range(count):
            port = _free_port()
            log = stack.enter_context((tmp_path / f"gunicorn-{n}.log").open("w"))
            process = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "collections_app.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    str(threads),
                    "--timeout",
                    "120",
                    "--log-level",
                    "warning",
                ],  # fmt: skip
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            stack.callback(_stop, process)
            urls.append(f"http://127.0.0.1:{port}")
        for n, url in enumerate(urls):
            _wait_until_up(url, tmp_path / f"gunicorn-{n}.log")
        yield urls


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    location: str = ""
    cookies: tuple = ()


class Browser:
    """One logged-in session of `user`; each request gets its own cookie jar seeded with
    the session, so concurrent requests share nothing but the session itself."""

    def __init__(self, user, base_url: str, csrf_page: str):
        client = Client()
        client.force_login(user)
        self.session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.base_url = base_url
        first = self.request("GET", csrf_page)
        assert first.status == 200, (first.status, first.body[:500])
        match = CSRF_FIELD.search(first.body)
        assert match, "no CSRF token on the page"
        self.token = match.group(1)
        self.cookies = first.cookies

    def request(self, method: str, path: str, *, data=None, headers=None, cookies=None):
        jar = http.cookiejar.CookieJar()
        extra = getattr(self, "cookies", ()) if cookies is None else cookies
        for name, value in ((settings.SESSION_COOKIE_NAME, self.session), *extra):
            jar.set_cookie(_cookie(name, value))
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        request = urllib.request.Request(  # noqa: S310  (loopback http only)
            self.base_url + path, data=data, headers=headers or {}, method=method
        )
        try:
            with opener.open(request, timeout=120) as answer:
                status, body, location = answer.status, answer.read(), ""
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
            location = error.headers.get("Location", "")
        kept = tuple((c.name, c.value) for c in jar if c.name != settings.SESSION_COOKIE_NAME)
        return Answer(status, body.decode("utf-8", "replace"), location, kept)

    def post_json(self, path: str, payload: str) -> Answer:
        return self.request(
            "POST",
            path,
            data=payload.encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
        )

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **fields}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", path, data=body, headers=headers)

    def follow(self, answer: Answer) -> Answer:
        """GET where `answer` redirects, with the cookies it set (e.g. its messages)."""
        cookies = tuple((dict(self.cookies) | dict(answer.cookies)).items())
        return self.request("GET", answer.location.removeprefix(self.base_url), cookies=cookies)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _cookie(name: str, value: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None,
        False, None, None, {},
    )  # fmt: skip


def _wait_until_up(url: str, log_path: Path) -> None:
    for _ in range(600):  # a guard against a server that never starts
        try:
            with urllib.request.urlopen(url + "/accounts/login/", timeout=5):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise AssertionError(log_path.read_text())


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_errors(answers) -> int:
    return sum(a.status >= 500 for a in answers)


def show(answers, tmp_path) -> str:
    """The answers and the servers' logs, for a failing assertion."""
    logs = "\n".join(p.read_text()[-3000:] for p in sorted(tmp_path.glob("gunicorn-*.log")))
    return "\n".join(f"{a.status} {a.body[:300]}" for a in answers) + "\n" + logs
