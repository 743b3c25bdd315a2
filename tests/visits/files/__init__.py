"""Small real evidence files, made on the fly: JPEGs with and without EXIF (written by Pillow),
a PNG, recordings in each accepted container, and impostors."""

import io
import struct
import wave

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.ExifTags import GPS, IFD, Base


def jpeg(*, taken: str | None = None, offset: str | None = None, gps=None, color="red") -> bytes:
    """A 16×16 JPEG. `taken` is an EXIF time ("2026:12:02 10:15:30"), `offset` its
    OffsetTimeOriginal ("+08:00"), `gps` ((lat_dms, "N"|"S"), (lng_dms, "E"|"W"))."""
    exif = Image.Exif()
    exif[Base.Make] = "TestCam"
    if taken is not None:
        exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = taken
        if offset is not None:
            exif.get_ifd(IFD.Exif)[Base.OffsetTimeOriginal] = offset
    if gps is not None:
        (lat, lat_ref), (lng, lng_ref) = gps
        tags = exif.get_ifd(IFD.GPSInfo)
        tags[GPS.GPSLatitudeRef] = lat_ref
        tags[GPS.GPSLatitude] = lat
        tags[GPS.GPSLongitudeRef] = lng_ref
        tags[GPS.GPSLongitude] = lng
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def plain_jpeg(color="blue") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, "JPEG")
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (16, 16), (0, 128, 255, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def image(fmt: str) -> bytes:
    """Another image format (GIF, WEBP, BMP, TIFF): real, but not accepted."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(buffer, fmt)
    return buffer.getvalue()


def corrupt_png() -> bytes:
    """A PNG that opens (its header is sound) but whose pixel data fails its checksum."""
    data = bytearray(png())
    data[data.index(b"IDAT") + 6] ^= 0xFF
    return bytes(data)


def wav(seconds: float = 0.1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


# One MPEG-1 Layer III frame at 128 kbit/s, 44.1 kHz: header and 413 bytes of silence.
_MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 413


def mp3(*, id3: bool = True) -> bytes:
    tag = b"ID3\x03\x00\x00\x00\x00\x00\x00" if id3 else b""
    return tag + _MP3_FRAME * 4


def aac() -> bytes:
    """ADTS AAC-LC, 44.1 kHz mono, one 16-byte frame."""
    return b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 9


def m4a(brand: bytes = b"M4A ") -> bytes:
    ftyp = brand + b"\x00\x00\x00\x00" + brand + b"isom"
    return struct.pack(">I", 8 + len(ftyp)) + b"ftyp" + ftyp + struct.pack(">I", 8) + b"mdat"


def amr() -> bytes:
    return b"#!AMR\n" + (b"\x3c" + b"\x00" * 31) * 3


def ogg() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" + b"\x00" * 9 + b"\x01\x1e"


TEXT = b"Not a photo at all, just a note typed by hand.\n"


def upload(content: bytes, name: str = "file.bin", content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)
