"""Uploaded pictures, decoded and encoded again with Pillow so only pixels survive.

The format comes from the magic number alone, and Pillow may try only that format's
decoder: a GIF, an SVG or an HTML page named ``.png`` is refused, and so is a PNG header
followed by anything that does not decode. Bounds are checked from the header before
any pixel is decoded, and Pillow's own decompression-bomb guard is set to the same
bound. What is stored is a fresh image built from the pixels alone, so EXIF (GPS
included), XMP, ICC profiles, text chunks and anything appended to the file are gone.
"""

from __future__ import annotations

import io
import logging

from PIL import Image, ImageOps

from application.ports.files import CleanImage, ImageSanitizer
from domain.errors import InvalidImageError
from domain.profile import AVATAR_MAX_SIDE, ImageType

log = logging.getLogger("bastion.images")

Image.MAX_IMAGE_PIXELS = AVATAR_MAX_SIDE * AVATAR_MAX_SIDE
"""Process-wide: Pillow warns past this many pixels and refuses past twice as many."""

_PILLOW_FORMAT = {ImageType.PNG: "PNG", ImageType.JPEG: "JPEG", ImageType.WEBP: "WEBP"}
_SAVE_OPTIONS: dict[ImageType, dict[str, object]] = {
    ImageType.PNG: {"optimize": True},
    ImageType.JPEG: {"quality": 85, "optimize": True},
    ImageType.WEBP: {"quality": 85},
}
_MIN_WEBP_HEADER = 12


def sniff(data: bytes) -> ImageType | None:
    """The format by magic number: PNG's 8-byte signature, JPEG's SOI marker, or a RIFF
    container of type WEBP."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageType.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return ImageType.JPEG
    if len(data) >= _MIN_WEBP_HEADER and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageType.WEBP
    return None


class PillowImageSanitizer(ImageSanitizer):
    def clean(self, data: bytes, max_side: int, fit: int) -> CleanImage:
        kind = sniff(data)
        if kind is None:
            raise InvalidImageError("Only PNG, JPEG and WebP pictures are accepted.")
        try:
            pixels = _decode(data, kind, max_side, fit)
        except InvalidImageError:
            raise
        except Image.DecompressionBombError:
            raise InvalidImageError(_too_large(max_side)) from None
        except Exception as exc:  # any decoder failure is the file's fault
            log.info("picture refused", extra={"error": type(exc).__name__})
            raise InvalidImageError("The picture is damaged or not what its header says.") from None
        out = io.BytesIO()
        pixels.save(out, format=_PILLOW_FORMAT[kind], **_SAVE_OPTIONS[kind])
        return CleanImage(
            data=out.getvalue(), mime_type=kind, width=pixels.width, height=pixels.height
        )


def _decode(data: bytes, kind: ImageType, max_side: int, fit: int) -> Image.Image:
    with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[kind]]) as image:
        width, height = image.size
        if not (0 < width <= max_side and 0 < height <= max_side):
            raise InvalidImageError(_too_large(max_side))
        if kind is ImageType.JPEG:
            image.draft("RGB", (fit, fit))  # decode at a reduced scale: less work and memory
        image.load()
        upright = ImageOps.exif_transpose(image)
    mode = "RGB" if kind is ImageType.JPEG or not _has_alpha(upright) else "RGBA"
    converted = upright.convert(mode)
    converted.thumbnail((fit, fit), Image.Resampling.LANCZOS)
    return Image.frombytes(mode, converted.size, converted.tobytes())  # pixels only, no info


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info


def _too_large(max_side: int) -> str:
    return f"The picture may be at most {max_side}x{max_side} pixels."
