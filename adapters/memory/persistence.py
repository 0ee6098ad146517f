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
from datetime import datetime
from types import TracebackType
from typing import Generic, Self, TypeVar

from application.ports.persistence import (
    EventRepository,
    RefreshTokenRepository,
    RevocationOutbox,
    SeenBefore,
    SessionRepository,
    UnitOfWork,
    UserRepository,
)
from application.ports.system import IdGenerator
from domain.errors import EmailTakenError
from domain.events import AccountEvent, EventDraft
from domain.ids import EventId, RefreshTokenId, SessionId, UserId
from domain.refresh_tokens import RefreshToken
from domain.sessions import DeviceInfo, DeviceSession, NetworkInfo, SessionStatus
from domain.users import User
from domain.values import EmailAddress

logger = logging.getLogger("bastion.uow")

K = TypeVar("K")
V = TypeVar("V")


class MemoryDatabase:
    """The committed state, shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[UserId, User] = {}
        self.sessions: dict[SessionId, DeviceSession] = {}
        self.tokens: dict[RefreshTokenId, RefreshToken] = {}
        self.events: dict[EventId, AccountEvent] = {}
        self.outbox: dict[SessionId, datetime] = {}


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

    def apply(self) -> None:
        for table in (self.users, self.sessions, self.tokens, self.events, self.outbox):
            table.apply()

    def require(self, table: _Staged[K, V], key: K | None, what: str) -> None:
        """The foreign-key check SQL would make, so a fake never accepts an orphan."""
        if key is not None and table.get(key) is None:
            raise LookupError(f"{what} {key} does not exist")


class MemoryUserRepository(UserRepository):
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

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
        self._tx.users.put(user.id, user)

    def delete_unverified_created_before(self, cutoff: datetime, limit: int) -> list[UserId]:
        doomed = sorted(
            (u for _, u in self._tx.users.peek() if not u.email_verified and u.created_at < cutoff),
            key=lambda u: (u.created_at, u.id),
        )[:limit]
        ids = {user.id for user in doomed}
        self._tx.sessions.delete_where(lambda session: session.user_id in ids)
        self._tx.tokens.delete_where(lambda token: token.user_id in ids)
        self._tx.events.delete_where(lambda event: event.user_id in ids)
        self._tx.users.delete_where(lambda user: user.id in ids)
        return [user.id for user in doomed]


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

    def seen_before(self, user_id: UserId, device: DeviceInfo, network: NetworkInfo) -> SeenBefore:
        mine = [s for _, s in self._tx.sessions.peek() if s.user_id == user_id]
        return SeenBefore(
            device=any(_same_device(s.device, device) for s in mine),
            network=any(s.network.ip_prefix == network.ip_prefix for s in mine),
            sessions=len(mine),
        )

    def is_active(self, session_id: SessionId, at: datetime) -> bool:
        session = self._tx.sessions.get(session_id)
        return session is not None and _live(session, at)

    def record_activity(self, session_id: SessionId, at: datetime) -> None:
        session = self._tx.sessions.get(session_id)
        if session is not None:
            session.last_activity_at = at
            self._tx.sessions.put(session_id, session)


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

    def add(self, draft: EventDraft) -> AccountEvent:
        self._tx.require(self._tx.users, draft.user_id, "user")
        self._tx.require(self._tx.sessions, draft.session_id, "session")
        event = draft.with_id(EventId(self._ids.new()))
        self._tx.events.put(event.id, event)
        return copy.deepcopy(event)

    def list_for_user(self, user_id: UserId, *, limit: int = 50) -> list[AccountEvent]:
        mine = [e for _, e in self._tx.events.peek() if e.user_id == user_id]
        mine.sort(key=lambda e: (e.occurred_at, e.id), reverse=True)
        return copy.deepcopy(mine[:limit])


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


class MemoryUnitOfWork(UnitOfWork):
    """Holds the database lock from ``__enter__`` to ``__exit__``: transactions run one at
    a time. After-commit callbacks run once the block is left and the lock released."""

    def __init__(self, db: MemoryDatabase, ids: IdGenerator) -> None:
        self._db = db
        self._ids = ids
        self._tx: _Transaction | None = None
        self._callbacks: list[Callable[[], None]] = []
        self._committed: list[Callable[[], None]] = []

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
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open_tx()
        due, self._committed, self._callbacks = self._committed, [], []
        self._tx = None
        self._db.lock.release()
        for callback in due:
            try:
                callback()
            except Exception:
                logger.exception("after-commit callback failed; the commit stands")

    def commit(self) -> None:
        self._open_tx().apply()
        self._committed.extend(self._callbacks)
        self._callbacks.clear()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def _open_tx(self) -> _Transaction:
        if self._tx is None:
            raise RuntimeError("use the unit of work inside a with block")
        return self._tx
