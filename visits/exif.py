"""When and where a photo says it was taken (EXIF), for the post-visit rules.

EXIF is a bonus, never a condition: a photo without it, or with a damaged block, is kept and
simply has no time or position. Nothing here raises.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import IO

from PIL import Image
from PIL.ExifTags import GPS, IFD, Base

SIX_PLACES = Decimal("0.000001")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass(frozen=True, slots=True)
class PhotoExif:
    taken_at: datetime | None = None
    lat: Decimal | None = None
    lng: Decimal | None = None


def photo_exif(file: IO[bytes], *, zone: tzinfo) -> PhotoExif:
    """Read DateTimeOriginal and the GPS position of a JPEG.

    A time without OffsetTimeOriginal is read as local time in `zone` (the borrower's: the
    camera was on site). PNGs are not read: their EXIF sits after the pixel data, and only
    JPEGs come from phone cameras anyway.
    """
    try:
        file.seek(0)
        with Image.open(file, formats=["JPEG"]) as image:
            exif = image.getexif()
            taken_at = _taken_at(exif, zone)
            lat, lng = _position(exif)
    except Exception:  # a damaged EXIF block must never lose the photo
        return PhotoExif()
    finally:
        file.seek(0)
    return PhotoExif(taken_at=taken_at, lat=lat, lng=lng)


def _taken_at(exif: Image.Exif, zone: tzinfo) -> datetime | None:
    try:
        tags = exif.get_ifd(IFD.Exif)
        raw = _text(tags.get(Base.DateTimeOriginal))
        if not raw:
            return None
        local = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007 - zone below
        offset = _OFFSET.match(_text(tags.get(Base.OffsetTimeOriginal)))
        if offset is None:
            return local.replace(tzinfo=zone)
        sign = -1 if offset[1] == "-" else 1
        minutes = sign * (int(offset[2]) * 60 + int(offset[3]))
        return local.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    except Exception:  # "0000:00:00 00:00:00", bad offsets, odd types
        return None


def _position(exif: Image.Exif) -> tuple[Decimal | None, Decimal | None]:
    try:
        tags = exif.get_ifd(IFD.GPSInfo)
        lat = _coordinate(tags.get(GPS.GPSLatitude), tags.get(GPS.GPSLatitudeRef), "N", "S", 90)
        lng = _coordinate(tags.get(GPS.GPSLongitude), tags.get(GPS.GPSLongitudeRef), "E", "W", 180)
    except Exception:  # zero denominators, short tuples, odd types
        return None, None
    if lat is None or lng is None or (lat == 0 and lng == 0):
        # Half a position is no position; 0,0 is what some cameras write without a fix.
        return None, None
    return lat, lng


def _coordinate(dms, ref, positive: str, negative: str, limit: int) -> Decimal | None:
    """Degrees, minutes, seconds and a hemisphere reference to signed decimal degrees."""
    if dms is None:
        return None
    ref = _text(ref).upper()
    if ref not in (positive, negative):
        return None  # without a hemisphere the sign is a guess
    parts = [_decimal(value) for value in dms]
    degrees, minutes, seconds = (parts + [Decimal(0)] * 3)[:3]
    value = degrees + minutes / 60 + seconds / 3600
    if ref == negative:
        value = -value
    if not value.is_finite() or abs(value) > limit:
        return None
    return value.quantize(SIX_PLACES)


def _decimal(value) -> Decimal:
    numerator = getattr(value, "numerator", None)
    denominator = getattr(value, "denominator", None)
    if numerator is not None and denominator is not None:
        if denominator == 0:
            raise InvalidOperation("zero denominator")
        return Decimal(numerator) / Decimal(denominator)
    return Decimal(str(value))


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ")
