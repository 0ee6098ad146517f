"""WebAuthn ceremonies behind a port: building options and verifying what a browser's
``PublicKeyCredential.toJSON()`` sent back. The application keeps the challenges (single
use, server-side) and decides what to require; the adapter only formats and checks.

A credential arrives as the JSON object the client posted, untouched; nothing here trusts
it until ``verify_*`` said yes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from domain.passkeys import Descriptor, DeviceType

CredentialJson = Mapping[str, Any]
OptionsJson = dict[str, Any]


class UserVerification(StrEnum):
    REQUIRED = "required"
    PREFERRED = "preferred"


class CeremonyRejectedError(Exception):
    """The credential failed a check. ``reason`` is a short fixed word for logs and tests
    (``origin``, ``rp_id``, ``user_presence``, ``user_verification``, ``type``,
    ``challenge``, ``signature``, ``algorithm``, ``backup_flags``, ``cross_origin``,
    ``credential_id``, ``malformed``); it never carries client text or key material."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCredential:
    """A verified registration."""

    id: bytes
    public_key: bytes
    counter: int
    device_type: DeviceType
    backed_up: bool
    transports: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AssertionClaim:
    """What an assertion says about itself before it is verified: which credential, and
    which user handle (None when the authenticator sent none)."""

    credential_id: bytes
    user_handle: bytes | None


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifiedAssertion:
    counter: int
    backed_up: bool
    user_verified: bool


class PasskeyCeremonies(Protocol):
    rp_id: str
    """The relying party every ceremony is bound to (rpIdHash = SHA-256 of it)."""

    def creation_options(
        self,
        *,
        challenge: bytes,
        user_handle: bytes,
        user_name: str,
        display_name: str,
        exclude: Sequence[Descriptor],
    ) -> OptionsJson:
        """WebAuthn L3 ``PublicKeyCredentialCreationOptionsJSON``: ES256, EdDSA and RS256,
        user verification and resident key preferred, attestation ``none``."""
        ...

    def request_options(
        self, *, challenge: bytes, allow: Sequence[Descriptor], user_verification: UserVerification
    ) -> OptionsJson:
        """WebAuthn L3 ``PublicKeyCredentialRequestOptionsJSON``."""
        ...

    def verify_registration(self, credential: CredentialJson, *, challenge: bytes) -> NewCredential:
        """``webauthn.create`` data for ``challenge`` from a configured origin, on this RP,
        user present, an allowed algorithm, consistent backup flags, an id of at most 1023
        bytes. Raises ``CeremonyRejectedError`` on anything else."""
        ...

    def read_assertion(self, credential: CredentialJson) -> AssertionClaim:
        """Parse only. Raises ``CeremonyRejectedError("malformed")``."""
        ...

    def verify_assertion(
        self,
        credential: CredentialJson,
        *,
        challenge: bytes,
        public_key: bytes,
        require_user_verification: bool,
    ) -> VerifiedAssertion:
        """``webauthn.get`` data for ``challenge`` from a configured origin, not cross-origin,
        on this RP, user present (and verified when required), signed by ``public_key``.
        The counter is returned, not judged: the caller applies the domain's rule so that a
        regression can be told apart and recorded. Raises ``CeremonyRejectedError``."""
        ...
