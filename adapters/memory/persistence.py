"""The in-memory twin of the persistence ports.

It behaves like the SQL adapter where it matters to a use case: repositories hand out
copies, writes are staged and applied only on ``commit`` (a forgotten ``save`` is lost),
and one unit of work at a time holds the database, as SQLite's ``BEGIN IMMEDIATE`` does.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Generic, Self, TypeVar
from uuid import UUID

from adapters.memory.passkeys import MemoryPasskeyRepository
from adapters.memory.provider_links import MemoryProviderLinkRepository
from application.ports.persistence import (
    BackupCodeRepository,
    ChangedUsers,
    DeletedTaskRepository,
    EventRepository,
    EventsRecorded,
    ExportRepository,
    FactorRepository,
    Keyset,
    RefreshTokenRepository,
    RevocationOutbox,
    SeenBefore,
    SessionRepository,
    TaskRepository,
    UnitOfWork,
    UserRepository,
    UsersChanged,
)
from application.ports.system import IdGenerator
from domain.errors import EmailTakenError, ExportInProgressError
from domain.events import AccountEvent, EventDraft, EventType
from domain.exports import Export, ExportStatus, FailureReason
from domain.factors import BackupCode, FactorKind, SecondFactor
from domain.ids import (
    BackupCodeId,
    EventId,
    ExportId,
    FactorId,
    RefreshTokenId,
    SessionId,
    TaskId,
    UserId,
)
from domain.passkeys import Passkey
from domain.refresh_tokens import RefreshToken
from domain.sessions import DeviceInfo, DeviceSession, NetworkInfo, SessionStatus
from domain.social import Provider, ProviderLink
from domain.tasks import DeletedTask, Task
from domain.users import User, UserStatus
from domain.values import EmailAddress

logger = logging.getLogger("bastion.uow")

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class MemoryDatabase:
    """The committed state, shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[UserId, User] = {}
        self.sessions: dict[SessionId, DeviceSession] = {}
        self.tokens: dict[RefreshTokenId, RefreshToken] = {}
        self.events: dict[EventId, AccountEvent] = {}
        self.outbox: dict[SessionId, datetime] = {}
        self.factors: dict[FactorId, SecondFactor] = {}
        self.backup_codes: dict[BackupCodeId, BackupCode] = {}
        self.tasks: dict[TaskId, Task] = {}
        self.deleted_tasks: dict[TaskId, DeletedTask] = {}
        self.exports: dict[ExportId, Export] = {}
        self.passkeys: dict[bytes, Passkey] = {}
        self.passkey_handles: dict[UserId, bytes] = {}
        self.provider_links: dict[tuple[Provider, str], ProviderLink] = {}


class _Staged(Generic[K, V]):
    """One table seen through this transaction's writes; ``None`` marks a deletion.
    Values go in and come out as deep copies; ``peek`` is for filtering only."""

    def __init__(self, committed: dict[K, V]) -> None:
        self._committed = committed
        self._writes: dict[K, V | None] = {}

    def get(self, key: K) -> V | None:
        value = self._writes[key] if key in self._writes else self._committed.get(key)
        return copy.deepcopy(value)

    def put(self, key: K, value: V) -> None:
        self._writes[key] = copy.deepcopy(value)

    def delete(self, key: K) -> None:
        self._writes[key] = None

    def delete_where(self, doomed: Callable[[V], bool]) -> None:
        for key in [key for key, value in self.peek() if doomed(value)]:
            self.delete(key)

    def peek(self) -> Iterator[tuple[K, V]]:
        for key, value in {**self._committed, **self._writes}.items():
            if value is not None:
                yield key, value

    def apply(self) -> None:
        for key, value in self._writes.items():
            if value is None:
                self._committed.pop(key, None)
            else:
                self._committed[key] = value
        self._writes.clear()


