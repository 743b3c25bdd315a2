"""compliance/rules/ stays pure (STYLE.md §6): no Django, no ORM, no clock, no I/O.

Every module is parsed with `ast`; relative imports are resolved against the package, so
`from ..models import X` counts as `compliance.models`.
"""

import ast
from pathlib import Path

import pytest

import compliance.rules as rules_package

PACKAGE = "compliance.rules"
RULES_DIR = Path(rules_package.__file__).resolve().parent
MODULES = sorted(RULES_DIR.rglob("*.py"))

BANNED_MODULES = (
    "django",
    "collections_app",
    "visits",
    "compliance.models",
    "compliance.facts",
    "time",
    "requests",
    "socket",
    "urllib",
    "http",
    "httpx",
    "subprocess",
)
CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
    ("timezone", "now"),
}
BANNED_CALLS = {"open", "input", "__import__", "exec", "eval"}


def _banned(module: str) -> bool:
    return any(module == ban or module.startswith(ban + ".") for ban in BANNED_MODULES)


def _resolve(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _dotted(node: ast.expr) -> tuple[str, ...]:
    """`datetime.datetime.now` → ("datetime", "datetime", "now"); () for anything else."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
        return tuple(reversed(names))
    return ()


def violations(source: str, package: str = PACKAGE) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if _banned(a.name)]
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node, package)
            imported = [module] + [f"{module}.{a.name}" for a in node.names]
            if any(_banned(name) for name in imported):
                found.append(f"line {node.lineno}: from {module} import …")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name[-2:] in CLOCK_CALLS:
                found.append(f"line {node.lineno}: {'.'.join(name)}() reads the clock")
            elif len(name) == 1 and name[0] in BANNED_CALLS:
                found.append(f"line {node.lineno}: {name[0]}()")
    return found


def test_the_package_is_there():
    assert {p.name for p in MODULES} >= {"engine.py", "facts.py", "policy.py", "hours.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_rules_module_is_pure(path):
    package = ".".join([PACKAGE, *path.relative_to(RULES_DIR).parent.parts])
    assert violations(path.read_text(encoding="utf-8"), package) == []


# (source, whether the checker must object)
CHECKER_CASES = [
    ("import django", True),
    ("from django.utils import timezone", True),
    ("from collections_app.models import Case", True),
    ("import visits.services", True),
    ("from compliance.models import RulePack", True),
    ("from compliance import models", True),
    ("from .. import models", True),
    ("from ..facts import visit_facts", True),
    ("from compliance.facts import visit_facts", True),
    ("import time", True),
    ("import requests", True),
    ("from urllib.request import urlopen", True),
    ("import socket", True),
    ("from datetime import datetime\nx = datetime.now()", True),
    ("import datetime\nx = datetime.datetime.now(datetime.UTC)", True),
    ("from datetime import date\nx = date.today()", True),
    ("x = timezone.now()", True),
    ("x = time.time()", True),
    ("x = open('pack.json').read()", True),
    ("from .facts import Facts", False),
    ("from . import hours", False),
    ("from datetime import date, datetime, time, timedelta", False),
    ("from collections.abc import Callable", False),
    ("from zoneinfo import ZoneInfo", False),
    ("x = date.fromordinal(1) + facts.now", False),
    ("x = moment.astimezone(zone).time()", False),
]


def test_the_checker_itself():
    wrong = [source for source, caught in CHECKER_CASES if bool(violations(source)) is not caught]
    assert wrong == []
