"""PostgreSQL client tools and restored databases for the backup tests."""

import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from collections_app.services.backup import DUMP, MEDIA
from tests.worker import _test_database_url

PG_TOOLS = ("pg_dump", "pg_restore", "createdb", "dropdb")
NEEDS_PG_TOOLS = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in PG_TOOLS),
    reason=f"needs the PostgreSQL client tools on PATH ({', '.join(PG_TOOLS)})",
)


@pytest.fixture
def restored_db():
    """A new, empty database next to the test database, dropped afterwards."""
    source = connection.settings_dict["NAME"].removeprefix("test_")
    name = f"{source}_restore_{uuid.uuid4().hex[:8]}"
    pg("createdb", name)
    yield name
    pg("dropdb", "--if-exists", "--force", name)


def restore(backup: Path, *, db: str, media_root: Path) -> None:
    """What docs/operations.md says to run: pg_restore, then unpack the media."""
    pg("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={db}", str(backup / DUMP))
    with tarfile.open(backup / MEDIA) as archive:
        archive.extractall(media_root, filter="data")


def manage(*args: str, db: str, check: bool = True) -> subprocess.CompletedProcess:
    url = _test_database_url().rsplit("/", 1)[0] + f"/{db}"
    env = {"DJANGO_SETTINGS_MODULE": "collections_app.settings", "DATABASE_URL": url}
    result = subprocess.run(  # noqa: S603  (fixed argv, no shell)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def pg(tool: str, *args: str) -> None:
    db = connection.settings_dict
    options = [f"--host={db.get('HOST') or '127.0.0.1'}"]
    if db.get("PORT"):
        options.append(f"--port={db['PORT']}")
    if db.get("USER"):
        options.append(f"--username={db['USER']}")
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    subprocess.run([tool, *options, *args], check=True, env=env)  # noqa: S603


@contextmanager
def connect(name: str):
    """A connection to database `name`, committed and closed at the end of the block."""
    restored = psycopg2.connect(**libpq(name))
    try:
        with restored:
            yield restored
    finally:
        restored.close()


def libpq(name: str) -> dict:
    db = connection.settings_dict
    return {
        "dbname": name,
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
