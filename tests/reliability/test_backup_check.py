"""The restore check is no rubber stamp: a restore that lost rows or files fails it, naming
what is missing (collections_app/services/backup.py, docs/operations.md)."""

from hashlib import sha256

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from visits.models import Evidence
from visits.services.booking import visit_book

from .conftest import NEEDS_POSTGRES, bookable, visit_day
from .pg import NEEDS_PG_TOOLS, connect, manage, restore

pytestmark = [*NEEDS_POSTGRES, NEEDS_PG_TOOLS]


def test_the_check_names_what_a_restore_lost(
    transactional_db, team, agent, tmp_path, settings, restored_db
):
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    ((plan, place),) = bookable(team=team, agent=agent, day=visit_day(now), borrowers=1)
    visit = visit_book(plan=plan, place=place, by=agent, now=now).visit
    Evidence.objects.create(
        visit=visit,
        kind="photo",
        file=ContentFile(b"photo", name="photo.jpg"),
        content_type="image/jpeg",
        size=5,
        sha256=sha256(b"photo").hexdigest(),
        received_at=now,
        uploaded_by=agent,
    )
    backup = tmp_path / "backup"
    call_command("backup_create", str(backup))
    restored_media = tmp_path / "restored-media"
    restore(backup, db=restored_db, media_root=restored_media)
    # A restore that lost a notice and a photo.
    with connect(restored_db) as restored, restored.cursor() as cursor:
        cursor.execute("DELETE FROM visits_notice")
    (restored_media / Evidence.objects.get().file.name).unlink()

    checked = manage("backup_check", str(backup), "--media-root", str(restored_media),
                      db=restored_db, check=False)  # fmt: skip
    assert checked.returncode == 1
    assert "table visits_notice: 0 rows, the backup has 1" in checked.stderr
    assert "photo" in checked.stderr and "missing" in checked.stderr
