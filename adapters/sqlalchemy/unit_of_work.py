"""One SQLAlchemy session, one transaction, per ``with`` block."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import event
from sqlalchemy.orm import Session

from adapters.sqlalchemy.errors import as_unavailable
from adapters.sqlalchemy.events import SqlEventRepository
from adapters.sqlalchemy.exports import SqlExportRepository
from adapters.sqlalchemy.factors import SqlBackupCodeRepository, SqlFactorRepository
from adapters.sqlalchemy.passkeys import SqlPasskeyRepository
from adapters.sqlalchemy.provider_links import SqlProviderLinkRepository
from adapters.sqlalchemy.refresh_tokens import SqlRefreshTokenRepository
from adapters.sqlalchemy.revocations import SqlRevocationOutbox
from adapters.sqlalchemy.sessions import SqlSessionRepository
from adapters.sqlalchemy.tasks import SqlDeletedTaskRepository, SqlTaskRepository
from adapters.sqlalchemy.users import SqlUserRepository
from application.ports.persistence import EventsRecorded, UnitOfWork, UsersChanged
from application.ports.system import IdGenerator
from domain.events import EventDraft

logger = logging.getLogger("bastion.uow")


class SqlUnitOfWork(UnitOfWork):
    """Enter it once per transaction; it may be entered again after it is left.

    Any database failure that means "try again later" (lost connection, timeout, lock
    wait, busy SQLite) leaves the block as ``UnavailableError``. Callbacks registered with
    ``after_commit`` run when the block is left, after the session is closed, if a commit
    succeeded, even when the block then raised.

    Repositories insert at ``add`` (a flush): the rows declare no ORM relationships, so
    the order of the calls is the order of the inserts (a session before its tokens).

    ``users_changed`` is told, after a commit, which users it saved or deleted (so their
    cached profiles are dropped). ``read_only`` units of work (see
    ``build_session_factory``) refuse to flush or commit: for reads of one statement.
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        ids: IdGenerator,
        *,
        read_only: bool = False,
        users_changed: UsersChanged | None = None,
        events_recorded: EventsRecorded | None = None,
    ) -> None:
        self._events_recorded = events_recorded
        self._read_only = read_only
        self._users_changed = users_changed
        self._session_factory = session_factory
        self._ids = ids
        self._session: Session | None = None
        self._callbacks: list[Callable[[], None]] = []
        self._committed: list[Callable[[], None]] = []
        self._refusals: list[EventDraft] = []

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self._session = self._session_factory()
        if self._read_only:
            event.listen(session, "before_flush", _refuse_writes)
        self.users = SqlUserRepository(session)
        self.sessions = SqlSessionRepository(session)
        self.refresh_tokens = SqlRefreshTokenRepository(session)
        self.events = SqlEventRepository(session, self._ids)
        self.revocations = SqlRevocationOutbox(session)
        self.factors = SqlFactorRepository(session)
        self.backup_codes = SqlBackupCodeRepository(session)
        self.tasks = SqlTaskRepository(session)
        self.deleted_tasks = SqlDeletedTaskRepository(session)
        self.exports = SqlExportRepository(session)
        self.passkeys = SqlPasskeyRepository(session)
        self.provider_links = SqlProviderLinkRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._open_session(), None
        due, self._committed, self._callbacks = self._committed, [], []
        refusals, self._refusals = self._refusals, []
        try:
            session.close()  # rolls back whatever was not committed
        except Exception as close_error:
            _raise_unavailable(close_error)
            raise
        finally:
            _run(due)
        if refusals:
            self._record_alone(refusals)
        if exc is not None:
            _raise_unavailable(exc)

    def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        session = self._open_session()
        for draft in self._refusals:
            self.events.add(draft)
        session.commit()
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

    def _record_alone(self, drafts: list[EventDraft]) -> None:
        """The refusals of a transaction that rolled back, in one of their own; a failure
        here is raised (503): a refusal is not answered as if it had been logged."""
        with self as uow:
            for draft in drafts:
                uow.events.add(draft)
            uow.commit()

    def _open_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a with block")
        return self._session


def _refuse_writes(*_: object) -> None:
    raise RuntimeError("a read-only unit of work cannot write")


def _raise_unavailable(exc: BaseException) -> None:
    unavailable = as_unavailable(exc)
    if unavailable is not None:
        raise unavailable from exc


def _run(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            logger.exception("after-commit callback failed; the commit stands")
