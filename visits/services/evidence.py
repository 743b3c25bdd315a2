"""Attach a photo or recording to a visit (DESIGN.md §5 step 4): checked by content, hashed,
stored under a name of our own, audited.

Files are kept in the default storage and reach a browser only through the permission-checked
evidence view (visits.views.evidence.evidence_file).
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

from compliance.services.audit import audit_record
from visits.exif import PhotoExif, photo_exif
from visits.models import Evidence, Visit
from visits.selectors.evidence import EVIDENCE_STATUSES, evidence_attacher

PHOTO = Evidence.Kind.PHOTO
AUDIO = Evidence.Kind.AUDIO
# Enough of the start of a file for every signature below.
HEAD_BYTES = 16
# ISO base media brands of audio recordings: iPhone Voice Memos (M4A), Android recorders
# (3GP, generic MP4). A video in these containers passes too; the rules only need a recording.
MP4_BRANDS = {
    b"M4A ": "audio/mp4",
    b"M4B ": "audio/mp4",
    b"mp41": "audio/mp4",
    b"mp42": "audio/mp4",
    b"isom": "audio/mp4",
    b"3gp4": "audio/3gpp",
    b"3gp5": "audio/3gpp",
    b"3gp6": "audio/3gpp",
    b"3g2a": "audio/3gpp2",
}


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What a file is, judged by its bytes (never by its name or the browser's word)."""

    kind: str
    content_type: str
    extension: str


def evidence_add(*, visit: Visit, upload: UploadedFile, by, now: datetime) -> Evidence:
    """Attach `upload` to `visit` as evidence and return the new row.

    Raises ValidationError: on `file` for a file that is not a JPEG/PNG photo or a supported
    recording, too large, or already attached to this visit; without a field when the visit
    takes no evidence now or `by` neither goes on it nor supervises its team. The same file
    on another visit is allowed: the EVIDENCE_REUSED rule reports it.
    """
    _check_may_add(visit, by)
    if not upload.size:
        raise ValidationError({"file": ValidationError(_("The file is empty."), code="empty")})
    sniffed = evidence_sniff(upload)
    _check_size(upload.size, sniffed.kind)
    size, sha256 = _digest(upload)
    exif = PhotoExif()
    if sniffed.kind == PHOTO:
        exif = photo_exif(upload, zone=ZoneInfo(visit.borrower.timezone))

    with transaction.atomic():
        # Serialises with status changes: no evidence slips in after the report is submitted.
        locked = (
            Visit.objects.select_for_update(of=("self",))
            .select_related("case__team")
            .get(pk=visit.pk)
        )
        _check_may_add(locked, by)
        if Evidence.objects.filter(visit=locked, sha256=sha256).exists():
            raise _duplicate()
        evidence = Evidence(
            visit=locked,
            kind=sniffed.kind,
            original_name=(upload.name or "")[-255:],
            content_type=sniffed.content_type,
            size=size,
            sha256=sha256,
            received_at=now,
            uploaded_by=by,
            taken_at=exif.taken_at,
            taken_lat=exif.lat,
            taken_lng=exif.lng,
        )
        # Our own name: the original may carry personal data or path tricks.
        evidence.file.save(f"{uuid.uuid4().hex}{sniffed.extension}", upload, save=False)
        try:
            evidence.full_clean(validate_constraints=False)
            with transaction.atomic():
                evidence.save(force_insert=True)
        except IntegrityError:
            evidence.file.delete(save=False)
            raise _duplicate() from None  # the same file, uploaded twice at once
        except ValidationError:
            evidence.file.delete(save=False)
            raise
        audit_record(
            actor=by,
            action="visit.evidence_added",
            obj=locked,
            # No file name: it may name the borrower. The hash identifies the file.
            data={
                "evidence": str(evidence.public_id),
                "kind": sniffed.kind,
                "sha256": sha256,
                "size": size,
            },
            at=now,
        )
    return evidence


def evidence_sniff(upload: UploadedFile) -> Sniffed:
    """Recognise a recording by its signature, else a JPEG or PNG by opening it with Pillow."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    audio = _audio_type(head)
    if audio is not None:
        return audio
    try:
        with Image.open(upload, formats=["JPEG", "PNG"]) as image:
            image_format = image.format
            image.verify()
    except Exception:  # Pillow signals a broken or hostile file in many ways; all mean "no"
        raise ValidationError(
            {
                "file": ValidationError(
                    _(
                        "This file is neither a JPEG or PNG photo nor a recording "
                        "(MP3, M4A, AAC, WAV, AMR or OGG)."
                    ),
                    code="invalid_type",
                )
            }
        ) from None
    finally:
        upload.seek(0)
    if image_format == "PNG":
        return Sniffed(PHOTO, "image/png", ".png")
    return Sniffed(PHOTO, "image/jpeg", ".jpg")


def _audio_type(head: bytes) -> Sniffed | None:
    if head[:3] == b"ID3" and len(head) >= 10 and head[3] in (2, 3, 4):
        return Sniffed(AUDIO, "audio/mpeg", ".mp3")
    if len(head) >= 4 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0b11
        if layer == 0:  # ADTS: AAC with the 12-bit sync word and layer 00
            return Sniffed(AUDIO, "audio/aac", ".aac") if head[1] & 0xF0 == 0xF0 else None
        version = (head[1] >> 3) & 0b11
        bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0b11
        if version != 0b01 and bitrate != 0xF and rate != 0b11:  # not the reserved values
            return Sniffed(AUDIO, "audio/mpeg", ".mp3")
        return None
    if head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        content_type = MP4_BRANDS[head[8:12]]
        return Sniffed(AUDIO, content_type, ".m4a" if content_type == "audio/mp4" else ".3gp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed(AUDIO, "audio/wav", ".wav")
    if head.startswith(b"#!AMR"):
        return Sniffed(AUDIO, "audio/amr", ".amr")
    if head[:5] == b"OggS\x00":
        return Sniffed(AUDIO, "audio/ogg", ".ogg")
    return None


def _digest(upload: UploadedFile) -> tuple[int, str]:
    """Size and SHA-256 of the upload, read in chunks (large recordings stay on disk)."""
    sha = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        sha.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return size, sha.hexdigest()


def _check_size(size: int, kind: str) -> None:
    limit = settings.FIELDVISIT_EVIDENCE_MAX_BYTES[kind]
    if size > limit:
        message = (
            _("This photo is %(size)s; a photo may be at most %(limit)s.")
            if kind == PHOTO
            else _("This recording is %(size)s; a recording may be at most %(limit)s.")
        )
        raise ValidationError(
            {
                "file": ValidationError(
                    message % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
                    code="too_large",
                )
            }
        )


def _check_may_add(visit: Visit, by) -> None:
    if visit.status not in EVIDENCE_STATUSES:
        raise ValidationError(
            _(
                "Evidence can be added while the visit is in progress and when its report "
                "was returned; this visit is %(status)s."
            )
            % {"status": visit.get_status_display()},
            code="visit_closed",
        )
    if not evidence_attacher(visit=visit, user=by):
        raise ValidationError(
            _("Only the visit's collectors and their team's supervisor can add evidence."),
            code="not_attacher",
        )


def _duplicate() -> ValidationError:
    message = _("This file is already attached to this visit.")
    return ValidationError({"file": ValidationError(message, code="duplicate")})
