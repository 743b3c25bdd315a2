"""Evidence: type by content, size limits, SHA-256, EXIF time and position, duplicates,
reuse on other visits, and when and by whom evidence may be added."""

import hashlib
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from compliance.models import AuditEvent
from tests import factories as f
from tests.visits import files as F
from tests.visits.conftest import NOW, SH, moved
from visits.exif import PhotoExif, photo_exif
from visits.models import Evidence
from visits.selectors import (
    evidence_for_visit,
    evidence_may_add,
    evidence_reused_on_other_visits,
)
from visits.services.booking import visit_book
from visits.services.evidence import evidence_add
from visits.services.status import visit_transition

pytestmark = pytest.mark.django_db

KUNMING = (((25, 2, 34.8), "N"), ((102, 42, 14.4), "E"))  # 25.043000 N, 102.704000 E


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def visit(good_plan, home, agent):
    """A booked visit the agent and partner have started."""
    booked = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    return visit_transition(visit=booked, to="in_progress", by=agent, now=NOW)


def add(visit, content, by, name="evidence.bin", now=NOW):
    return evidence_add(visit=visit, upload=F.upload(content, name), by=by, now=now)


def file_errors(excinfo) -> list[str]:
    return excinfo.value.message_dict["file"]


# Accepted types, judged by content


@pytest.mark.parametrize(
    ("content", "name", "kind", "content_type"),
    [
        (F.jpeg(), "IMG_0001.JPG", "photo", "image/jpeg"),
        (F.png(), "screenshot.png", "photo", "image/png"),
        (F.mp3(), "call.mp3", "audio", "audio/mpeg"),
        (F.mp3(id3=False), "call.mp3", "audio", "audio/mpeg"),
        (F.m4a(), "Voice 001.m4a", "audio", "audio/mp4"),
        (F.m4a(b"3gp4"), "rec.3gp", "audio", "audio/3gpp"),
        (F.aac(), "rec.aac", "audio", "audio/aac"),
        (F.wav(), "rec.wav", "audio", "audio/wav"),
        (F.amr(), "rec.amr", "audio", "audio/amr"),
        (F.ogg(), "rec.ogg", "audio", "audio/ogg"),
        # The name does not decide: a photo called .mp3 is still a photo.
        (F.plain_jpeg(), "misnamed.mp3", "photo", "image/jpeg"),
    ],
)
def test_accepted_types(visit, agent, media, content, name, kind, content_type):
    evidence = add(visit, content, agent, name)
    evidence.refresh_from_db()
    assert (evidence.kind, evidence.content_type) == (kind, content_type)
    assert evidence.original_name == name
    assert evidence.size == len(content)
    assert evidence.received_at == NOW and evidence.uploaded_by == agent
    # Stored under a name of our own, with the extension of what it really is.
    assert name not in evidence.file.name
    assert evidence.file.name.startswith("evidence/")
    with evidence.file.open("rb") as stored:
        assert stored.read() == content
    assert (media / evidence.file.name).is_file()


def test_sha256_is_hashlibs(visit, agent):
    content = F.wav(seconds=2)  # larger than one upload chunk
    evidence = add(visit, content, agent)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (F.TEXT, "photo.jpg"),
        (F.TEXT, "recording.mp3"),
        (b"\xff\xd8\xff\xe0" + F.TEXT, "photo.jpg"),  # JPEG signature, then text
        (b"<html><script>alert(1)</script></html>", "photo.png"),
        (b"%PDF-1.7\n" + F.TEXT, "scan.jpg"),
        (F.image("GIF"), "anim.gif"),
        (F.image("WEBP"), "photo.webp"),
        (F.image("BMP"), "photo.jpg"),
        (F.corrupt_png(), "photo.png"),  # opens, fails Pillow's verify()
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video.wav"),
    ],
)
def test_rejected_types(visit, agent, media, content, name):
    with pytest.raises(ValidationError) as excinfo:
        add(visit, content, agent, name)
    assert "neither a JPEG or PNG photo nor a recording" in file_errors(excinfo)[0]
    assert not Evidence.objects.exists()
    assert not (media / "evidence").exists()  # nothing stored


def test_empty_file_is_refused(visit, agent):
    with pytest.raises(ValidationError) as excinfo:
        add(visit, b"", agent)
    assert file_errors(excinfo) == ["The file is empty."]


@pytest.mark.parametrize(
    ("content", "kind", "message"),
    [(F.jpeg(), "photo", "a photo may be at most"), (F.wav(), "audio", "a recording may be at")],
)
def test_size_limit_per_kind(settings, visit, agent, content, kind, message):
    settings.FIELDVISIT_EVIDENCE_MAX_BYTES = {
        "photo": 10**9,
        "audio": 10**9,
        kind: len(content) - 1,
    }
    with pytest.raises(ValidationError) as excinfo:
        add(visit, content, agent)
    assert message in file_errors(excinfo)[0]
    settings.FIELDVISIT_EVIDENCE_MAX_BYTES = {"photo": 10**9, "audio": 10**9, kind: len(content)}
    assert add(visit, content, agent).size == len(content)  # exactly at the limit is fine


