"""What use cases return. Responses dump these, never entities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.events import AccountEvent, MetadataValue
from domain.exports import Export
from domain.ids import EventId, ExportId, SessionId, TaskId, UserId
from domain.passkeys import Passkey
from domain.sessions import DeviceSession, Location, VerificationStatus
from domain.social import Provider, ProviderLink
from domain.tasks import DeletedTask, Task
from domain.users import UserProfile


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: SessionId
    user: UserProfile
    token_type: str = "Bearer"


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is calling, as proven by a valid access token on a live session."""

    user_id: UserId
    session_id: SessionId
    email: str
    role: str
    methods: tuple[str, ...]
    profile: UserProfile | None = None
    """The user's profile, read with the session when the route asked for it (``GET /me``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MfaChallenge:
    """The first step passed; ``POST /auth/login/mfa`` with ``login_token`` completes it."""

    login_token: str
    methods: tuple[str, ...]
    expires_in: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MfaStatus:
    methods: tuple[str, ...]
    totp_enabled: bool
    totp_enabled_at: datetime | None
    sms_enabled: bool
    sms_phone: str | None
    """Masked: country code and last two digits only."""
    sms_enabled_at: datetime | None
    backup_codes_left: int
    passkeys: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class TotpEnrollment:
    secret: str
    otpauth_uri: str
    qr_svg: str
    expires_in: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionView:
    """A device session as its owner (or an administrator) sees it: the network only as
    the masked prefix, never the address or its hash."""

    id: SessionId
    browser: str | None
    os: str | None
    device: str | None
    network: str | None
    location: Location
    trust_score: int
    verified: bool
    methods: tuple[str, ...]
    created_at: datetime
    last_active_at: datetime
    expires_at: datetime
    current: bool

    @classmethod
    def of(cls, session: DeviceSession, current: SessionId | None = None) -> SessionView:
        return cls(
            id=session.id,
            browser=session.device.browser,
            os=session.device.os,
            device=session.device.device,
            network=session.network.ip_prefix or None,
            location=session.location,
            trust_score=session.trust_score,
            verified=session.verification is VerificationStatus.VERIFIED,
            methods=tuple(method.value for method in session.methods),
            created_at=session.created_at,
            last_active_at=session.last_activity_at,
            expires_at=session.expires_at,
            current=session.id == current,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EventItem:
    id: EventId
    type: str
    occurred_at: datetime
    user_id: UserId | None
    session_id: SessionId | None
    metadata: Mapping[str, MetadataValue]

    @classmethod
    def of(cls, event: AccountEvent) -> EventItem:
        return cls(
            id=event.id,
            type=event.type.value,
            occurred_at=event.occurred_at,
            user_id=event.user_id,
            session_id=event.session_id,
            metadata=dict(event.metadata),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorSummary:
    """Which second steps the user has and how many backup codes are left; no secret,
    seed, phone number or code."""

    methods: tuple[str, ...]
    backup_codes_left: int
    passkeys: int = 0
    providers: tuple[str, ...] = ()
    """The sign-in providers linked to the account, by name; never a token."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserDetail:
    user: UserProfile
    sessions: list[SessionView]
    factors: FactorSummary


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskView:
    id: TaskId
    title: str
    description: str
    completed: bool
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, task: Task) -> TaskView:
        return cls(
            id=task.id,
            title=task.title,
            description=task.description,
            completed=task.completed,
            due_at=task.due_at,
            created_at=task.created_at,
            updated_at=task.updated_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DeletedTaskView:
    id: TaskId
    task: TaskView
    deleted_at: datetime
    restorable_until: datetime

    @classmethod
    def of(cls, deleted: DeletedTask) -> DeletedTaskView:
        return cls(
            id=deleted.id,
            task=TaskView.of(Task.from_data(deleted.data)),
            deleted_at=deleted.deleted_at,
            restorable_until=deleted.restorable_until,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportView:
    id: ExportId
    status: str
    created_at: datetime
    completed_at: datetime | None
    expires_at: datetime | None
    size_bytes: int | None
    failure_reason: str | None

    @classmethod
    def of(cls, export: Export) -> ExportView:
        return cls(
            id=export.id,
            status=export.status.value,
            created_at=export.created_at,
            completed_at=export.completed_at,
            expires_at=export.expires_at,
            size_bytes=export.size_bytes,
            failure_reason=export.failure_reason.value if export.failure_reason else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PasskeyView:
    """A passkey as its owner sees it: never the public key."""

    id: str
    name: str
    device_type: str
    backed_up: bool
    transports: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, passkey: Passkey) -> PasskeyView:
        return cls(
            id=passkey.key,
            name=passkey.name,
            device_type=passkey.device_type.value,
            backed_up=passkey.backed_up,
            transports=passkey.transports,
            created_at=passkey.created_at,
            last_used_at=passkey.last_used_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PasskeySignInOptions:
    """What ``POST /auth/passkey/options`` answers: the token naming the pending ceremony
    and the WebAuthn L3 request options."""

    login_token: str
    options: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderRedirect:
    """Where a provider flow sends the browser next. ``binding`` is set when a flow starts:
    the value of the HttpOnly cookie that ties the flow to this browser (SECURITY OA-01)."""

    provider: Provider
    url: str
    binding: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderLinkView:
    """A linked identity as its owner sees it: never a token."""

    provider: str
    email: str | None
    status: str
    linked_at: datetime
    last_sync_at: datetime | None

    @classmethod
    def of(cls, link: ProviderLink) -> ProviderLinkView:
        return cls(
            provider=link.provider.value,
            email=link.email,
            status=link.status.value,
            linked_at=link.linked_at,
            last_sync_at=link.last_sync_at,
        )
