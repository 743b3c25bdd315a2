"""Bad input everywhere (issue 9 item 7): hostile values into every form and API endpoint.

The routes are those of the authorization matrix (so every new page is here too). For each
route, a user whose role may use it opens the page that carries the route's form (the page
itself, a page of the same object, else a list page), reads the form's fields and their
values as a browser would submit them, and Hypothesis replaces some of them with hostile
values: overlong strings, NUL bytes, wrong types, script tags, SQL fragments, huge numbers,
bad dates and UUIDs, odd Unicode. API endpoints get a valid JSON body with parts replaced
by values of the wrong type. GET filter forms get the same values in the query string.

Asserted: no answer is a 5xx, and no page shown afterwards (the form's page, the page the
POST redirected to) contains the script from the input unescaped. Each POST and the pages
read after it run in a savepoint that is rolled back, so every example starts from the same
world. Examples are few and derandomized: the same inputs on every run, a few minutes in all.
"""

import json
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from visits.links import notice_link_path

from .conftest import Worlds, client_for, where_raised
from .test_authz_matrix import (
    ADMIN,
    COLLECTOR,
    COMPLIANCE,
    NO_ROLE,
    ROUTES,
    SUPERVISOR,
    Route,
    _kwargs,
)

pytestmark = pytest.mark.django_db

EXAMPLES = 8
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # report the failing input as found, unshrunk
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Markers that appear in a page only if a stored or reflected value was not escaped.
SCRIPT = "<script>fvx(1)</script>"
IMG = '"><img src=x onerror=fvx(2)>'
LINK = "javascript:fvx(3)"
UNESCAPED = ("<script>fvx(", "<img src=x onerror=fvx(", 'href="javascript:fvx(')

HOSTILE_TEXT = [
    SCRIPT,
    IMG,
    LINK,
    f"注释{SCRIPT}",
    "' OR '1'='1' --",
    "'; DROP TABLE collections_app_case; --",
    "1; SELECT pg_sleep(0)",
    "\x00",
    "abc\x00def",
    "",
    " ",
    "x" * 5000,
    "长" * 3000,
    "-1",
    "0",
    "1e309",
    "NaN",
    "-Infinity",
    "99999999999999999999999999999999",
    "0.0000000000000000000001",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31T25:61:61",
    "2026-13-01 10:00",
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    str(uuid.UUID(int=2**128 - 1)),
    "../../../etc/passwd",
    "{{ 7*7 }}",
    "%(name)s %s %d",
    "\u202eevil\u202c",
    "\ufeff\u200b\u200d",
    "𝕿𝖊𝖘𝖙 🙂🙃",
    "Ω\u0301\u0345",
    "\r\n\r\nSet-Cookie: x=1",
    '=HYPERLINK("http://x")',
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
# JSON values of every type, for the API bodies.
hostile_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        hostile_text,
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)

SENT = {"requests": 0}  # hostile requests sent (the terminal summary prints it)

# Who sends a route's input: the first of these the route is for.
SENDERS = (COLLECTOR, SUPERVISOR, COMPLIANCE, ADMIN, NO_ROLE)


def sender(route: Route, method: str) -> str:
    roles = route.roles_for(method)
    return next(role for role in SENDERS if role in roles)


# Reading forms off a page, as a browser would submit them


