"""Pictures are judged by their bytes and stored re-encoded, with no metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from adapters.images.pillow import PillowImageSanitizer, sniff
from domain.errors import InvalidImageError
from domain.profile import ImageType
from tests.support.images import (
    CANARY_MAKE,
    forgeries,
    gps_of,
    jpeg_with_gps,
    picture,
    png_header_claiming,
)

sanitizer = PillowImageSanitizer()


def clean(data: bytes, max_side: int = 4096, fit: int = 512) -> tuple[bytes, ImageType]:
    result = sanitizer.clean(data, max_side, fit)
    return result.data, result.mime_type


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("PNG", ImageType.PNG), ("JPEG", ImageType.JPEG), ("WEBP", ImageType.WEBP)],
)
def test_each_accepted_format_comes_back_in_the_same_format(fmt: str, kind: ImageType) -> None:
    data, mime = clean(picture(fmt))

    assert mime is kind
    assert sniff(data) is kind
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == fmt
        assert image.size == (64, 48)


@pytest.mark.parametrize("name", sorted(forgeries()))
def test_anything_but_a_decodable_png_jpeg_or_webp_is_refused(name: str) -> None:
    with pytest.raises(InvalidImageError) as refused:
        clean(forgeries()[name])

    assert refused.value.code == "invalid_image"
    assert "file" in refused.value.errors


def test_gps_and_every_other_exif_field_are_gone() -> None:
    original = jpeg_with_gps()
    assert gps_of(original)
    assert CANARY_MAKE.encode() in original

    data, _ = clean(original)

    assert gps_of(data) == {}
    assert CANARY_MAKE.encode() not in data
    assert b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()


def test_the_picture_is_turned_upright_before_its_orientation_tag_is_dropped() -> None:
    data, _ = clean(jpeg_with_gps(size=(80, 40), orientation=6))  # "rotate 90° clockwise"

    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (40, 80)


def test_text_chunks_and_bytes_after_the_image_are_dropped() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-location-canary")
    polyglot = picture("PNG", pnginfo=info) + b"<script>alert(1)</script>"

    data, _ = clean(polyglot)

    assert b"secret-location-canary" not in data
    assert b"<script>" not in data


def test_large_pictures_shrink_to_fit_keeping_their_shape_and_small_ones_stay() -> None:
    big, _ = clean(picture("PNG", (2000, 1000)))
    small, _ = clean(picture("PNG", (30, 20)))

    with Image.open(io.BytesIO(big)) as image:
        assert image.size == (512, 256)
    with Image.open(io.BytesIO(small)) as image:
        assert image.size == (30, 20)


def test_transparency_survives_in_png_and_webp() -> None:
    for fmt in ("PNG", "WEBP"):
        data, _ = clean(picture(fmt, mode="RGBA"))
        with Image.open(io.BytesIO(data)) as image:
            assert "A" in image.getbands(), fmt


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("width", "height"), [(4097, 10), (10, 4097), (5000, 5000)])
def test_pictures_past_the_side_limit_are_refused_before_decoding(width: int, height: int) -> None:
    with pytest.raises(InvalidImageError, match="at most 4096x4096"):
        clean(png_header_claiming(width, height))


def test_a_decompression_bomb_is_refused() -> None:
    with pytest.raises(InvalidImageError, match="at most"):
        clean(png_header_claiming(100_000, 100_000))


def test_the_side_limit_is_the_callers() -> None:
    with pytest.raises(InvalidImageError):
        clean(picture("PNG", (65, 10)), max_side=64)
