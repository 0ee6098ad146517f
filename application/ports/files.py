"""Files kept outside the database (avatars now, exports later) and the pictures put there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from domain.profile import ImageType

KEY_PATTERN = re.compile(r"\A[a-z]+/[A-Za-z0-9_-]{16,64}\.[a-z0-9]{1,5}\Z")
"""``<area>/<random name>.<ext>``: keys are made by the service, never taken from a client,
and this shape leaves no room for ``..``, absolute paths or odd characters."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    data: bytes
    content_type: str


class FileStore(Protocol):
    """A flat store of immutable blobs by key; a local directory now, S3-compatible
    later. Every method raises ``ValueError`` for a key outside :data:`KEY_PATTERN`."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store the blob, replacing any under the key; readers see the old blob or the
        new one, never a part (write-then-rename, or one PUT)."""
        ...

    def open(self, key: str) -> StoredFile | None:
        """The blob and its content type; None when there is none under the key."""
        ...

    def delete(self, key: str) -> bool:
        """Remove the blob; False when there was none (deleting twice is fine)."""
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
