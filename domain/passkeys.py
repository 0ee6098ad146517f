"""Passkeys: WebAuthn credentials a user signs in with, alone or as a second step.

A passkey is known by its credential id (the bytes the authenticator chose; the API shows
them as unpadded base64url). Bastion keeps its COSE public key, the signature counter,
whether it may be synced (``device_type``, the BE flag) and whether it is (``backed_up``,
the BS flag), the transports the browser reported, a name the user chose, and times.
Every passkey of a user carries that user's handle: 64 unpredictable bytes made once per
user, never the email or the database id (WebAuthn L3 §14.6.1).
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import ValidationFailedError
from domain.events import EventDraft, EventType
from domain.ids import UserId
from domain.values import has_control_characters

MAX_CREDENTIAL_ID_BYTES = 1023
"""WebAuthn L3 §7.1 step 19: a longer id is refused at registration."""
USER_HANDLE_BYTES = 64
CHALLENGE_BYTES = 32
MAX_PASSKEYS_PER_USER = 20
"""Bounds ``excludeCredentials`` and ``allowCredentials``, and what one user can store."""
NAME_LIMIT = 64
MAX_COUNTER = 2**32 - 1
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
DECOY_TRANSPORTS = (("internal", "hybrid"), ("hybrid", "internal"), ("usb", "nfc"), ("internal",))
DECOY_ID_LENGTHS = (16, 20, 32, 64)


class DeviceType(StrEnum):
    """``multi_device`` when the authenticator said the credential may be backed up (BE)."""

    SINGLE_DEVICE = "single_device"
    MULTI_DEVICE = "multi_device"


@dataclass(eq=False, slots=True, kw_only=True)
class Passkey:
    """Equal by credential id, as entities are by id."""

    id: bytes
    user_id: UserId
    name: str
    public_key: bytes
    counter: int
    device_type: DeviceType
    backed_up: bool
    transports: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Passkey) and other.id == self.id

    def __hash__(self) -> int:
        return hash(("Passkey", self.id))

    @property
    def key(self) -> str:
        """The credential id as the API shows it."""
        return encode_id(self.id)

    def added_event(self) -> EventDraft:
        return EventDraft(
            type=EventType.PASSKEY_ADDED,
            user_id=self.user_id,
            at=self.created_at,
            metadata={"device_type": self.device_type.value, "backed_up": self.backed_up},
        )

    def removed_event(self, at: datetime) -> EventDraft:
        return EventDraft(
            type=EventType.PASSKEY_REMOVED,
            user_id=self.user_id,
            at=at,
            metadata={"device_type": self.device_type.value},
        )


def counter_regressed(stored: int, presented: int) -> bool:
    """WebAuthn L3 §7.2 step 22: when either counter is non-zero, the presented one must be
    greater than the stored one, or the authenticator may be cloned (or the assertion
    replayed). Synced passkeys that always report 0 never regress."""
    return (stored > 0 or presented > 0) and presented <= stored


def passkey_name(raw: str, field: str = "name") -> str:
    """1..64 characters after NFC and trimming, no control characters."""
    text = unicodedata.normalize("NFC", raw).strip()
    if not text or len(text) > NAME_LIMIT or has_control_characters(text):
        message = f"1 to {NAME_LIMIT} characters, no control characters."
        raise ValidationFailedError({field: [message]}, message)
    return text


def encode_id(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def from_base64url(text: str) -> bytes:
    """Unpadded base64url to bytes; ``ValueError`` when it is not base64url."""
    if not _BASE64URL.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_id(text: str) -> bytes | None:
    """The credential id in ``text`` (unpadded base64url), or None when it cannot be one."""
    if not text or len(text) > 2 * MAX_CREDENTIAL_ID_BYTES or not _BASE64URL.match(text):
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if 0 < len(raw) <= MAX_CREDENTIAL_ID_BYTES and encode_id(raw) == text else None


@dataclass(frozen=True, slots=True)
class Descriptor:
    """A credential as options name it: its id and the transports to try."""

    id: bytes
    transports: tuple[str, ...] = ()

    @classmethod
    def of(cls, passkey: Passkey) -> Descriptor:
        return cls(passkey.id, passkey.transports)


def decoy_descriptors(material: bytes) -> list[Descriptor]:
    """One or two credentials that do not exist, made from ``material`` (a keyed hash of
    the email, at least 136 bytes): the same email always gets the same decoys, whose
    number, lengths and transports look like real ones (SECURITY EN-04)."""
    count = 1 + material[0] % 2
    decoys = []
    for n in range(count):
        length = DECOY_ID_LENGTHS[material[1 + n] % len(DECOY_ID_LENGTHS)]
        transports = DECOY_TRANSPORTS[material[3 + n] % len(DECOY_TRANSPORTS)]
        start = 8 + 64 * n
        decoys.append(Descriptor(material[start : start + length], transports))
    return decoys
