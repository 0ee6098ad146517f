"""Durable storage. Everything that must not be lost or replayed lives behind these ports.

Repositories hand out copies: a change is stored only by ``save``/``add``, and only
when the unit of work commits. ``for_update=True`` locks the row until the end of the
transaction (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from domain.events import AccountEvent, EventDraft, EventType
from domain.exports import Export, ExportStatus, FailureReason
from domain.factors import BackupCode, FactorKind, SecondFactor
from domain.ids import ExportId, FactorId, SessionId, TaskId, UserId
from domain.passkeys import Passkey
from domain.refresh_tokens import RefreshToken
from domain.sessions import DeviceInfo, DeviceSession, NetworkInfo
from domain.social import Provider, ProviderLink
from domain.tasks import DeletedTask, Task
from domain.users import User, UserStatus
from domain.values import EmailAddress


@dataclass(frozen=True, slots=True)
class Keyset:
    """A place in a newest-first listing: the (time, id) of the last row a page showed.
    The next page holds the rows strictly after it in ``(time DESC, id DESC)`` order, so
    rows added meanwhile never shift a page (no OFFSET)."""

    at: datetime
    id: UUID


class UserRepository(Protocol):
    def get(self, user_id: UserId, *, for_update: bool = False) -> User | None: ...

    def get_by_email(self, email: EmailAddress, *, for_update: bool = False) -> User | None:
        """Case-insensitive: emails are stored lower-cased."""
        ...

    def add(self, user: User) -> None:
        """Insert now (not at commit); raises ``EmailTakenError`` if the email is taken,
        also when a concurrent transaction took it first."""
        ...

    def save(self, user: User) -> None:
        """Raises ``EmailTakenError`` when the user's email now belongs to another account
        (a race with an email change or a registration), at the latest on commit."""
        ...

    def delete(self, user_id: UserId) -> bool:
        """Delete the user and, by cascade, everything they own: sessions, refresh tokens,
        events, factors, backup codes, passkeys, the user handle and provider links. False
        when there was no such user. Files are not rows: the caller removes them once the
        deletion is committed."""
        ...

    def delete_unverified_created_before(self, cutoff: datetime, limit: int) -> list[UserId]:
        """Delete up to ``limit`` never-verified accounts created before ``cutoff``
        (cascading to everything they own) and return their ids."""
        ...

    def page(
        self,
        *,
        email_prefix: str | None = None,
        status: UserStatus | None = None,
        after: Keyset | None = None,
        limit: int,
    ) -> list[User]:
        """Up to ``limit`` users, newest first by ``(created_at, id)``, after ``after``.
        ``email_prefix`` matches the start of the email, ignoring case; ``%``, ``_`` and
        ``\\`` in it match only themselves."""
        ...


@dataclass(frozen=True, slots=True)
class SeenBefore:
    device: bool
    network: bool
    sessions: int
    country: bool | None = None
    """Whether an earlier session was placed in the asked country; None when there is
    nothing to compare (no country asked, or no earlier session with a known one)."""


class SessionRepository(Protocol):
    def get(self, session_id: SessionId, *, for_update: bool = False) -> DeviceSession | None: ...

    def add(self, session: DeviceSession) -> None: ...

    def save(self, session: DeviceSession) -> None: ...

    def list_active(self, user_id: UserId, at: datetime) -> list[DeviceSession]:
        """Active, unexpired sessions of one user, newest first."""
        ...

    def page_for_user(
        self, user_id: UserId, *, after: Keyset | None = None, limit: int
    ) -> list[DeviceSession]:
        """Up to ``limit`` of the user's sessions in any state, newest first by
        ``(created_at, id)``, after ``after`` (for an export: revoked and expired ones are
        the user's data too, until the sweep takes them)."""
        ...

    def seen_before(
        self,
        user_id: UserId,
        device: DeviceInfo,
        network: NetworkInfo,
        country: str | None = None,
    ) -> SeenBefore:
        """Whether any earlier session of this user (revoked ones too) came from the same
        browser/OS/device family, the same masked network prefix or ``country``."""
        ...

    def is_active(self, session_id: SessionId, at: datetime) -> bool:
        """The hot-path fallback when the cache misses: one indexed read, no locking."""
        ...

    def record_activity(self, session_id: SessionId, at: datetime) -> None:
        """Set ``last_activity_at`` without loading the row (``SessionActivity`` throttles it)."""
        ...

    def delete_expired(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` sessions (revoked or not) whose ``expires_at`` is before
        ``before``, oldest first, with their refresh tokens; their events stay and lose
        the session link. Returns how many were deleted."""
        ...


class RefreshTokenRepository(Protocol):
    def add(self, token: RefreshToken) -> None: ...

    def rotate(self, token_hash: str, at: datetime) -> RefreshToken | None:
        """Atomically mark the live, unexpired token with this hash as rotated and return it
        (with ``rotated_at`` set). Of any number of concurrent callers exactly one gets the
        token; the others, and callers with a rotated, revoked, expired or unknown hash,
        get None. One conditional UPDATE, never read-then-write."""
        ...

    def find(self, token_hash: str) -> RefreshToken | None: ...

    def revoke_for_session(self, session_id: SessionId, at: datetime) -> int:
        """Revoke every live token of the session; returns how many."""
        ...


class EventRepository(Protocol):
    def add(self, draft: EventDraft) -> AccountEvent:
        """Record the event in the current transaction, giving it a fresh id."""
        ...

    def list_for_user(self, user_id: UserId, *, limit: int = 50) -> list[AccountEvent]:
        """The user's newest events: ``page(user_id=user_id, limit=limit)``."""
        ...

    def page(
        self,
        *,
        user_id: UserId | None = None,
        event_type: EventType | None = None,
        after: Keyset | None = None,
        limit: int,
    ) -> list[AccountEvent]:
        """Up to ``limit`` events, newest first by ``(occurred_at, id)``, after ``after``,
        of one user and/or one type when given. On PostgreSQL one range scan of that
        listing's own index (``ix_account_events_user_time``, ``_user_type_time``,
        ``_type_time`` or ``_time``), never a sort, never another listing's index: a page
        costs the same at any depth, whatever share of the log the user holds."""
        ...


class FactorRepository(Protocol):
    """Enabled second factors, at most one per (user, kind)."""

    def list_for_user(self, user_id: UserId) -> list[SecondFactor]: ...

    def get(
        self, user_id: UserId, kind: FactorKind, *, for_update: bool = False
    ) -> SecondFactor | None: ...

    def save(self, factor: SecondFactor) -> None:
        """Insert, or replace the user's factor of the same kind."""
        ...

    def delete(self, user_id: UserId, kind: FactorKind) -> bool:
        """Remove the factor; False when there was none."""
        ...

    def list_sealed(self, after: FactorId | None, limit: int) -> list[SecondFactor]:
        """Factors holding a sealed secret, in id order, after ``after``: a key rotation
        pages through them to re-seal each under the newest key."""
        ...

    def reseal(self, factor_id: FactorId, old: str, new: str) -> bool:
        """Replace the sealed secret only if it is still ``old`` (one conditional UPDATE),
        so a re-seal never writes back anything else it read earlier — a newer step, a
        factor disabled or enrolled anew meanwhile. False when it changed meanwhile."""
        ...

    def advance_totp_step(self, user_id: UserId, step: int, at: datetime) -> bool:
        """Record ``step`` as the last accepted TOTP time-step, only if it is newer than
        the stored one, in one conditional UPDATE (``... WHERE last_step IS NULL OR
        last_step < :step``). False when the step is not newer (a replay) or there is no
        TOTP factor: of concurrent callers with the same step, exactly one gets True."""
        ...


class BackupCodeRepository(Protocol):
    """Single-use codes, stored as keyed hashes and found by that hash."""

    def replace(self, user_id: UserId, codes: Sequence[BackupCode]) -> None:
        """Delete every code of the user and store these instead."""
        ...

    def spend(self, user_id: UserId, code_hash: str, at: datetime) -> bool:
        """Mark the user's unused code with this hash as used, in one conditional UPDATE
        (``... WHERE used_at IS NULL``). Of concurrent callers exactly one gets True."""
        ...

    def count_unused(self, user_id: UserId) -> int: ...

    def delete_all(self, user_id: UserId) -> int: ...


class RevocationOutbox(Protocol):
    """Sessions whose cache tombstone may not have reached the cache yet.

    A revocation adds its session here in the same transaction; once the tombstone is
    written the entry is removed. Readers drain what is left before trusting the cache,
    so a cache that was unreachable at revocation time can never serve a stale "valid".
    """

    def add(self, session_id: SessionId, at: datetime) -> None: ...

    def pending(self, limit: int = 100) -> list[SessionId]: ...

    def remove(self, session_ids: Sequence[SessionId]) -> None: ...


class TaskRepository(Protocol):
    """Every read names the owner: another user's task reads as None, never as found."""

    def add(self, task: Task) -> None:
        """Insert now; raises if the owner does not exist."""
        ...

    def get(self, user_id: UserId, task_id: TaskId, *, for_update: bool = False) -> Task | None: ...

    def save(self, task: Task) -> None: ...

    def remove(self, user_id: UserId, task_id: TaskId) -> bool:
        """Delete the owner's task; False when there was none."""
        ...

    def page(
        self,
        user_id: UserId,
        *,
        completed: bool | None = None,
        after: Keyset | None = None,
        limit: int,
    ) -> list[Task]:
        """Up to ``limit`` of the user's tasks, newest first by ``(created_at, id)``, after
        ``after``, only completed or only open ones when ``completed`` is given."""
        ...


class DeletedTaskRepository(Protocol):
    """The trash. A soft delete is ``tasks.remove`` and ``deleted_tasks.add`` in one unit
    of work, so the task is in exactly one of the two tables whatever fails."""

    def add(self, deleted: DeletedTask) -> None: ...

    def get(self, user_id: UserId, task_id: TaskId) -> DeletedTask | None:
        """Only the owner's; expired ones too, until the purge takes them."""
        ...

    def remove(self, user_id: UserId, task_id: TaskId) -> bool:
        """Delete for good; False when there was none."""
        ...

    def page(
        self, user_id: UserId, *, after: Keyset | None = None, limit: int
    ) -> list[DeletedTask]:
        """Up to ``limit`` of the user's deleted tasks, newest deletion first by
        ``(deleted_at, id)``, after ``after``."""
        ...

    def delete_expired(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` entries whose ``restorable_until`` is before ``before``,
        oldest first; rows another transaction holds are skipped. Returns how many."""
        ...


class ExportRepository(Protocol):
    """Export requests. Reads for a user name the owner, so another user's id is None.
    Every status change is one conditional UPDATE whose result says whether it applied,
    so concurrent workers, reconcilers and purges agree on one outcome."""

    def add(self, export: Export) -> None:
        """Insert; ``ExportInProgressError`` when the user already has an active one (a
        partial unique index, so of concurrent requests exactly one is inserted)."""
        ...

    def get(self, export_id: ExportId) -> Export | None: ...

    def get_for_user(self, user_id: UserId, export_id: ExportId) -> Export | None: ...

    def list_for_user(self, user_id: UserId, limit: int) -> list[Export]:
        """Newest first."""
        ...

    def claim(self, export_id: ExportId, at: datetime) -> Export | None:
        """``pending``/``processing`` → ``processing`` with one more attempt; the export as
        claimed, or None when it is in no state to be worked on (done, failed, gone)."""
        ...

    def complete(
        self,
        export_id: ExportId,
        attempt: int,
        key: str,
        size_bytes: int,
        at: datetime,
        expires_at: datetime,
    ) -> bool:
        """``processing`` → ``complete`` only if ``attempt`` is still the newest claim."""
        ...

    def fail(self, export_id: ExportId, reason: FailureReason, at: datetime) -> Export | None:
        """``pending``/``processing`` → ``failed``; the export as failed, or None when it
        was not active (already complete, failed or gone)."""
        ...

    def expire(self, export_id: ExportId, at: datetime) -> bool:
        """``complete`` → ``expired``, forgetting the file key."""
        ...

    def due_to_expire(self, at: datetime, limit: int) -> list[Export]:
        """Complete exports whose expiry is not after ``at``, oldest expiry first."""
        ...

    def stale(self, status: ExportStatus, before: datetime, limit: int) -> list[Export]:
        """Exports in ``status`` not touched since ``before``, oldest first: the
        reconciler's candidates for a job lost with its worker or its queue."""
        ...

    def file_keys_for_user(self, user_id: UserId) -> list[str]:
        """Every key any of the user's exports may have written, for the deletion cascade."""
        ...


class PasskeyRepository(Protocol):
    """Passkeys by credential id, and each user's handle. Reads for a user name the owner,
    so another user's passkey reads as None."""

    def add(self, passkey: Passkey) -> None:
        """Insert now; ``PasskeyExistsError`` when the credential id is registered already
        (to anyone), also when a concurrent transaction registered it first."""
        ...

    def get(self, credential_id: bytes) -> Passkey | None: ...

    def get_for_user(self, user_id: UserId, credential_id: bytes) -> Passkey | None: ...

    def list_for_user(self, user_id: UserId) -> list[Passkey]:
        """Newest first."""
        ...

    def list_for_email(self, email: EmailAddress) -> list[Passkey]:
        """The passkeys of the account with this email (case-insensitive), newest first; one
        statement whether or not the account exists, so both cost the same (EN-04)."""
        ...

    def count_for_user(self, user_id: UserId) -> int: ...

    def rename(self, user_id: UserId, credential_id: bytes, name: str) -> bool:
        """False when the user has no such passkey."""
        ...

    def delete(self, user_id: UserId, credential_id: bytes) -> bool:
        """False when the user has no such passkey."""
        ...

    def record_use(
        self, credential_id: bytes, *, seen: int, presented: int, backed_up: bool, at: datetime
    ) -> bool:
        """Store an accepted assertion's counter, backup state and time in one conditional
        UPDATE: only if the stored counter is still ``seen`` and the move is allowed
        (``counter < presented``, or both 0 for authenticators that keep no counter). Of
        concurrent callers presenting one non-zero counter exactly one gets True."""
        ...

    def handle_of(self, user_id: UserId) -> bytes | None:
        """The user's WebAuthn user handle, None until one was made."""
        ...

    def ensure_handle(self, user_id: UserId, candidate: bytes) -> bytes:
        """The user's handle, storing ``candidate`` first when there is none; of concurrent
        first calls all return the one stored (an insert that does nothing on conflict)."""
        ...


class ProviderLinkRepository(Protocol):
    """Identities at sign-in providers, keyed by (provider, subject), at most one per
    provider per user. Reads for a user name the owner."""

    def add(self, link: ProviderLink) -> None:
        """Insert now; ``ProviderLinkExistsError`` when the identity is linked already (to
        anyone), ``ProviderAlreadyLinkedError`` when the user has an identity at that
        provider, also when a concurrent transaction inserted it first."""
        ...

    def get(
        self, provider: Provider, subject: str, *, for_update: bool = False
    ) -> ProviderLink | None: ...

    def get_for_user(self, user_id: UserId, provider: Provider) -> ProviderLink | None: ...

    def list_for_user(self, user_id: UserId) -> list[ProviderLink]:
        """In the order google, github, apple (the provider's name)."""
        ...

    def count_for_user(self, user_id: UserId) -> int: ...

    def save(self, link: ProviderLink) -> None:
        """Store what a sync changed (email, sealed token, scope, status, last sync)."""
        ...

    def delete(self, user_id: UserId, provider: Provider) -> bool:
        """False when the user has no identity at that provider."""
        ...

    def list_sealed(self, after: tuple[Provider, str] | None, limit: int) -> list[ProviderLink]:
        """Links holding a sealed access token, in (provider name, subject) order, after the
        key ``after``: a key rotation pages through them to re-seal each under the newest
        key."""
        ...

    def reseal(self, provider: Provider, subject: str, old: str, new: str) -> bool:
        """Replace the sealed token only if it is still ``old`` (one conditional UPDATE),
        so a re-seal never writes back a token it read earlier over the one a sign-in
        stored meanwhile, nor over a token dropped or an identity unlinked. False when it
        changed meanwhile."""
        ...


class UsersChanged(Protocol):
    """Told by a unit of work, after its commit, which users it saved or deleted (so a
    cached profile of theirs is dropped)."""

    def __call__(self, user_ids: frozenset[UserId]) -> None: ...


class EventsRecorded(Protocol):
    """Told by a unit of work, after its commit, the events it recorded (for counting)."""

    def __call__(self, drafts: Sequence[EventDraft]) -> None: ...


class ChangedUsers:
    """Which users one transaction saved or deleted, as its use case said (``save``,
    ``delete``), for its unit of work to tell ``UsersChanged`` after the commit. A new
    user (``add``) has nothing cached yet."""

    def __init__(self) -> None:
        self.changed: set[UserId] = set()

    def report(self, hook: UsersChanged | None) -> Callable[[], None] | None:
        """The call that tells ``hook`` what this transaction changed (None: nothing to
        tell), and a fresh start for the next transaction."""
        changed = frozenset(self.changed)
        self.changed.clear()
        if hook is None or not changed:
            return None
        return lambda: hook(changed)


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls back.

    ``after_commit`` callbacks run once the commit succeeded, in order; a callback that
    fails is logged and counted, never raised: the committed change stands.

    ``record_refusal`` keeps an event whatever becomes of the transaction (SECURITY
    LO-01): it is inserted with the commit or, when the block is left without one (the
    refusal raised), in a transaction of its own once this one has rolled back and let
    go of its locks. Recording it sooner, in a second transaction while this one holds
    the user row, would wait on that row: its foreign key needs the row this one locked.
    """

    users: UserRepository
    sessions: SessionRepository
    refresh_tokens: RefreshTokenRepository
    events: EventRepository
    revocations: RevocationOutbox
    factors: FactorRepository
    backup_codes: BackupCodeRepository
    tasks: TaskRepository
    deleted_tasks: DeletedTaskRepository
    exports: ExportRepository
    passkeys: PasskeyRepository
    provider_links: ProviderLinkRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def after_commit(self, callback: Callable[[], None]) -> None: ...

    def record_refusal(self, draft: EventDraft) -> None: ...


class HealthProbe(Protocol):
    def ping(self) -> bool:
        """True when the backing service answers within a short timeout; never raises."""
        ...


class SessionActivity(Protocol):
    """Told on every authenticated call that its session was used. An implementation may
    write ``last_activity_at`` less often than it is told, but at least once per
    ``ACTIVITY_WRITE_INTERVAL`` of use."""

    def used(self, session_id: SessionId, at: datetime) -> None: ...
