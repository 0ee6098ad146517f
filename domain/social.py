"""Social sign-in: identities at Google, GitHub and Apple linked to Bastion accounts.

An identity is known by (provider, subject) alone: the subject is the provider's stable id
for the person (OIDC ``sub``, GitHub's numeric user id), never the email, which a person
can change and a provider may not have verified (SECURITY OA-05). A link keeps the email
the provider last reported, the provider's access token sealed by the secret box (its
refresh token is never kept), the connection status and when it was last refreshed.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.events import EventDraft, EventType
from domain.ids import UserId
from domain.values import has_control_characters

MAX_SUBJECT_LENGTH = 255
NAME_LIMIT = 50
APPLE_USER_LIMIT = 4096
"""Apple's first-time ``user`` form field is a small JSON object; anything longer is junk."""


class Provider(StrEnum):
    GOOGLE = "google"
    GITHUB = "github"
    APPLE = "apple"

    @property
    def display_name(self) -> str:
        """How a person reads the provider's name (mail, documentation)."""
        return {"google": "Google", "github": "GitHub", "apple": "Apple"}[self.value]


class LinkStatus(StrEnum):
    """``connected``: the identity signs in, and the last exchange with the provider gave a
    fresh access token. ``token_missing``: it signs in, but the provider gave no access token
    the last time (Bastion holds none to act with)."""

    CONNECTED = "connected"
    TOKEN_MISSING = "token_missing"


class FlowMode(StrEnum):
    """Why the browser went to the provider: to sign in, or to link the identity to the
    signed-in account that started the flow."""

    LOGIN = "login"
    LINK = "link"


@dataclass(eq=False, slots=True, kw_only=True)
class ProviderLink:
    """Equal by (provider, subject), the identity's key."""

    provider: Provider
    subject: str
    user_id: UserId
    email: str | None
    status: LinkStatus
    sealed_token: str | None
    """The provider's access token, sealed (authenticated encryption); None when none."""
    scope: str | None
    linked_at: datetime
    last_sync_at: datetime | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProviderLink) and other.key == self.key

    def __hash__(self) -> int:
        return hash(("ProviderLink", self.key))

    @property
    def key(self) -> tuple[Provider, str]:
        return (self.provider, self.subject)

    def sync(
        self, email: str | None, sealed_token: str | None, scope: str | None, at: datetime
    ) -> None:
        """A sign-in or a link through the provider refreshed what it says."""
        self.email = email or self.email
        self.sealed_token = sealed_token
        self.scope = scope
        self.status = LinkStatus.CONNECTED if sealed_token else LinkStatus.TOKEN_MISSING
        self.last_sync_at = at

    def linked_event(self) -> EventDraft:
        return EventDraft(
            type=EventType.PROVIDER_LINKED,
            user_id=self.user_id,
            at=self.linked_at,
            metadata={"provider": self.provider.value},
        )

    def unlinked_event(self, at: datetime) -> EventDraft:
        return EventDraft(
            type=EventType.PROVIDER_UNLINKED,
            user_id=self.user_id,
            at=at,
            metadata={"provider": self.provider.value},
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderIdentity:
    """Who the provider says signed in, after every check of its answer passed.
    ``email`` is set only when the provider vouches that it is verified."""

    provider: Provider
    subject: str
    email: str | None
    first_name: str = ""
    last_name: str = ""
    access_token: str | None = None
    scope: str | None = None


class SignInVerdict(StrEnum):
    """What a provider sign-in of an identity with no link leads to."""

    CREATE_ACCOUNT = "create_account"
    ACCOUNT_EXISTS = "account_exists"
    EMAIL_UNVERIFIED = "email_unverified"


def first_sign_in(identity: ProviderIdentity, email_taken: bool) -> SignInVerdict:
    """An identity Bastion has never seen makes a new account only with a verified email
    that no account holds. An account that holds it, verified or not, is never linked by
    email alone: its owner links from inside it (SECURITY OA-05, D8), so whoever
    registered an address first cannot wait for its owner to sign in with a provider."""
    if not identity.email:
        return SignInVerdict.EMAIL_UNVERIFIED
    return SignInVerdict.ACCOUNT_EXISTS if email_taken else SignInVerdict.CREATE_ACCOUNT


def sign_in_methods(*, has_password: bool, passkeys: int, providers: int) -> int:
    """How many independent ways into the account there are: the password, each passkey,
    each linked provider. Removing one must leave at least one (``last_login_method``)."""
    return int(has_password) + passkeys + providers


def valid_subject(subject: object) -> str | None:
    """A provider's subject as text (GitHub's is a number), or None when unusable."""
    if isinstance(subject, bool) or not isinstance(subject, str | int):
        return None
    text = str(subject)
    if not text or len(text) > MAX_SUBJECT_LENGTH or has_control_characters(text):
        return None
    return text


def profile_name(raw: object) -> str:
    """A name from a provider's profile, made safe to keep: NFC, trimmed, no control
    characters, at most 50 characters; empty when the provider gave none (or junk)."""
    if not isinstance(raw, str):
        return ""
    text = unicodedata.normalize("NFC", raw).strip()
    if has_control_characters(text):
        return ""
    return text[:NAME_LIMIT].strip()


def split_full_name(raw: object) -> tuple[str, str]:
    """GitHub gives one ``name``: its first word is the first name, the rest the last."""
    text = profile_name(raw) if isinstance(raw, str) else ""
    first, _, last = text.partition(" ")
    return first, last.strip()


def apple_user_names(raw: str | None) -> tuple[str, str]:
    """The names in Apple's ``user`` form field, which Apple sends only on the first
    authorization: ``{"name": {"firstName", "lastName"}, "email"}``. Anything else reads
    as no names (the field is unsigned, so it is used for names only, never the email)."""
    if not raw or len(raw) > APPLE_USER_LIMIT:
        return "", ""
    try:
        parsed = json.loads(raw)
    except ValueError:
        return "", ""
    name = parsed.get("name") if isinstance(parsed, Mapping) else None
    if not isinstance(name, Mapping):
        return "", ""
    return profile_name(name.get("firstName")), profile_name(name.get("lastName"))
