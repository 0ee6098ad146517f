"""The credential id a path names, or 404: an id that is no credential id at all reads as
not found, like another user's (SECURITY WA-07)."""

from __future__ import annotations

from domain.errors import NotFoundError
from domain.passkeys import decode_id


def credential_id(text: str) -> bytes:
    found = decode_id(text)
    if found is None:
        raise NotFoundError()
    return found