# EXIF


def test_exif_time_with_offset_and_gps_north_east(visit, agent):
    content = F.jpeg(taken="2026:12:02 10:15:30", offset="+07:00", gps=KUNMING)
    evidence = add(visit, content, agent)
    evidence.refresh_from_db()
    assert evidence.taken_at == datetime(2026, 12, 2, 3, 15, 30, tzinfo=UTC)
    assert (evidence.taken_lat, evidence.taken_lng) == (Decimal("25.043000"), Decimal("102.704000"))


def test_exif_time_without_offset_is_the_borrowers_local_time(visit, agent):
    visit.borrower.timezone = "Asia/Kathmandu"  # +05:45, so the zone visibly matters
    visit.borrower.save()
    evidence = add(visit, F.jpeg(taken="2026:12:02 10:15:30"), agent)
    evidence.refresh_from_db()
    assert evidence.taken_at == datetime(2026, 12, 2, 4, 30, 30, tzinfo=UTC)
    assert evidence.taken_lat is None and evidence.taken_lng is None


@pytest.mark.parametrize(
    ("gps", "expected"),
    [
        # Sydney: south and east.
        (
            (((33, 51, 21.6), "S"), ((151, 12, 36), "E")),
            (Decimal("-33.856000"), Decimal("151.210000")),
        ),
        # New York: north and west.
        (
            (((40, 42, 46.08), "N"), ((74, 0, 21.6), "W")),
            (Decimal("40.712800"), Decimal("-74.006000")),
        ),
        # Buenos Aires: south and west, minutes as a decimal and no seconds.
        (
            (((34, 36.22, 0), "S"), ((58, 22.9, 0), "W")),
            (Decimal("-34.603667"), Decimal("-58.381667")),
        ),
    ],
)
def test_exif_gps_hemispheres(gps, expected):
    exif = photo_exif(io.BytesIO(F.jpeg(gps=gps)), zone=SH)
    assert (exif.lat, exif.lng) == expected


@pytest.mark.parametrize(
    "content",
    [
        F.plain_jpeg(),  # no EXIF at all
        F.jpeg(),  # EXIF without time or position
        F.jpeg(taken="0000:00:00 00:00:00"),  # what some cameras write without a clock
        F.jpeg(taken="    :  :     :  :  "),
        F.jpeg(taken="2026:13:45 99:00:00"),
        F.jpeg(gps=(((25, 2, 34.8), "X"), ((102, 42, 14.4), "E"))),  # no valid hemisphere
        F.jpeg(gps=(((95, 0, 0), "N"), ((102, 42, 14.4), "E"))),  # beyond the pole
        F.jpeg(gps=(((0, 0, 0), "N"), ((0, 0, 0), "E"))),  # no fix
        F.png(),  # PNG EXIF is not read
        F.TEXT,  # not an image: still no exception
        b"",
    ],
)
def test_exif_missing_or_unusable_is_none(content):
    assert photo_exif(io.BytesIO(content), zone=SH) == PhotoExif()


def test_exif_bad_offset_falls_back_to_the_zone():
    exif = photo_exif(io.BytesIO(F.jpeg(taken="2026:12:02 10:15:30", offset="+8")), zone=SH)
    assert exif.taken_at == datetime(2026, 12, 2, 10, 15, 30, tzinfo=SH)


def test_exif_negative_offset():
    exif = photo_exif(io.BytesIO(F.jpeg(taken="2026:12:02 10:15:30", offset="-03:30")), zone=SH)
    assert exif.taken_at.utcoffset() == -timedelta(hours=3, minutes=30)
    assert exif.taken_at == datetime(2026, 12, 2, 13, 45, 30, tzinfo=UTC)


def test_exif_damaged_block_keeps_the_photo(visit, agent):
    content = bytearray(F.jpeg(taken="2026:12:02 10:15:30", gps=KUNMING))
    start = content.index(b"Exif\x00\x00") + 6
    content[start : start + 8] = b"\xde\xad\xbe\xef" * 2  # TIFF header of the EXIF block
    evidence = add(visit, bytes(content), agent)
    assert evidence.kind == "photo"
    assert (evidence.taken_at, evidence.taken_lat) == (None, None)


def test_exif_local_time_follows_the_zones_rules_on_that_date():
    london = ZoneInfo("Europe/London")
    summer = photo_exif(io.BytesIO(F.jpeg(taken="2026:07:02 10:15:30")), zone=london)
    winter = photo_exif(io.BytesIO(F.jpeg(taken="2026:12:02 10:15:30")), zone=london)
    assert summer.taken_at == datetime(2026, 7, 2, 9, 15, 30, tzinfo=UTC)
    assert winter.taken_at == datetime(2026, 12, 2, 10, 15, 30, tzinfo=UTC)


# Duplicates and reuse


def test_same_file_twice_on_one_visit_is_refused(visit, agent, partner, media):
    content = F.jpeg(taken="2026:12:02 10:15:30")
    add(visit, content, agent)
    with pytest.raises(ValidationError) as excinfo:
        add(visit, content, partner, name="copy.jpg")
    assert file_errors(excinfo) == ["This file is already attached to this visit."]
    assert Evidence.objects.count() == 1
    assert len(list((media / "evidence").rglob("*.jpg"))) == 1  # the copy was not kept


