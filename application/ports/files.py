"""Files kept outside the database (avatars, exports) and the pictures put there."""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import MappingProxyType
from typing import BinaryIO, Final, Protocol

from domain.profile import ImageType

CONTENT_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {"zip": "application/zip"} | {kind.extension.lstrip("."): kind.value for kind in ImageType}
)
"""A key's extension names its content type: stores keep no other metadata. Each of these
formats opens with a binary magic number, never with text."""

KEY_PATTERN = re.compile(rf"\A[a-z]+/[A-Za-z0-9_-]{{16,64}}\.(?:{'|'.join(CONTENT_TYPES)})\Z")
"""``<area>/<random name>.<ext>``: keys are made by the service, never taken from a client,
and this shape leaves no room for ``..``, absolute paths or odd characters."""


def content_type_of(key: str) -> str:
    """The content type the key's extension names; ``ValueError`` for a key outside
    :data:`KEY_PATTERN`."""
    if not KEY_PATTERN.match(key):
        raise ValueError("not a file-store key")
    return CONTENT_TYPES[key.rsplit(".", 1)[1]]


def check_content_type(key: str, content_type: str) -> None:
    """``ValueError`` unless ``content_type`` is the one the key's extension names."""
    if content_type_of(key) != content_type:
        raise ValueError(f"content type {content_type!r} is not the one the key names")


@dataclass(frozen=True, slots=True)
class StoredFile:
    data: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class BlobStream:
    """An open blob to read in chunks; the reader closes ``stream``."""

    stream: BinaryIO
    size: int
    content_type: str


class FileStore(Protocol):
    """A flat store of immutable blobs by key; a local directory now, S3-compatible
    later. Every method raises ``ValueError`` for a key outside :data:`KEY_PATTERN`. A
    blob reads back byte for byte as written, with the content type its key names."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store the blob, replacing any under the key; readers see the old blob or the
        new one, never a part (write-then-rename, or one PUT). ``ValueError`` when
        ``content_type`` is not the key's (:func:`content_type_of`)."""
        ...

    def create(self, key: str, content_type: str) -> AbstractContextManager[BinaryIO]:
        """A stream to write a large blob without holding it in memory; the stream
        starts at offset 0 of the blob. The blob appears under the key only when the
        block ends without an error, whole (written under a temporary name, flushed to
        disk, renamed); an error removes the unfinished copy. ``ValueError`` as ``put``."""
        ...

    def open_stream(self, key: str) -> BlobStream | None:
        """The blob to read piece by piece; None when there is none under the key."""
        ...

    def open(self, key: str) -> StoredFile | None:
        """The blob and its content type; None when there is none under the key."""
        ...

    def delete(self, key: str) -> bool:
        """Remove the blob and any unfinished copy a crashed writer left under the key;
        False when there was no blob (deleting twice is fine)."""
        ...


@dataclass(frozen=True, slots=True)
class CleanImage:
    """A picture decoded and encoded again: only pixels survive, no metadata."""

    data: bytes
    mime_type: ImageType
    width: int
    height: int


class ImageSanitizer(Protocol):
    def clean(self, data: bytes, max_side: int, fit: int) -> CleanImage:
        """Recognise PNG, JPEG or WebP by magic number, decode it fully with only that
        format's decoder (so the name or header a client sent counts for nothing), and
        refuse anything else, anything wider or taller than ``max_side``, a
        decompression bomb and anything that does not decode, with
        ``InvalidImageError``. Then turn it upright (EXIF orientation), shrink it to fit
        ``fit``x``fit`` and encode it again in the same format without EXIF (GPS
        included), XMP, ICC or text chunks."""
        ...
