"""Backups that can be checked after a restore (docs/operations.md).

`backup_create` writes, into one directory:
- database.dump: pg_dump in custom format, taken in an exported snapshot;
- manifest.json: the row count of every table and the audit chain's head (id, hash, count),
  read in *that same snapshot*, so they describe exactly what the dump holds however busy
  the database is; plus the SHA-256 of each file of the backup;
- media.tar.gz: the media directory (evidence photos and recordings).

`backup_check` runs against the restored database (and the restored media directory) and
lists every difference from the manifest: a table with more or fewer rows, a different
audit head, a broken audit chain, an evidence file missing or not matching its SHA-256, a
backup file altered since it was written. An empty list means the restore is faithful.

PostgreSQL only: the dump, the snapshot and the restore are its tools.
"""

import hashlib
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from compliance.models import AuditEvent
from compliance.services.audit import audit_verify
from visits.models import Evidence

DUMP = "database.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database: str
    audit_head: dict  # {"id", "hash", "count"}; id and hash None for an empty log
    row_counts: dict[str, int]
    files: dict[str, str]  # backup file name -> SHA-256

    def write(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(json.dumps(self.__dict__, indent=2, sort_keys=True))

    @classmethod
    def read(cls, directory: Path) -> "Manifest":
        return cls(**json.loads((directory / MANIFEST).read_text()))


def backup_create(*, directory: Path, now: datetime, media_root: Path | None = None) -> Manifest:
    """Dump the database and archive the media into `directory` (created if need be)."""
    _require_postgresql()
    directory.mkdir(parents=True, exist_ok=True)
    with transaction.atomic(), connection.cursor() as cursor:
        # One snapshot for the counts, the audit head and pg_dump: they agree by construction.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        counts = table_row_counts()
        head = audit_head()
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}",
              f"--file={directory / DUMP}", *_pg_args()])  # fmt: skip
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with tarfile.open(directory / MEDIA, "w:gz") as archive:
        if media_root.is_dir():
            archive.add(media_root, arcname=".")
    manifest = Manifest(
        created_at=now.isoformat(),
        database=connection.settings_dict["NAME"],
        audit_head=head,
        row_counts=counts,
        files={name: file_sha256(directory / name) for name in (DUMP, MEDIA)},
    )
    manifest.write(directory)
    return manifest


def backup_check(*, directory: Path, media_root: Path | None = None) -> list[str]:
    """What differs between the backup in `directory` and the database (and media) in use."""
    _require_postgresql()
    manifest = Manifest.read(directory)
    problems = [
        f"{name}: SHA-256 differs from the manifest"
        for name, digest in manifest.files.items()
        if not (directory / name).exists() or file_sha256(directory / name) != digest
    ]
    counts = table_row_counts()
    for table in sorted(set(counts) | set(manifest.row_counts)):
        expected, found = manifest.row_counts.get(table), counts.get(table)
        if expected != found:
            problems.append(f"table {table}: {found} rows, the backup has {expected}")
    head = audit_head()
    if head != manifest.audit_head:
        problems.append(f"audit head {head}, the backup has {manifest.audit_head}")
    verification = audit_verify()
    if not verification.ok:
        problems.append(
            f"audit chain broken at event #{verification.first_broken_id}: {verification.reason}"
        )
    if media_root is not None:
        problems += evidence_file_problems(Path(media_root))
    return problems


def evidence_file_problems(media_root: Path) -> list[str]:
    """Evidence rows whose file is missing under `media_root` or has another SHA-256."""
    problems = []
    for public_id, name, digest in Evidence.objects.values_list("public_id", "file", "sha256"):
        path = media_root / name
        if not path.is_file():
            problems.append(f"evidence {public_id}: file {name} missing")
        elif file_sha256(path) != digest:
            problems.append(f"evidence {public_id}: file {name} does not match its SHA-256")
    return problems


def table_row_counts() -> dict[str, int]:
    """Exact row counts of every table of the public schema (what pg_dump saves)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        tables = [name for (name,) in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def audit_head() -> dict:
    last = AuditEvent.objects.order_by("-id").values("id", "hash").first() or {
        "id": None,
        "hash": None,
    }
    return {**last, "count": AuditEvent.objects.count()}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_args() -> list[str]:
    db = connection.settings_dict
    args = [f"--dbname={db['NAME']}"]
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    return args


def _run(argv: list[str]) -> None:
    env = {**os.environ}
    if password := connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = password  # not on the command line, where `ps` would show it
    subprocess.run(argv, check=True, env=env)  # noqa: S603  (fixed program, our arguments)


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise RuntimeError("Backups are made with pg_dump: DATABASE_URL must be PostgreSQL.")
