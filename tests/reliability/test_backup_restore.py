"""Backup and restore (docs/operations.md): dump a database with visits, notices, audit events
and evidence files, restore it into a new database and media directory, and check that the
restore is faithful: the audit chain verifies, every table has as many rows, the audit head
hash is the same, every evidence file matches its SHA-256, the schema needs no migration,
and the append-only trigger came back with the data.
"""

from datetime import timedelta
from hashlib import sha256

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from collections_app.services.backup import Manifest, table_row_counts
from visits.models import Evidence
from visits.services.booking import visit_book

from .conftest import NEEDS_POSTGRES, bookable, visit_day
from .pg import NEEDS_PG_TOOLS, connect, manage, restore

pytestmark = [*NEEDS_POSTGRES, NEEDS_PG_TOOLS]


def test_a_restored_backup_has_every_row_the_audit_head_and_the_files(
    transactional_db, team, agent, tmp_path, settings, restored_db
):
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    for plan, place in bookable(team=team, agent=agent, day=visit_day(now), borrowers=3):
        visit = visit_book(plan=plan, place=place, by=agent, now=now).visit
    for n in range(2):
        content = f"photo {n} of {visit.public_id}".encode()
        Evidence.objects.create(
            visit=visit,
            kind="photo",
            file=ContentFile(content, name=f"photo{n}.jpg"),
            content_type="image/jpeg",
            size=len(content),
            sha256=sha256(content).hexdigest(),
            received_at=now + timedelta(minutes=n),
            uploaded_by=agent,
        )
    source_counts = table_row_counts()

    # Back up (what the nightly job runs), then restore as docs/operations.md says.
    backup = tmp_path / "backup"
    call_command("backup_create", str(backup))
    manifest = Manifest.read(backup)
    restored_media = tmp_path / "restored-media"
    restore(backup, db=restored_db, media_root=restored_media)

    assert manifest.row_counts == source_counts
    assert manifest.audit_head["count"] > 0
    assert manage("verify_audit", db=restored_db).stdout.strip() == (
        f"Audit chain intact: {manifest.audit_head['count']} events."
    )
    checked = manage("backup_check", str(backup), "--media-root", str(restored_media),
                      db=restored_db)  # fmt: skip
    assert "Restore matches the backup" in checked.stdout
    manage("migrate", "--check", db=restored_db)  # the schema is the code's

    # The same comparisons, made here without the command: counts and head, table by table.
    with connect(restored_db) as restored, restored.cursor() as cursor:
        restored_counts = {}
        for table in source_counts:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            restored_counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT id, hash FROM compliance_auditevent ORDER BY id DESC LIMIT 1")
        restored_head = cursor.fetchone()
    assert restored_counts == source_counts
    assert restored_head == (manifest.audit_head["id"], manifest.audit_head["hash"])
    with pytest.raises(psycopg2.Error, match="append-only"):
        with connect(restored_db) as restored, restored.cursor() as cursor:
            cursor.execute("UPDATE compliance_auditevent SET action = 'x'")
    print(
        f"\nbackup/restore: {len(source_counts)} tables, {sum(source_counts.values())} rows "
        f"and {manifest.audit_head['count']} audit events restored identically; "
        f"audit head {manifest.audit_head['hash'][:16]}…"
    )
