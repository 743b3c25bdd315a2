"""The authorization matrix (issue 9 item 1): every URL of the project, every persona.

The routes are read from the URL resolver, so a new page is in the matrix as soon as it is
routed: `test_every_route_is_in_the_matrix` fails until the route has an entry in ROUTES
(who may use it, which object its path names) or in EXEMPT (with the reason). For each
route, as anonymous, each role, a user without a role, and a collector and a supervisor of
another team, a GET and a POST (empty body) are sent with the path naming an object of the
user's own team, one of the other team, and one that does not exist. Expected (DESIGN.md §1):

- anonymous: a page redirects to the login page, the API answers 401 or 403 (405 for a
  method the route does not take: it tells nothing);
- a role the route is not for: 403 (a role gate) or 404;
- the right role, an object outside the user's scope: 404, exactly what a missing object
  gets, so records cannot be enumerated;
- the right role, an object in scope: neither 403 nor 404;
- never a 5xx, and no 200 answer carries the identifying data (name, customer number,
  national ID, public ids) of a portfolio the user cannot see.

Each request runs in a savepoint that is rolled back, so a POST that changes something does
not change the world for the next one.
"""

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories as f

from .conftest import Worlds, client_for, where_raised

pytestmark = pytest.mark.django_db

COLLECTOR, SUPERVISOR, COMPLIANCE, ADMIN, NO_ROLE = (
    "collector",
    "supervisor",
    "compliance",
    "admin",
    "no_role",
)
STAFF = frozenset({COLLECTOR, SUPERVISOR, COMPLIANCE, ADMIN})
ANY = STAFF | {NO_ROLE}  # any signed-in user
FIELD = frozenset({COLLECTOR, SUPERVISOR, ADMIN})  # plan, book, check in, report, evidence
LEADS = frozenset({SUPERVISOR, ADMIN})  # overrides, reviews, reassignment
OVERSIGHT = frozenset({SUPERVISOR, COMPLIANCE, ADMIN})  # dashboard, team calendar
REVEAL = frozenset({SUPERVISOR, COMPLIANCE, ADMIN})
OFFICERS = frozenset({COMPLIANCE, ADMIN})  # the compliance workbench, imports
ADMINS = frozenset({ADMIN})


@dataclass(frozen=True)
class Route:
    """Who may use a route, and what its path names.

    roles: the roles for which the route exists (others get 403 or 404); post_roles when a
    POST is for fewer roles than a GET. obj: the kind of object the path names (a key of
    World, or "pack" (a draft) / "published_pack" / "employee_number" / "audit"), None for a
    route without parameters.
    scoped: the object follows team scope (False: whoever has the role sees them all).
    """

    roles: frozenset
    obj: str | None = None
    scoped: bool = True
    api: bool = False
    post_roles: frozenset | None = None

    def roles_for(self, method: str) -> frozenset:
        return self.post_roles if method == "POST" and self.post_roles is not None else self.roles


def page(roles, obj=None, scoped=True, **kw) -> Route:
    return Route(frozenset(roles), obj, scoped, **kw)


def api(roles, obj=None, scoped=True, **kw) -> Route:
    return Route(frozenset(roles), obj, scoped, api=True, **kw)