class _Transaction:
    def __init__(self, db: MemoryDatabase) -> None:
        self.users = _Staged(db.users)
        self.sessions = _Staged(db.sessions)
        self.tokens = _Staged(db.tokens)
        self.events = _Staged(db.events)
        self.outbox = _Staged(db.outbox)
        self.factors = _Staged(db.factors)
        self.backup_codes = _Staged(db.backup_codes)
        self.tasks = _Staged(db.tasks)
        self.deleted_tasks = _Staged(db.deleted_tasks)
        self.exports = _Staged(db.exports)
        self.passkeys = _Staged(db.passkeys)
        self.passkey_handles = _Staged(db.passkey_handles)
        self.provider_links = _Staged(db.provider_links)

    def apply(self) -> None:
        self.users.apply()
        self.sessions.apply()
        self.tokens.apply()
        self.events.apply()
        self.outbox.apply()
        self.factors.apply()
        self.backup_codes.apply()
        self.tasks.apply()
        self.deleted_tasks.apply()
        self.exports.apply()
        self.passkeys.apply()
        self.passkey_handles.apply()
        self.provider_links.apply()

    def delete_users(self, ids: set[UserId]) -> None:
        """The cascade SQL's foreign keys make: everything the users own goes with them."""
        self.sessions.delete_where(lambda session: session.user_id in ids)
        self.tokens.delete_where(lambda token: token.user_id in ids)
        self.events.delete_where(lambda event: event.user_id in ids)
        self.factors.delete_where(lambda factor: factor.user_id in ids)
        self.backup_codes.delete_where(lambda code: code.user_id in ids)
        self.tasks.delete_where(lambda task: task.user_id in ids)
        self.deleted_tasks.delete_where(lambda deleted: deleted.user_id in ids)
        self.exports.delete_where(lambda export: export.user_id in ids)
        self.passkeys.delete_where(lambda passkey: passkey.user_id in ids)
        for user_id in ids:
            self.passkey_handles.delete(user_id)
        self.provider_links.delete_where(lambda link: link.user_id in ids)
        self.users.delete_where(lambda user: user.id in ids)

    def require(self, table: _Staged[K, V], key: K | None, what: str) -> None:
        """The foreign-key check SQL would make, so a fake never accepts an orphan."""
        if key is not None and table.get(key) is None:
            raise LookupError(f"{what} {key} does not exist")


class MemoryUserRepository(UserRepository):
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx
        self.changes = ChangedUsers()

    def get(self, user_id: UserId, *, for_update: bool = False) -> User | None:
        return self._tx.users.get(user_id)

    def get_by_email(self, email: EmailAddress, *, for_update: bool = False) -> User | None:
        wanted = email.value.lower()
        for user_id, user in self._tx.users.peek():
            if user.email.value.lower() == wanted:
                return self._tx.users.get(user_id)
        return None

    def add(self, user: User) -> None:
        if self.get_by_email(user.email) is not None:
            raise EmailTakenError()
        self._tx.users.put(user.id, user)

    def save(self, user: User) -> None:
        holder = self.get_by_email(user.email)
        if holder is not None and holder.id != user.id:
            raise EmailTakenError()
        self._tx.users.put(user.id, user)
        self.changes.changed.add(user.id)

    def delete(self, user_id: UserId) -> bool:
        if self._tx.users.get(user_id) is None:
            return False
        self._tx.delete_users({user_id})
        self.changes.changed.add(user_id)
        return True

    def delete_unverified_created_before(self, cutoff: datetime, limit: int) -> list[UserId]:
        doomed = sorted(
            (u for _, u in self._tx.users.peek() if not u.email_verified and u.created_at < cutoff),
            key=lambda u: (u.created_at, u.id),
        )[:limit]
        self._tx.delete_users({user.id for user in doomed})
        self.changes.changed.update(user.id for user in doomed)
        return [user.id for user in doomed]

    def page(
        self,
        *,
        email_prefix: str | None = None,
        status: UserStatus | None = None,
        after: Keyset | None = None,
        limit: int,
    ) -> list[User]:
        prefix = (email_prefix or "").lower()
        found = [
            u
            for _, u in self._tx.users.peek()
            if u.email.value.lower().startswith(prefix) and status in (None, u.status)
        ]
        return _newest_first(found, lambda u: (u.created_at, u.id), after, limit)