def test_same_file_on_another_visit_is_allowed_and_reported(visit, good_plan, home, agent, partner):
    later = visit_book(plan=moved(good_plan, 24 * 7), place=home, by=agent, now=NOW).visit
    later = visit_transition(visit=later, to="in_progress", by=agent, now=NOW)
    shared, own = F.jpeg(color="red"), F.jpeg(color="blue")
    add(visit, shared, agent)
    add(visit, F.wav(), agent)
    assert evidence_reused_on_other_visits(visit=visit) == set()
    add(later, shared, partner)
    add(later, own, partner)
    digest = hashlib.sha256(shared).hexdigest()
    assert evidence_reused_on_other_visits(visit=visit) == {digest}
    assert evidence_reused_on_other_visits(visit=later) == {digest}


def test_evidence_for_visit_lists_in_arrival_order(visit, agent, partner):
    first = add(visit, F.jpeg(), agent, now=NOW)
    second = add(visit, F.wav(), partner, now=NOW + timedelta(minutes=5))
    assert evidence_for_visit(visit=visit) == [first, second]


# When and by whom


def test_addition_is_audited_without_the_file_name(visit, agent):
    content = F.jpeg()
    evidence = add(visit, content, agent, name="王小明-家门口.jpg")
    event = AuditEvent.objects.get(action="visit.evidence_added")
    assert event.object_id == str(visit.public_id) and event.actor_id == agent.pk
    assert event.data == {
        "evidence": str(evidence.public_id),
        "kind": "photo",
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
    }
    assert "王小明" not in str(event.data)


def test_returned_report_takes_evidence_again(visit, agent):
    add(visit, F.jpeg(color="red"), agent)
    visit_transition(visit=visit, to="reported", by=agent, now=NOW)
    with pytest.raises(ValidationError, match="this visit is Reported"):
        add(visit, F.jpeg(color="blue"), agent)
    visit_transition(visit=visit, to="returned", by=agent, now=NOW)
    assert add(visit, F.jpeg(color="blue"), agent).kind == "photo"


def test_approved_visit_takes_no_evidence(visit, agent, supervisor):
    visit_transition(visit=visit, to="reported", by=agent, now=NOW)
    visit_transition(visit=visit, to="approved", by=supervisor, now=NOW)
    with pytest.raises(ValidationError, match="this visit is Approved"):
        add(visit, F.jpeg(), agent)
    assert not evidence_may_add(visit=visit, user=agent)


def test_booked_visit_takes_no_evidence_yet(good_plan, home, agent):
    booked = visit_book(plan=good_plan, place=home, by=agent, now=NOW).visit
    with pytest.raises(ValidationError, match="this visit is Booked"):
        add(booked, F.jpeg(), agent)
    assert not evidence_may_add(visit=booked, user=agent)
    assert not Evidence.objects.exists()


def test_the_check_uses_the_current_status_not_the_callers_copy(visit, agent):
    stale = type(visit).objects.get(pk=visit.pk)
    visit_transition(visit=visit, to="reported", by=agent, now=NOW)
    with pytest.raises(ValidationError, match="this visit is Reported"):
        add(stale, F.jpeg(), agent)


@pytest.mark.parametrize("persona", ["agent", "partner", "supervisor"])
def test_members_and_team_supervisor_may_add(request, visit, persona):
    user = request.getfixturevalue(persona)
    assert evidence_may_add(visit=visit, user=user)
    assert add(visit, F.jpeg(), user).uploaded_by == user


@pytest.mark.parametrize(
    "persona", ["other_agent", "other_supervisor", "compliance_officer", "admin_user"]
)
def test_others_may_not_add(request, visit, persona):
    user = request.getfixturevalue(persona)
    assert not evidence_may_add(visit=visit, user=user)
    with pytest.raises(ValidationError, match="Only the visit's collectors"):
        add(visit, F.jpeg(), user)


def test_assigned_collector_not_going_may_not_add(visit, agent, team):
    """The case's collector sees the visit, but evidence comes from those who went."""
    colleague = f.credentialed(f.make_user(role="collector", team=team))
    visit.case.assigned_collector = colleague
    visit.case.save()
    assert not evidence_may_add(visit=visit, user=colleague)
    with pytest.raises(ValidationError, match="Only the visit's collectors"):
        add(visit, F.jpeg(), colleague)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is tested")
def test_same_file_at_once_is_kept_once(restore_roles, visit, agent, media):
    """Four phones send the same photo together: one row, one stored file, three refusals."""
    content, threads = F.jpeg(), 4
    barrier = threading.Barrier(threads)

    def send(_n: int):
        try:
            barrier.wait()
            return add(visit, content, agent)
        except ValidationError as error:
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(send, range(threads)))

    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == threads - 1
    assert all(
        r.message_dict["file"] == ["This file is already attached to this visit."] for r in refused
    )
    assert Evidence.objects.count() == 1
    assert len(list((media / "evidence").rglob("*.jpg"))) == 1
