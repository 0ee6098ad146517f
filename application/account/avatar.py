"""The profile picture: upload (checked from the bytes, re-encoded), remove, serve.

The bytes are judged before anything is stored: at most 2 MiB, PNG, JPEG or WebP by
magic number and by decoding, at most 4096x4096 (``ImageSanitizer``); what is stored is
the re-encoded picture, so no metadata (GPS EXIF) survives. The file goes into the store
under a fresh random key before the transaction; a failed transaction deletes it again,
so the profile never points at a missing file. The file it replaces is deleted once the
change is committed. Keys are never reused, so the served picture is immutable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from application.common.messages import announce
from application.ports.files import KEY_PATTERN, FileStore, ImageSanitizer, StoredFile
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from application.ports.security import SecretGenerator
from application.ports.system import Clock
from domain.errors import FileTooLargeError, NotFoundError
from domain.ids import SessionId, UserId
from domain.profile import (
    AVATAR_MAX_BYTES,
    AVATAR_MAX_SIDE,
    AVATAR_STORED_SIDE,
    Avatar,
    set_avatar,
)
from domain.users import UserProfile

AREA = "avatars"


@dataclass(frozen=True, slots=True)
class ChangeAvatarCommand:
    user_id: UserId
    data: bytes
    session_id: SessionId | None = None


class ChangeAvatar:
    """``media_url`` is where the public avatar route lives (``{public_url}/media``)."""

    def __init__(
        self,
        uow: UnitOfWork,
        images: ImageSanitizer,
        files: FileStore,
        secrets: SecretGenerator,
        publisher: EventPublisher,
        clock: Clock,
        media_url: str,
    ) -> None:
        self._images = images
        self._files = files
        self._secrets = secrets
        self._media_url = media_url.rstrip("/")
        self._point = _ProfilePicture(uow, files, publisher, clock)

    def __call__(self, cmd: ChangeAvatarCommand) -> UserProfile:
        if len(cmd.data) > AVATAR_MAX_BYTES:
            raise FileTooLargeError("The picture may be at most 2 MiB.")
        image = self._images.clean(cmd.data, AVATAR_MAX_SIDE, AVATAR_STORED_SIDE)
        key = f"{AREA}/{self._secrets.token(16)}{image.mime_type.extension}"
        self._files.put(key, image.data, image.mime_type.value)
        avatar = Avatar(key, len(image.data), image.mime_type, f"{self._media_url}/{key}")
        try:
            return self._point(cmd.user_id, avatar, cmd.session_id)
        except BaseException:
            self._files.delete(key)
            raise


@dataclass(frozen=True, slots=True)
class RemoveAvatarCommand:
    user_id: UserId
    session_id: SessionId | None = None


class RemoveAvatar:
    """Idempotent: removing a picture that is not there changes nothing."""

    def __init__(
        self, uow: UnitOfWork, files: FileStore, publisher: EventPublisher, clock: Clock
    ) -> None:
        self._point = _ProfilePicture(uow, files, publisher, clock)

    def __call__(self, cmd: RemoveAvatarCommand) -> UserProfile:
        return self._point(cmd.user_id, None, cmd.session_id)


class _ProfilePicture:
    """Points the profile at a picture (or none) and deletes the file it pointed at once
    that is committed."""

    def __init__(
        self, uow: UnitOfWork, files: FileStore, publisher: EventPublisher, clock: Clock
    ) -> None:
        self._uow = uow
        self._files = files
        self._publisher = publisher
        self._clock = clock

    def __call__(
        self, user_id: UserId, avatar: Avatar | None, session_id: SessionId | None = None
    ) -> UserProfile:
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            if avatar is None and user.avatar_key is None:
                return UserProfile.of(user)
            previous, event = set_avatar(user, avatar, now)
            uow.users.save(user)
            uow.events.add(replace(event, session_id=session_id))
            if previous:
                uow.after_commit(lambda: self._forget(previous))
            uow.after_commit(
                lambda: announce(self._publisher, "user:updated", user.id, user.id, now)
            )
            uow.commit()
        return UserProfile.of(user)

    def _forget(self, key: str) -> None:
        self._files.delete(key)


class OpenAvatar:
    """Anyone holding the URL may fetch the picture: its key has 128 random bits, so the
    URL cannot be guessed, and it names nothing but itself. A name that could not be a
    key, and a key with no file (replaced, removed, deleted account), are not found."""

    def __init__(self, files: FileStore) -> None:
        self._files = files

    def __call__(self, name: str) -> StoredFile:
        key = f"{AREA}/{name}"
        found = self._files.open(key) if KEY_PATTERN.match(key) else None
        if found is None:
            raise NotFoundError("No such picture.")
        return found