class MemorySessionRepository(SessionRepository):
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    def get(self, session_id: SessionId, *, for_update: bool = False) -> DeviceSession | None:
        return self._tx.sessions.get(session_id)

    def add(self, session: DeviceSession) -> None:
        self._tx.require(self._tx.users, session.user_id, "user")
        self._tx.sessions.put(session.id, session)

    def save(self, session: DeviceSession) -> None:
        self._tx.sessions.put(session.id, session)

    def list_active(self, user_id: UserId, at: datetime) -> list[DeviceSession]:
        active = [s for _, s in self._tx.sessions.peek() if s.user_id == user_id and _live(s, at)]
        active.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        return copy.deepcopy(active)

    def page_for_user(
        self, user_id: UserId, *, after: Keyset | None = None, limit: int
    ) -> list[DeviceSession]:
        mine = [s for _, s in self._tx.sessions.peek() if s.user_id == user_id]
        return _newest_first(mine, lambda s: (s.created_at, s.id), after, limit)

    def seen_before(
        self,
        user_id: UserId,
        device: DeviceInfo,
        network: NetworkInfo,
        country: str | None = None,
    ) -> SeenBefore:
        mine = [s for _, s in self._tx.sessions.peek() if s.user_id == user_id]
        countries = {s.location.country for s in mine if s.location.country}
        return SeenBefore(
            device=any(_same_device(s.device, device) for s in mine),
            network=any(s.network.ip_prefix == network.ip_prefix for s in mine),
            sessions=len(mine),
            country=country in countries if country and countries else None,
        )

    def is_active(self, session_id: SessionId, at: datetime) -> bool:
        session = self._tx.sessions.get(session_id)
        return session is not None and _live(session, at)

    def record_activity(self, session_id: SessionId, at: datetime) -> None:
        session = self._tx.sessions.get(session_id)
        if session is not None:
            session.last_activity_at = at
            self._tx.sessions.put(session_id, session)

    def delete_expired(self, before: datetime, limit: int) -> int:
        """The cascade SQL's foreign keys make: tokens go, events lose the link."""
        expired = [s for _, s in self._tx.sessions.peek() if s.expires_at < before]
        doomed = {s.id for s in sorted(expired, key=lambda s: (s.expires_at, s.id))[:limit]}
        self._tx.tokens.delete_where(lambda token: token.session_id in doomed)
        for event_id, event in list(self._tx.events.peek()):
            if event.session_id in doomed:
                self._tx.events.put(event_id, replace(event, session_id=None))
        self._tx.sessions.delete_where(lambda session: session.id in doomed)
        return len(doomed)


def _live(session: DeviceSession, at: datetime) -> bool:
    return session.status is SessionStatus.ACTIVE and at < session.expires_at


def _same_device(a: DeviceInfo, b: DeviceInfo) -> bool:
    return (a.browser, a.os, a.device) == (b.browser, b.os, b.device)


class MemoryRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    def add(self, token: RefreshToken) -> None:
        self._tx.require(self._tx.sessions, token.session_id, "session")
        self._tx.tokens.put(token.id, token)

    def rotate(self, token_hash: str, at: datetime) -> RefreshToken | None:
        """Atomic because the unit of work holds the database lock until it is left."""
        token = self.find(token_hash)
        if token is None or not _usable(token, at):
            return None
        token.rotated_at = at
        self._tx.tokens.put(token.id, token)
        return copy.deepcopy(token)

    def find(self, token_hash: str) -> RefreshToken | None:
        for token_id, token in self._tx.tokens.peek():
            if token.token_hash == token_hash:
                return self._tx.tokens.get(token_id)
        return None

    def revoke_for_session(self, session_id: SessionId, at: datetime) -> int:
        live = [t for _, t in self._tx.tokens.peek() if t.session_id == session_id]
        live = [copy.deepcopy(t) for t in live if _usable(t, at)]
        for token in live:
            token.revoked_at = at
            self._tx.tokens.put(token.id, token)
        return len(live)


def _usable(token: RefreshToken, at: datetime) -> bool:
    return token.rotated_at is None and token.revoked_at is None and at < token.expires_at


class MemoryEventRepository(EventRepository):
    def __init__(self, tx: _Transaction, ids: IdGenerator) -> None:
        self._tx = tx
        self._ids = ids
        self.recorded: list[EventDraft] = []

    def add(self, draft: EventDraft) -> AccountEvent:
        self._tx.require(self._tx.users, draft.user_id, "user")
        self._tx.require(self._tx.sessions, draft.session_id, "session")
        self.recorded.append(draft)
        event = draft.with_id(EventId(self._ids.new()))
        self._tx.events.put(event.id, event)
        return copy.deepcopy(event)

    def list_for_user(self, user_id: UserId, *, limit: int = 50) -> list[AccountEvent]:
        return self.page(user_id=user_id, limit=limit)

    def page(
        self,
        *,
        user_id: UserId | None = None,
        event_type: EventType | None = None,
        after: Keyset | None = None,
        limit: int,
    ) -> list[AccountEvent]:
        found = [
            e
            for _, e in self._tx.events.peek()
            if user_id in (None, e.user_id) and event_type in (None, e.type)
        ]
        return _newest_first(found, lambda e: (e.occurred_at, e.id), after, limit)