class FormReader(HTMLParser):
    """Every <form>: its method, action (or hx-post) and the fields with their values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._chosen = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("hx-post") or a.get("action") or ""
            method = "POST" if a.get("hx-post") else (a.get("method") or "GET").upper()
            self._form = {"method": method, "action": action, "fields": {}, "text": set()}
            self._form |= {"also": [], "types": {}, "required": set()}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag in ("button", "input") and a.get("formaction"):
            self._form["also"].append(a["formaction"])  # a button posting elsewhere
        if tag == "option" and self._select is not None:
            self._option(a)
            return
        if not a.get("name"):
            return
        name, fields = a["name"], self._form["fields"]
        if "required" in a:
            self._form["required"].add(name)
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            # A checked box or radio is sent; of radios none checked, a user picks the first.
            if "checked" in a or (kind == "radio" and name not in fields):
                fields[name] = a.get("value", "on")
            if kind in ("checkbox", "radio"):
                return
            if name == "csrfmiddlewaretoken":
                return
            fields[name] = a.get("value", "")
            self._form["types"][name] = kind
            if kind in ("text", "search", "email", "url", "tel", "hidden", "password"):
                self._form["text"].add(name)
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""
            self._form["text"].add(name)
        elif tag == "select":
            self._select = name
            fields.setdefault(name, None)

    def _option(self, a: dict) -> None:
        """What a user picks: the selected option, else the first real one."""
        fields, value = self._form["fields"], a.get("value", "")
        if "selected" in a and value:  # Django marks the empty "-----" selected too
            self._chosen = self._select
            fields[self._select] = value
        elif not fields.get(self._select) and self._chosen != self._select:
            fields[self._select] = value

    def handle_data(self, data):
        if self._form is not None and self._textarea is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(body: str, page_path: str) -> list[dict]:
    reader = FormReader()
    reader.feed(body)
    forms = []
    for form in reader.forms:
        form["fields"] = {k: ("" if v is None else v) for k, v in form["fields"].items()}
        for action in [form["action"], *form.pop("also")]:
            forms.append({**form, "action": urlsplit(action).path or page_path})
    return forms


def filled_in(form: dict, worlds: Worlds) -> dict:
    """The form as a user would send it: empty required fields given a plausible value."""
    now = timezone.localtime()
    by_type = {
        "date": (now + timedelta(days=7)).date().isoformat(),
        "datetime-local": (now + timedelta(days=2))
        .replace(hour=10, minute=0)
        .strftime("%Y-%m-%dT%H:%M"),
        "time": "10:00",
        "number": "1",
        "email": "someone@example.com",
    }
    by_name = {"customer_number": worlds.home["borrower"].customer_number}
    data = dict(form["fields"])
    for name, value in data.items():
        if value.strip() or name not in form["required"]:
            continue
        kind = form["types"].get(name, "textarea" if name in form["text"] else "")
        if name in by_name:
            data[name] = by_name[name]
        elif kind in by_type:
            data[name] = by_type[kind]
        elif name in form["text"] and kind != "hidden":
            data[name] = "Written by the hostile-input test."
    return data


# Free text first: these are the fields most likely stored and shown again.
FREE_TEXT = ("note", "description", "reason", "comment", "resolution", "text", "justification")


def scripted_variants(form: dict, base: dict, limit: int = 6) -> list[dict]:
    """The filled-in form with the script in one text field at a time (free text first)."""
    names = sorted(form["text"], key=lambda n: (not any(w in n for w in FREE_TEXT), n))
    names = [n for n in names if form["types"].get(n) != "hidden"][:limit]
    return [{**base, name: f"{base.get(name, '')} {SCRIPT} {IMG}".strip()} for name in names]


def route_of(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


# Requests inside a savepoint that is rolled back


class _Undo(Exception):
    pass


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


def _html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def exchange(client, method: str, url: str, *, data=None, api=False, then=()) -> list[str]:
    """Send one request, then GET the pages `then` (a URL, or a (client, URL) pair to read
    it as someone else) and the redirect target; all rolled back.

    Returns what is wrong: a 5xx (with the exception and where it was raised), or the input's
    script shown unescaped."""
    problems: list[str] = []
    SENT["requests"] += 1
    try:
        with transaction.atomic():
            if method == "GET":
                response = client.get(url, data=data or {})
            elif api:
                response = client.post(url, data=json.dumps(data), content_type="application/json")
            else:
                response = client.post(url, data=data or {})
            if response.status_code >= 500:
                problems.append(f"{method} {url} {data!r:.300}: {response.status_code}")
            pages = [response]
            target = (
                urlsplit(response.get("Location", "")).path
                if response.status_code
                in (
                    301,
                    302,
                    303,
                )
                else ""
            )
            for page in [*then, *([target] if target and route_of(target) else [])]:
                reader, page = page if isinstance(page, tuple) else (client, page)
                pages.append(reader.get(page))
            for page in pages:
                if page.status_code >= 500:
                    problems.append(f"GET after {method} {url}: {page.status_code}")
                elif _html(page):
                    body = _body(page)
                    shown = [m for m in UNESCAPED if m in body]
                    where = page.request["PATH_INFO"]
                    if shown:
                        problems.append(f"{method} {url}: unescaped {shown} on {where}")
            raise _Undo
    except _Undo:
        pass
    except Exception as error:  # noqa: BLE001  (a view's exception is a 500)
        problems.append(f"{method} {url} {data!r:.300}: {where_raised(error)}")
    return problems


# The forms of each route


def _form_pages(name: str, route: Route, worlds: Worlds) -> list[str]:
    """Where the route's form may be: its own page, pages of the same object (a visit's
    actions are on its visit page), list pages."""
    urls = [reverse(name, kwargs=_kwargs(route, worlds, "home"))]
    subject = worlds.home.objects.get(route.obj)
    for candidate, other in ROUTES.items():
        if other.api or other.obj is None or not hasattr(subject, "public_id"):
            continue
        if type(worlds.home.objects.get(other.obj)) is type(subject):
            urls.append(reverse(candidate, kwargs={"public_id": subject.public_id}))
    for candidate, other in ROUTES.items():
        if other.obj is None and not other.api:
            urls.append(reverse(candidate))
    return list(dict.fromkeys(urls))


def find_forms(client, name: str, route: Route, worlds: Worlds) -> tuple[list[dict], list[str]]:
    """The forms that submit to the route (POST) or filter it (GET), and the pages they are
    on (read again after each POST: they show what was stored)."""
    url = reverse(name, kwargs=_kwargs(route, worlds, "home"))
    found, pages = [], []
    for page_url in _form_pages(name, route, worlds):
        response = client.get(page_url)
        if response.status_code != 200 or not _html(response):
            continue
        mine = [
            form
            for form in forms_on(_body(response), page_url)
            if form["action"] == url and (form["method"] == "POST" or page_url == url)
        ]
        if mine:
            found += mine
            pages.append(page_url)
        if found and page_url != url:
            break  # one page of the object or one list page is enough
    return found, pages


def hostile_fields(form: dict, base: dict) -> st.SearchStrategy[dict]:
    """The filled-in form with some fields replaced by hostile values (or left out)."""
    names = sorted(base) or ["q"]
    return st.lists(
        st.tuples(st.sampled_from(names), st.one_of(hostile_text, st.just(None))),
        min_size=1,
        max_size=4,
    ).map(lambda changes: _apply(base, changes))


def _apply(base: dict, changes) -> dict:
    data = dict(base)
    for name, value in changes:
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


# Field names for a POST whose form is not on any page this world shows (e.g. check-in).
BLIND_FIELDS = ("reason", "comment", "lat", "lng", "accuracy", "problem", "field", "file")
PAGE_ROUTES = sorted(n for n, r in ROUTES.items() if not r.api)
API_ROUTES = sorted(n for n, r in ROUTES.items() if r.api)


@pytest.mark.parametrize("name", PAGE_ROUTES)
def test_hostile_form_input_gets_no_server_error_and_no_script(name, worlds):
    route = ROUTES[name]
    url = reverse(name, kwargs=_kwargs(route, worlds, "home"))
    problems = []
    for method in ("POST", "GET"):
        role = sender(route, method)
        client = client_for(worlds.users[role])
        forms, pages = find_forms(client, name, route, worlds)
        forms = [form for form in forms if form["method"] == method]
        if method == "POST" and not forms:
            # No form found (or a route that takes no POST): a blind POST of hostile fields.
            blind = dict.fromkeys(BLIND_FIELDS, "")
            forms = [
                {"method": "POST", "fields": blind, "text": set(BLIND_FIELDS), "types": {}}
                | {"required": set()}
            ]
        for form in forms:
            base = filled_in(form, worlds) if method == "POST" else form["fields"]
            for data in scripted_variants(form, base) if method == "POST" else ():
                problems += exchange(client, method, url, data=data, then=pages)

            then = pages if method == "POST" else ()
            problems += fuzzed(client, method, url, hostile_fields(form, base), then)
    assert not problems, f"{name}:\n" + "\n".join(problems)


def fuzzed(client, method: str, url: str, inputs, then) -> list[str]:
    """Hypothesis's examples of `inputs` sent to the route; the first failing one, if any."""

    @FUZZ
    @given(data=inputs)
    def fuzz(data):
        found = exchange(client, method, url, data=data, then=then)
        assert not found, found

    try:
        fuzz()
    except AssertionError as failure:
        return [f"{failure}"]
    return []