ROUTES: dict[str, Route] = {
    # Ledger pages (collections_app)
    "home": page(ANY),
    "collections_app:case_detail": page(STAFF, "case"),
    "collections_app:case_briefing": page(STAFF, "case"),
    "collections_app:case_next": page(STAFF, "case"),
    "collections_app:case_overdue_reason": page(FIELD, "case"),
    "collections_app:borrower_detail": page(STAFF, "borrower"),
    "collections_app:borrower_reveal": page(REVEAL, "borrower"),
    "collections_app:allocation_index": page(LEADS),
    "collections_app:allocation_team": page(LEADS, "team"),
    "collections_app:allocation_run": page(LEADS, "team"),
    "collections_app:allocation_reassign": page(LEADS, "team"),
    "collections_app:allocation_reassign_submit": page(LEADS, "team"),
    "collections_app:workload": page(OVERSIGHT),
    "collections_app:workload_csv": page(OVERSIGHT),
    "collections_app:notification_list": page(ANY),  # one's own notifications
    "collections_app:notification_read": page(ANY),
    "collections_app:import_upload": page(OFFICERS),
    "collections_app:import_job": page(OFFICERS, "import_job", scoped=False),
    "collections_app:import_job_status": page(OFFICERS, "import_job", scoped=False),
    "collections_app:import_job_errors": page(OFFICERS, "import_job", scoped=False),
    # One's own account (accounts/)
    "two_factor_verify": page(ANY),
    "two_factor_enrol": page(ANY),
    "account_security": page(ANY),
    "password_change": page(ANY),
    # Visits
    "visits:visit_plan": page(FIELD, "case"),
    "visits:visit_verdict": page(FIELD, "case"),
    "visits:visit_detail": page(STAFF, "visit"),
    "visits:visit_cancel": page(FIELD, "booked_visit"),
    "visits:visit_reschedule": page(FIELD, "booked_visit"),
    "visits:override_list": page(LEADS),
    "visits:override_approve": page(LEADS, "override"),
    "visits:override_reject": page(LEADS, "override"),
    "visits:notice_list": page(STAFF),
    "visits:notice_letter": page(STAFF, "notice"),
    "visits:agenda": page(STAFF),
    "visits:team_calendar": page(OVERSIGHT),
    "visits:team_dashboard": page(OVERSIGHT),
    "visits:team_dashboard_csv": page(OVERSIGHT),
    "visits:visit_start": page(FIELD, "booked_visit"),
    "visits:visit_check_out": page(FIELD, "current_visit"),
    "visits:visit_report": page(FIELD, "current_visit"),
    "visits:review_queue": page(LEADS),
    "visits:visit_approve": page(LEADS, "visit"),
    "visits:visit_return": page(LEADS, "visit"),
    "visits:evidence_add": page(FIELD, "current_visit"),
    "visits:evidence_file": page(STAFF, "evidence"),
    # The compliance workbench: officers see every object of the bank.
    "compliance:flag_list": page(OFFICERS),
    "compliance:flag_stats": page(OFFICERS),
    "compliance:flag_detail": page(OFFICERS, "flag", scoped=False),
    "compliance:flag_assign": page(OFFICERS, "flag", scoped=False),
    "compliance:flag_investigate": page(OFFICERS, "flag", scoped=False),
    "compliance:flag_resolve": page(OFFICERS, "flag", scoped=False),
    "compliance:complaint_list": page(OFFICERS),
    "compliance:complaint_new": page(OFFICERS),
    "compliance:complaint_detail": page(OFFICERS, "complaint", scoped=False),
    "compliance:complaint_assign": page(OFFICERS, "complaint", scoped=False),
    "compliance:complaint_extend": page(OFFICERS, "complaint", scoped=False),
    "compliance:complaint_close": page(OFFICERS, "complaint", scoped=False),
    "compliance:credential_list": page(OFFICERS),
    "compliance:credentials_expiring": page(OFFICERS),
    "compliance:credential_add": page(OFFICERS),
    "compliance:credential_upload": page(OFFICERS),
    "compliance:credential_collector": page(OFFICERS, "employee_number", scoped=False),
    "compliance:credential_edit": page(OFFICERS, "credential", scoped=False),
    "compliance:credential_revoke": page(OFFICERS, "credential", scoped=False),
    "compliance:pack_list": page(OFFICERS),
    "compliance:pack_detail": page(OFFICERS, "pack", scoped=False),
    "compliance:pack_draft_create": page(OFFICERS, "published_pack", scoped=False),
    "compliance:pack_edit": page(OFFICERS, "pack", scoped=False),
    "compliance:pack_diff": page(OFFICERS, "pack", scoped=False),
    "compliance:pack_replay": page(OFFICERS, "pack", scoped=False),
    "compliance:pack_publish": page(OFFICERS, "pack", scoped=False),
    "compliance:audit_events": page(OFFICERS),
    "compliance:audit_verify": page(OFFICERS),
    "compliance:audit_object": page(OFFICERS, "audit", scoped=False),
    "compliance:pii_access": page(OFFICERS),
    "compliance:pii_access_csv": page(OFFICERS),
    "compliance:evidence_pack_list": page(OFFICERS),
    "compliance:evidence_pack_detail": page(OFFICERS, "evidence_pack", scoped=False),
    "compliance:evidence_pack_progress": page(OFFICERS, "evidence_pack", scoped=False),
    "compliance:evidence_pack_download": page(OFFICERS, "evidence_pack", scoped=False),
    # The API (/api/v1/)
    "api:compliance_check": api(ANY),  # a dry run of the rules: reads only the rule pack
    "visits_api:visits": api(STAFF, post_roles=FIELD),
    "visits_api:visit_detail": api(STAFF, "visit"),
    "visits_api:visit_cancel": api(FIELD, "booked_visit"),
    "ledger_api:borrowers": api(STAFF),
    "ledger_api:borrower_batch": api(ADMINS),
    "ledger_api:borrower_detail": api(STAFF, "borrower"),
    "ledger_api:loans": api(STAFF),
    "ledger_api:loan_batch": api(ADMINS),
    "ledger_api:installment_batch": api(ADMINS),
    "ledger_api:loan_detail": api(STAFF, "loan"),
    "ledger_api:installments": api(STAFF),
    "ledger_api:repayments": api(STAFF),
    "ledger_api:repayment_batch": api(ADMINS),
    "ledger_api:cases": api(STAFF),
    "ledger_api:case_detail": api(STAFF, "case"),
    "ledger_api:case_assign": api(LEADS, "case"),
    "api_schema": api(ANY),  # the OpenAPI document: no data, but not public either
    "api_docs": api(ANY),
}