def _newest_first(
    rows: list[T], key: Callable[[T], tuple[datetime, UUID]], after: Keyset | None, limit: int
) -> list[T]:
    """The keyset page SQL reads from an index: ``(time, id)`` descending, after ``after``."""
    if after is not None:
        rows = [row for row in rows if key(row) < (after.at, after.id)]
    rows.sort(key=key, reverse=True)
    return copy.deepcopy(rows[:limit])


class MemoryRevocationOutbox(RevocationOutbox):
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    def add(self, session_id: SessionId, at: datetime) -> None:
        if self._tx.outbox.get(session_id) is None:
            self._tx.outbox.put(session_id, at)

    def pending(self, limit: int = 100) -> list[SessionId]:
        entries = sorted(self._tx.outbox.peek(), key=lambda entry: (entry[1], entry[0]))
        return [session_id for session_id, _ in entries[:limit]]

    def remove(self, session_ids: Sequence[SessionId]) -> None:
        for session_id in session_ids:
            self._tx.outbox.delete(session_id)


class MemoryFactorRepository(FactorRepository):
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    def list_for_user(self, user_id: UserId) -> list[SecondFactor]:
        mine = [f for _, f in self._tx.factors.peek() if f.user_id == user_id]
        mine.sort(key=lambda f: (f.created_at, f.kind.value))
        return copy.deepcopy(mine)

    def get(
        self, user_id: UserId, kind: FactorKind, *, for_update: bool = False
    ) -> SecondFactor | None:
        return copy.deepcopy(self._find(user_id, kind))

    def save(self, factor: SecondFactor) -> None:
        self._tx.require(self._tx.users, factor.user_id, "user")
        same_kind = (factor.user_id, factor.kind)
        self._tx.factors.delete_where(lambda f: (f.user_id, f.kind) == same_kind)
        self._tx.factors.put(factor.id, factor)

    def delete(self, user_id: UserId, kind: FactorKind) -> bool:
        factor = self._find(user_id, kind)
        if factor is not None:
            self._tx.factors.delete(factor.id)
        return factor is not None

    def list_sealed(self, after: FactorId | None, limit: int) -> list[SecondFactor]:
        sealed = sorted(
            (f for _, f in self._tx.factors.peek() if f.secret is not None),
            key=lambda f: f.id,
        )
        return copy.deepcopy([f for f in sealed if after is None or f.id > after][:limit])

    def reseal(self, factor_id: FactorId, old: str, new: str) -> bool:
        found = self._tx.factors.get(factor_id)
        if found is None or found.secret != old:
            return False
        self._tx.factors.put(factor_id, replace(found, secret=new))
        return True

    def advance_totp_step(self, user_id: UserId, step: int, at: datetime) -> bool:
        """Atomic because the unit of work holds the database lock until it is left."""
        factor = self.get(user_id, FactorKind.TOTP)
        if factor is None or (factor.last_step is not None and factor.last_step >= step):
            return False
        factor.last_step, factor.last_used_at = step, at
        self._tx.factors.put(factor.id, factor)
        return True

    def _find(self, user_id: UserId, kind: FactorKind) -> SecondFactor | None:
        mine = (f for _, f in self._tx.factors.peek() if f.user_id == user_id and f.kind is kind)
        return next(mine, None)


class MemoryBackupCodeRepository(BackupCodeRepository):
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    def replace(self, user_id: UserId, codes: Sequence[BackupCode]) -> None:
        """Refuses what SQL refuses: another user's code, a repeated hash, no such user."""
        if any(code.user_id != user_id for code in codes):
            raise ValueError("every backup code must belong to the user they replace")
        if len({code.code_hash for code in codes}) != len(codes):
            raise ValueError("backup code hashes must be unique per user")
        if codes:
            self._tx.require(self._tx.users, user_id, "user")
        self.delete_all(user_id)
        for code in codes:
            self._tx.backup_codes.put(code.id, code)

    def spend(self, user_id: UserId, code_hash: str, at: datetime) -> bool:
        """Atomic because the unit of work holds the database lock until it is left."""
        for code_id, code in self._tx.backup_codes.peek():
            if code.user_id == user_id and code.code_hash == code_hash and code.used_at is None:
                self._tx.backup_codes.put(code_id, replace(code, used_at=at))
                return True
        return False

    def count_unused(self, user_id: UserId) -> int:
        codes = self._tx.backup_codes.peek()
        return sum(1 for _, c in codes if c.user_id == user_id and c.used_at is None)

    def delete_all(self, user_id: UserId) -> int:
        mine = [code_id for code_id, c in self._tx.backup_codes.peek() if c.user_id == user_id]
        for code_id in mine:
            self._tx.backup_codes.delete(code_id)
        return len(mine)


