"""Pictures made on the fly for upload tests: real ones, ones carrying GPS EXIF, and
forgeries (a magic number in front of something else, a header claiming huge sizes)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image

CANARY_MAKE = "CanaryCam-GPS-7731"


def picture(
    fmt: str = "PNG", size: tuple[int, int] = (64, 48), mode: str = "RGB", **save: object
) -> bytes:
    color: object = (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)
    image = Image.new(mode, size, color)  # type: ignore[arg-type]
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (64, 48), orientation: int = 1) -> bytes:
    """A JPEG whose EXIF holds a GPS position, a camera make and an orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CANARY_MAKE
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    return picture("JPEG", size, exif=exif.tobytes())


def gps_of(data: bytes) -> dict[int, object]:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def png_header_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG start whose IHDR claims ``width``x``height`` over a few bytes of
    pixel data: what a decompression bomb looks like before it is decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
)
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def forgeries() -> dict[str, bytes]:
    return {
        "png header then garbage": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "gif": GIF,
        "svg": SVG,
        "html": HTML,
        "jpeg marker then html": b"\xff\xd8\xff\xe0" + HTML,
        "riff webp then html": b"RIFF\x40\x00\x00\x00WEBPVP8 " + HTML,
        "truncated png": picture("PNG", (200, 200))[:120],
        "empty": b"",
    }