# Routes outside the matrix, each with the reason.
EXEMPT: dict[str, str] = {
    "login": "the login page: public by design (lockout and 2FA have their own tests)",
    "logout": "ends the caller's own session; nothing to read",
    "set_language": "the language switcher (i18n): public, sets a cookie only",
    "visits:borrower_notice": "the borrower's signed link: no login by design; a tampered or "
    "unknown token is 404 (tests/visits/test_borrower_link.py)",
    "visits:sms_receipt": "the SMS gateway's receipt webhook: authenticated by the body's HMAC "
    "signature, not a session (tests/visits/test_receipts.py)",
}
# Static files are served by WhiteNoise's middleware, not by a URL pattern.
ADMIN_NAMESPACE = "admin"  # the Django admin: test_the_admin_site_is_for_admins_only


@dataclass(frozen=True)
class Persona:
    name: str
    role: str | None  # None: anonymous
    sees: frozenset  # the worlds whose team-scoped objects this persona may see


PERSONAS = (
    Persona("anonymous", None, frozenset()),
    Persona("collector", COLLECTOR, frozenset({"home"})),
    Persona("supervisor", SUPERVISOR, frozenset({"home"})),
    Persona("compliance", COMPLIANCE, frozenset({"home", "other"})),
    Persona("admin", ADMIN, frozenset({"home", "other"})),
    Persona("no_role", NO_ROLE, frozenset()),
    Persona("other_collector", COLLECTOR, frozenset({"other"})),
    Persona("other_supervisor", SUPERVISOR, frozenset({"other"})),
)

CHECKS: dict[str, int] = {"routes": 0, "route_personas": 0, "requests": 0}