# The API: a valid body, parts of it replaced by values of any JSON type


SCENARIO = Path(__file__).resolve().parents[1] / "compliance/scenarios/001-cn-pre-baseline.json"


def api_body(name: str, worlds: Worlds):
    """A body the endpoint accepts (or nearly), built on the home world."""
    home = worlds.home
    start = (timezone.localtime() + timedelta(days=3)).replace(hour=10, minute=0, second=0)
    bodies = {
        "api:compliance_check": lambda: json.loads(SCENARIO.read_text())["request"],
        "visits_api:visits": lambda: {
            "case": str(home["case"].public_id),
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "location_type": "home",
            "address": "home",
            "purpose": f"discuss the instalments {SCRIPT}",
            "recorder": True,
            "collectors": [home.collector.username],
            "justification": SCRIPT,
        },
        "visits_api:visit_cancel": lambda: {"reason": SCRIPT},
        "ledger_api:case_assign": lambda: {
            "collector": home.collector.username,
            "reason": SCRIPT,
        },
        "ledger_api:borrower_batch": lambda: [
            {
                "customer_number": home["borrower"].customer_number,
                "name": SCRIPT,
                "national_id": "530102198001010011",
                "mobile": "13812345678",
                "employer": IMG,
            }
        ],
        "ledger_api:loan_batch": lambda: [
            {
                "account_number": home["loan"].account_number,
                "customer_number": home["borrower"].customer_number,
                "product": "consumer_loan",
                "principal": "10000.00",
                "annual_rate": "6.000",
                "disbursed_on": "2025-01-01",
                "maturity_on": "2027-01-01",
            }
        ],
        "ledger_api:installment_batch": lambda: [
            {
                "account_number": home["loan"].account_number,
                "number": 1,
                "due_on": "2026-01-15",
                "principal_due": "1000.00",
                "interest_due": "0.00",
                "amount_due": "1000.00",
            }
        ],
        "ledger_api:repayment_batch": lambda: [
            {
                "reference": "R-HOSTILE-1",
                "loan": home["loan"].account_number,
                "paid_on": "2026-03-01",
                "amount": "100.00",
                "channel": "bank_transfer",
            }
        ],
    }
    return bodies[name]() if name in bodies else {}


