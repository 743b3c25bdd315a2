"""Content Security Policy: the header on every page, and nothing in the pages it would
block: no inline script (json_script data blocks are fine), no on* handler, no style
attribute or <style> element, no javascript: URL, no resource from another origin."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests import factories as f
from visits.links import notice_link_path
from visits.models import Notice

ROOT = Path(__file__).resolve().parents[2]
# Written into the evidence-pack ZIP and read offline, never served by the app.
OFFLINE_TEMPLATES = {"compliance/evidence_packs/timeline.html"}
DATA_TYPES = {"application/json", "application/ld+json"}


class PageScan(HTMLParser):
    """Collects whatever in a page a strict CSP (script-src/style-src 'self') would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._open_script: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…> style attribute")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
            if name in ("src", "href") and tag in ("script", "link", "img", "iframe"):
                if re.match(r"^(https?:)?//", value or ""):
                    self.problems.append(f"<{tag} {name}={value}> another origin")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            inline = "src" not in attrs and attrs.get("type") not in DATA_TYPES
            self._open_script = "" if inline else None

    def handle_data(self, data):
        if self._open_script is not None:
            self._open_script += data

    def handle_endtag(self, tag):
        if tag == "script" and self._open_script is not None:
            if self._open_script.strip():
                self.problems.append(f"inline <script>: {self._open_script.strip()[:60]}")
            self._open_script = None


def problems_in(html: str) -> list[str]:
    scan = PageScan()
    scan.feed(html)
    scan.close()
    return scan.problems


def test_the_scanner_catches_what_the_policy_blocks():
    bad = (
        '<script>alert(1)</script><a onclick="x()">a</a><div style="color:red"></div>'
        '<style>p{}</style><a href="javascript:void(0)">b</a>'
        '<script src="https://cdn.example/x.js"></script>'
    )
    assert len(problems_in(bad)) == 6
    good = (
        '<script src="/static/js/plan.js"></script>'
        '<script id="d" type="application/json">{"a": 1}</script>'
    )
    assert problems_in(good) == []


def test_no_template_holds_what_the_policy_blocks():
    """Every template, including partials and pages no test renders."""
    found = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        if name in OFFLINE_TEMPLATES:
            continue
        # Template tags stand in for values; the markup around them is what counts.
        text = re.sub(r"{%.*?%}|{{.*?}}", "x", path.read_text(), flags=re.S)
        problems = problems_in(text)
        if problems:
            found[name] = problems
    assert found == {}


def test_page_scripts_are_static_files():
    js = {p.name for p in (ROOT / "static" / "js").glob("*.js")}
    used = set()
    for path in (ROOT / "templates").rglob("*.html"):
        used |= set(re.findall(r"static 'js/([\w.-]+\.js)'", path.read_text()))
    assert used <= js


def test_the_policy_header(agent_client):
    header = agent_client.get("/")["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header


def test_htmx_is_told_not_to_inject_styles_or_eval(agent_client):
    body = agent_client.get("/").content.decode()
    assert '"includeIndicatorStyles":false' in body
    assert '"allowEval":false' in body


def _simple_get_routes(resolver=None, prefix=""):
    """Every route without URL parameters (new pages are covered automatically)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if "<" in pattern or "(?P" in pattern or pattern.startswith(("admin/", "api/")):
            continue
        if isinstance(entry, URLResolver):
            yield from _simple_get_routes(entry, pattern)
        elif isinstance(entry, URLPattern):
            yield "/" + pattern.lstrip("^").rstrip("$")


@pytest.fixture
def staff(agent, supervisor, compliance_officer, admin_user):
    return {
        "collector": agent,
        "supervisor": supervisor,
        "compliance": compliance_officer,
        "admin": admin_user,
    }


@pytest.mark.parametrize("role", ["collector", "supervisor", "compliance", "admin"])
def test_rendered_pages_of_each_role_hold_nothing_the_policy_blocks(staff, case, role):
    client = Client()
    client.force_login(staff[role])
    visit = f.make_visit(
        case=case, start=timezone.now() + timedelta(days=3), members=(staff["collector"],)
    )
    paths = set(_simple_get_routes())
    paths |= {
        f"/cases/{case.public_id}/",
        f"/cases/{case.public_id}/briefing/",
        f"/borrowers/{case.borrower.public_id}/",
        f"/visits/{visit.public_id}/",
        "/admin/",
        "/admin/axes/accessattempt/",
        "/admin/otp_totp/totpdevice/",
    }
    checked = 0
    for path in sorted(paths):
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        assert "Content-Security-Policy" in response, path
        assert problems_in(response.content.decode()) == [], path
        checked += 1
    assert checked >= 5


def test_public_pages_hold_nothing_the_policy_blocks(case, agent, settings):
    visit = f.make_visit(case=case, start=timezone.now() + timedelta(days=3), members=(agent,))
    notice = Notice.objects.create(
        visit=visit, channel=Notice.Channel.SMS, recipient="13812345678", body="notice"
    )
    client = Client()
    for path in ("/accounts/login/", notice_link_path(notice=notice), "/n/not-a-link/"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert "Content-Security-Policy" in response, path
        assert problems_in(response.content.decode()) == [], path