def _walk(patterns, prefix="", namespace=""):
    """(route name with namespace, full pattern text, parameter names) of every URL."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            # Route and regex patterns alike compile to named groups.
            yield name, prefix + str(entry.pattern), list(entry.pattern.regex.groupindex)


def all_routes() -> list[tuple[str | None, str, list[str]]]:
    return list(_walk(get_resolver().url_patterns))


def _in_admin(name: str | None, pattern: str) -> bool:
    return (name or "").startswith(f"{ADMIN_NAMESPACE}:") or pattern.startswith("admin/")


def test_every_route_is_in_the_matrix():
    """A new URL fails here until it is given a Route (who, which object) or an exemption."""
    missing = []
    for name, pattern, _params in all_routes():
        if _in_admin(name, pattern):
            continue
        if name is None or (name not in ROUTES and name not in EXEMPT):
            missing.append(f"{name or '(unnamed)'}  /{pattern}")
    assert not missing, "Routes neither in ROUTES nor in EXEMPT:\n" + "\n".join(missing)
    stale = sorted((set(ROUTES) | set(EXEMPT)) - {n for n, _p, _q in all_routes()})
    assert not stale, f"ROUTES or EXEMPT name routes that no longer exist: {stale}"


# Building the requests


def _kwargs(route: Route, worlds: Worlds, target: str | None) -> dict:
    """The path parameters naming the target object: "home", "other" or "missing"."""
    if route.obj is None:
        return {}
    missing = target == "missing"
    world = worlds.side("home" if missing else target)
    if route.obj in ("pack", "published_pack"):
        pack = worlds.draft_pack if route.obj == "pack" else worlds.published_pack
        return {"version": "CN-1999.9" if missing else pack.version}
    if route.obj == "employee_number":
        return {"employee_number": "E99999" if missing else world["employee_number"]}
    if route.obj == "audit":
        object_id = str(uuid.uuid4()) if missing else world["audit_id"]
        return {"object_type": world["audit_type"], "object_id": object_id}
    return {"public_id": uuid.uuid4() if missing else world[route.obj].public_id}


class _Undo(Exception):
    """Raised to roll a request's writes back."""


@dataclass
class Answer:
    status: int
    location: str = ""
    body: str = ""
    error: str = ""


def send(client, method: str, url: str, *, api: bool) -> Answer:
    """One request inside a savepoint that is rolled back; an exception becomes a 500."""
    answer = None
    try:
        with transaction.atomic():
            if method == "GET":
                response = client.get(url)
            elif api:
                response = client.post(url, data="{}", content_type="application/json")
            else:
                response = client.post(url, data={})
            answer = Answer(response.status_code, response.get("Location", ""), _text(response))
            raise _Undo
    except _Undo:
        pass
    except Exception as error:  # noqa: BLE001  (any exception here is a server error)
        answer = Answer(500, error=where_raised(error))
    CHECKS["requests"] += 1
    return answer


def _text(response) -> str:
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    return raw.decode("utf-8", errors="replace")


def _login_paths() -> set[str]:
    return {resolve_url(settings.LOGIN_URL), reverse("admin:login")}


# Judging the answers


def judge(route: Route, persona: Persona, method: str, target, answer: Answer, missing) -> list:
    """What is wrong with one answer (empty list: nothing)."""
    status = answer.status
    if status >= 500:
        return [f"{status} {answer.error}".strip()]
    if persona.role is None:
        if route.api:
            ok = status in (401, 403, 405)
        else:
            ok = status == 405 or (
                status == 302 and urlsplit(answer.location).path in _login_paths()
            )
        return [] if ok else [f"anonymous got {status} (want a login redirect / 401)"]
    if persona.role not in route.roles_for(method):
        return [] if status in (403, 404, 405) else [f"wrong role got {status} (want 403/404)"]
    if target == "missing":
        return [] if status in (404, 405) else [f"a missing object got {status} (want 404)"]
    if target is not None and route.scoped and target not in persona.sees:
        if status not in (404, 405):
            return [f"out of scope got {status} (want 404)"]
        if missing is not None and status != missing.status:
            return [f"out of scope got {status}, a missing object {missing.status}"]
        return []
    if status in (401, 403, 404):
        return [f"in scope got {status}"]
    return []