class MemoryTaskRepository(TaskRepository):
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    def add(self, task: Task) -> None:
        self._tx.require(self._tx.users, task.user_id, "user")
        if self._tx.tasks.get(task.id) is not None:
            raise ValueError(f"task {task.id} exists already")
        self._tx.tasks.put(task.id, task)

    def get(self, user_id: UserId, task_id: TaskId, *, for_update: bool = False) -> Task | None:
        task = self._tx.tasks.get(task_id)
        return task if task is not None and task.user_id == user_id else None

    def save(self, task: Task) -> None:
        self._tx.tasks.put(task.id, task)

    def remove(self, user_id: UserId, task_id: TaskId) -> bool:
        found = self.get(user_id, task_id) is not None
        if found:
            self._tx.tasks.delete(task_id)
        return found

    def page(
        self,
        user_id: UserId,
        *,
        completed: bool | None = None,
        after: Keyset | None = None,
        limit: int,
    ) -> list[Task]:
        found = [
            t
            for _, t in self._tx.tasks.peek()
            if t.user_id == user_id and completed in (None, t.completed)
        ]
        return _newest_first(found, lambda t: (t.created_at, t.id), after, limit)


class MemoryDeletedTaskRepository(DeletedTaskRepository):
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    def add(self, deleted: DeletedTask) -> None:
        self._tx.require(self._tx.users, deleted.user_id, "user")
        if self._tx.deleted_tasks.get(deleted.id) is not None:
            raise ValueError(f"deleted task {deleted.id} exists already")
        self._tx.deleted_tasks.put(deleted.id, deleted)

    def get(self, user_id: UserId, task_id: TaskId) -> DeletedTask | None:
        deleted = self._tx.deleted_tasks.get(task_id)
        return deleted if deleted is not None and deleted.user_id == user_id else None

    def remove(self, user_id: UserId, task_id: TaskId) -> bool:
        found = self.get(user_id, task_id) is not None
        if found:
            self._tx.deleted_tasks.delete(task_id)
        return found

    def page(
        self, user_id: UserId, *, after: Keyset | None = None, limit: int
    ) -> list[DeletedTask]:
        found = [d for _, d in self._tx.deleted_tasks.peek() if d.user_id == user_id]
        return _newest_first(found, lambda d: (d.deleted_at, d.id), after, limit)

    def delete_expired(self, before: datetime, limit: int) -> int:
        expired = [d for _, d in self._tx.deleted_tasks.peek() if d.restorable_until < before]
        doomed = sorted(expired, key=lambda d: (d.restorable_until, d.id))[:limit]
        for deleted in doomed:
            self._tx.deleted_tasks.delete(deleted.id)
        return len(doomed)