def _paths(value, prefix=()):
    """Every place in a JSON value that a mutation can replace."""
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*prefix, index))


def _replaced(value, path, new):
    if not path:
        return new
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


def mutated(base) -> st.SearchStrategy:
    paths = list(_paths(base))
    return st.lists(st.tuples(st.sampled_from(paths), hostile_json), min_size=1, max_size=3).map(
        lambda changes: _mutate(base, changes)
    )


def _mutate(base, changes):
    value = base
    for path, new in changes:
        try:
            value = _replaced(value, path, new)
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # an earlier change removed the place
    return value


def _query_names(name: str, url: str) -> list[str]:
    """The filters a list endpoint reads (its filterset's, else the visits API's)."""
    view = resolve(url).func
    filterset = getattr(getattr(view, "view_class", None), "filterset_class", None)
    names = list(filterset.base_filters) if filterset is not None else ["status", "from", "to"]
    return [*names, "limit", "cursor"]


@pytest.mark.parametrize("name", API_ROUTES)
def test_hostile_api_input_gets_no_server_error_and_no_script(name, worlds):
    route = ROUTES[name]
    url = reverse(name, kwargs=_kwargs(route, worlds, "home"))
    shown = [reverse("collections_app:case_detail", args=[worlds.home["case"].public_id])]
    problems = []
    post = client_for(worlds.users[sender(route, "POST")])
    base = api_body(name, worlds)
    problems += exchange(post, "POST", url, data=base, api=True, then=shown)
    read = client_for(worlds.users[sender(route, "GET")])
    names = _query_names(name, url)

    @FUZZ
    @given(body=mutated(base), query=st.dictionaries(st.sampled_from(names), hostile_text))
    def fuzz(body, query):
        found = exchange(post, "POST", url, data=body, api=True, then=shown)
        found += exchange(read, "GET", url, data=query)
        assert not found, found

    try:
        fuzz()
    except AssertionError as failure:
        problems.append(f"{failure}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_hostile_answers_on_the_borrower_link(worlds):
    """The one public form: what a borrower types is shown to staff on the visit and the
    dossier, so it is read back there as well as on the link page."""
    home = worlds.home
    url = notice_link_path(notice=home["notice"])
    borrower = client_for(None)
    staff = client_for(worlds.users["supervisor"])
    shown = [
        (staff, reverse("visits:visit_detail", args=[home["booked_visit"].public_id])),
        (staff, reverse("collections_app:case_detail", args=[home["case"].public_id])),
    ]
    page = borrower.get(url)
    assert page.status_code == 200
    forms = [f for f in forms_on(_body(page), url) if f["method"] == "POST" and f["action"] == url]
    assert forms
    problems = []
    for form in forms:  # acknowledge in one tap, and the full answer
        base = filled_in(form, worlds)
        for data in scripted_variants(form, base):
            problems += exchange(borrower, "POST", url, data=data, then=shown)
        problems += fuzzed(borrower, "POST", url, hostile_fields(form, base), shown)
    assert not problems, "\n".join(problems)
