"""Changes to a user's picture and address: what may be stored and what each change implies.

(The rules live here rather than on ``User`` so the account lifecycle and these profile
changes can evolve apart; both only touch the user's own fields.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import ValidationFailedError
from domain.events import EventDraft, EventType
from domain.ids import SessionId
from domain.users import User
from domain.values import EmailAddress

AVATAR_MAX_BYTES = 2 * 1024 * 1024
"""The largest upload taken (2 MiB), checked before any decoder sees the bytes."""
AVATAR_MAX_SIDE = 2048
"""Decoding a 2048 x 2048 RGBA picture costs ~16 MB per copy: bounded per upload."""
"""The widest or tallest picture decoded; larger ones are refused, not shrunk."""
AVATAR_STORED_SIDE = 512
"""What is kept: the picture shrunk (never enlarged) to fit 512x512."""


class ImageType(StrEnum):
    """The accepted formats, by media type; each is recognised by its magic number."""

    PNG = "image/png"
    JPEG = "image/jpeg"
    WEBP = "image/webp"

    @property
    def extension(self) -> str:
        return {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}[self.value]


@dataclass(frozen=True, slots=True)
class Avatar:
    """A stored picture: its file-store key (made by the service, never from the client),
    its size in bytes after re-encoding, its media type and the URL that serves it."""

    key: str
    size: int
    mime_type: ImageType
    url: str


def set_avatar(user: User, avatar: Avatar | None, at: datetime) -> tuple[str | None, EventDraft]:
    """Point the profile at ``avatar`` (None: at no picture). Returns the key of the file
    the profile showed before, which the caller deletes once the change is committed."""
    previous = user.avatar_key
    user.avatar_key = avatar.key if avatar else None
    user.avatar_size = avatar.size if avatar else None
    user.avatar_mime_type = avatar.mime_type.value if avatar else None
    user.avatar_url = avatar.url if avatar else None
    user.updated_at = at
    event = EventDraft(
        type=EventType.PROFILE_UPDATED, user_id=user.id, at=at, metadata={"fields": "avatar"}
    )
    return previous, event


def check_new_email(user: User, new_email: EmailAddress) -> None:
    if new_email == user.email:
        message = "This is already the address of the account."
        raise ValidationFailedError({"new_email": [message]}, message)


def change_email(
    user: User, new_email: EmailAddress, at: datetime, session_id: SessionId | None = None
) -> EventDraft:
    """Switch to an address whose code was just confirmed: it stays verified (the code
    proved the mailbox), as of now. The event names no address (SECURITY LO-03)."""
    user.email = new_email
    user.email_verified = True
    user.email_verified_at = at
    user.updated_at = at
    return EventDraft(type=EventType.EMAIL_CHANGED, user_id=user.id, session_id=session_id, at=at)