def leaks(persona: Persona, worlds: Worlds, answer: Answer) -> list:
    """Identifying data of a world the persona may not see, in a 200 answer."""
    if answer.status != 200:
        return []
    hidden = [w for w in (worlds.home, worlds.other) if w.side not in persona.sees]
    found = [m for w in hidden for m in w.markers() if m in answer.body]
    return [f"200 shows another portfolio's data: {found}"] if found else []


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_answers_each_persona_as_designed(name, worlds):
    route = ROUTES[name]
    clients = {p.name: client_for(worlds.users.get(p.name)) for p in PERSONAS}
    targets = ("home", "other", "missing") if route.obj else (None,)
    problems = []
    for persona in PERSONAS:
        CHECKS["route_personas"] += 1
        for method in ("GET", "POST"):
            answers = {
                t: send(
                    clients[persona.name],
                    method,
                    reverse(name, kwargs=_kwargs(route, worlds, t)),
                    api=route.api,
                )
                for t in targets
            }
            missing = answers.get("missing")
            for target, answer in answers.items():
                found = judge(route, persona, method, target, answer, missing)
                found += leaks(persona, worlds, answer)
                problems += [f"{method} as {persona.name}, {target or '-'}: {p}" for p in found]
    CHECKS["routes"] += 1
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_a_case_waiting_for_allocation_opens_for_whoever_sees_it(worlds):
    """No collector yet (and an assignment row without one): the team's supervisor and the
    officers get the worklist, dossier and briefing; the team's collector gets 404."""
    case = worlds.home["unassigned_case"]
    pages = [reverse("home")] + [
        reverse(f"collections_app:{name}", args=[case.public_id])
        for name in ("case_detail", "case_briefing")
    ]
    for role, ok in (("supervisor", 200), ("compliance", 200), ("admin", 200)):
        client = client_for(worlds.users[role])
        assert [send(client, "GET", url, api=False).status for url in pages] == [ok] * 3, role
    collector = client_for(worlds.users["collector"])
    assert [send(collector, "GET", url, api=False).status for url in pages] == [200, 404, 404]


# The Django admin: staff only (is_staff), and no admin page fails for an administrator.


def _admin_kwargs(name: str, params: list[str], worlds: Worlds) -> dict:
    case = worlds.home["case"]
    kwargs = {}
    for param in params:
        if param == "app_label":
            kwargs[param] = "collections_app"
        elif param == "content_type_id":
            kwargs[param] = ContentType.objects.get_for_model(case).pk
        elif param in ("object_id", "id", "pk"):
            kwargs[param] = str(_admin_object_pk(name, worlds))
        else:
            kwargs[param] = "x"
    return kwargs


def _admin_object_pk(name: str, worlds: Worlds):
    """A real row of the model the admin route is about (admin:<app>_<model>_<view>)."""
    for config in apps.get_app_configs():
        prefix = f"{ADMIN_NAMESPACE}:{config.label}_"
        if not name.startswith(prefix):
            continue
        for model in config.get_models():
            if name.startswith(f"{prefix}{model._meta.model_name}_"):
                row = model._default_manager.order_by("pk").first()
                return row.pk if row is not None else 1
    return worlds.home["case"].pk


def test_the_admin_site_is_for_admins_only(worlds):
    """Every admin URL: anonymous and every role but admin are sent to the admin's login
    (GET and, anonymous, POST: one decorator guards them all); the administrator gets no
    5xx on any of them, each opened on a real row."""
    admin_routes = [
        (name, params)
        for name, pattern, params in all_routes()
        if _in_admin(name, pattern) and name is not None
    ]
    assert len(admin_routes) > 20  # the admin is routed at all
    # A row for every admin-registered model, so that its change pages open a real object.
    TOTPDevice.objects.create(user=f.make_user(username="device_owner"), name="phone")
    clients = {p.name: client_for(worlds.users.get(p.name)) for p in PERSONAS}
    login = reverse("admin:login")
    problems = []
    for name, params in admin_routes:
        if name in ("admin:login", "admin:logout"):
            continue
        url = reverse(name, kwargs=_admin_kwargs(name, params, worlds))
        for persona in PERSONAS:
            CHECKS["route_personas"] += 1
            for method in ("GET", "POST") if persona.role is None else ("GET",):
                answer = send(clients[persona.name], method, url, api=False)
                if answer.status >= 500:
                    problems.append(f"{method} {url} as {persona.name}: {answer.error}")
                elif persona.role != ADMIN and not (
                    answer.status == 302 and urlsplit(answer.location).path == login
                ):
                    problems.append(f"{method} {url} as {persona.name}: {answer.status}")
        CHECKS["routes"] += 1
    assert not problems, "\n".join(problems)