class MemoryExportRepository(ExportRepository):
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    def add(self, export: Export) -> None:
        self._tx.require(self._tx.users, export.user_id, "user")
        if any(e.user_id == export.user_id and e.active for _, e in self._tx.exports.peek()):
            raise ExportInProgressError()
        self._tx.exports.put(export.id, export)

    def get(self, export_id: ExportId) -> Export | None:
        return self._tx.exports.get(export_id)

    def get_for_user(self, user_id: UserId, export_id: ExportId) -> Export | None:
        export = self._tx.exports.get(export_id)
        return export if export is not None and export.user_id == user_id else None

    def list_for_user(self, user_id: UserId, limit: int) -> list[Export]:
        mine = [e for _, e in self._tx.exports.peek() if e.user_id == user_id]
        return sorted(mine, key=lambda e: (e.created_at, e.id), reverse=True)[:limit]

    def claim(self, export_id: ExportId, at: datetime) -> Export | None:
        return self._change(export_id, lambda e: e.claimed(at))

    def complete(
        self,
        export_id: ExportId,
        attempt: int,
        key: str,
        size_bytes: int,
        at: datetime,
        expires_at: datetime,
    ) -> bool:
        done = self._change(
            export_id, lambda e: e.completed(attempt, key, size_bytes, at, expires_at)
        )
        return done is not None

    def fail(self, export_id: ExportId, reason: FailureReason, at: datetime) -> Export | None:
        return self._change(export_id, lambda e: e.failed(reason, at))

    def expire(self, export_id: ExportId, at: datetime) -> bool:
        return self._change(export_id, lambda e: e.expired(at)) is not None

    def due_to_expire(self, at: datetime, limit: int) -> list[Export]:
        due = [
            e
            for _, e in self._tx.exports.peek()
            if e.status is ExportStatus.COMPLETE and e.expires_at is not None and e.expires_at <= at
        ]
        return sorted(due, key=lambda e: (e.expires_at, e.id))[:limit]

    def stale(self, status: ExportStatus, before: datetime, limit: int) -> list[Export]:
        exports = self._tx.exports.peek()
        found = [e for _, e in exports if e.status is status and e.updated_at < before]
        return sorted(found, key=lambda e: (e.updated_at, e.id))[:limit]

    def file_keys_for_user(self, user_id: UserId) -> list[str]:
        mine = [e for _, e in self._tx.exports.peek() if e.user_id == user_id]
        return [key for export in mine for key in export.attempt_keys()]

    def _change(
        self, export_id: ExportId, transition: Callable[[Export], Export | None]
    ) -> Export | None:
        export = self._tx.exports.get(export_id)
        changed = transition(export) if export is not None else None
        if changed is not None:
            self._tx.exports.put(export_id, changed)
        return changed


class MemoryUnitOfWork(UnitOfWork):
    """Holds the database lock from ``__enter__`` to ``__exit__``: transactions run one at
    a time. After-commit callbacks run once the block is left and the lock released."""

    def __init__(
        self,
        db: MemoryDatabase,
        ids: IdGenerator,
        users_changed: UsersChanged | None = None,
        events_recorded: EventsRecorded | None = None,
    ) -> None:
        self._events_recorded = events_recorded
        self._db = db
        self._ids = ids
        self._users_changed = users_changed
        self._tx: _Transaction | None = None
        self._callbacks: list[Callable[[], None]] = []
        self._committed: list[Callable[[], None]] = []
        self._refusals: list[EventDraft] = []

    def __enter__(self) -> Self:
        if self._tx is not None:
            raise RuntimeError("this unit of work is already open")
        self._db.lock.acquire()
        tx = self._tx = _Transaction(self._db)
        self.users = MemoryUserRepository(tx)
        self.sessions = MemorySessionRepository(tx)
        self.refresh_tokens = MemoryRefreshTokenRepository(tx)
        self.events = MemoryEventRepository(tx, self._ids)
        self.revocations = MemoryRevocationOutbox(tx)
        self.factors = MemoryFactorRepository(tx)
        self.backup_codes = MemoryBackupCodeRepository(tx)
        self.tasks = MemoryTaskRepository(tx)
        self.deleted_tasks = MemoryDeletedTaskRepository(tx)
        self.exports = MemoryExportRepository(tx)
        self.passkeys = MemoryPasskeyRepository(tx.passkeys, tx.passkey_handles, tx.users)
        self.provider_links = MemoryProviderLinkRepository(tx.provider_links, tx.users)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open_tx()
        due, self._committed, self._callbacks = self._committed, [], []
        refusals, self._refusals = self._refusals, []
        self._tx = None
        self._db.lock.release()
        for callback in due:
            try:
                callback()
            except Exception:
                logger.exception("after-commit callback failed; the commit stands")
        if refusals:
            with self as uow:
                for draft in refusals:
                    uow.events.add(draft)
                uow.commit()

    def commit(self) -> None:
        tx = self._open_tx()
        for draft in self._refusals:
            self.events.add(draft)
        tx.apply()
        self._refusals.clear()  # only now: a failed commit leaves them to be kept alone
        self._committed.extend(self._callbacks)
        self._callbacks.clear()
        report = self.users.changes.report(self._users_changed)
        if report is not None:
            self._committed.append(report)
        recorded, self.events.recorded = self.events.recorded, []
        if recorded and self._events_recorded is not None:
            hook = self._events_recorded
            self._committed.append(lambda: hook(recorded))

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def record_refusal(self, draft: EventDraft) -> None:
        self._refusals.append(draft)

    def _open_tx(self) -> _Transaction:
        if self._tx is None:
            raise RuntimeError("use the unit of work inside a with block")
        return self._tx
