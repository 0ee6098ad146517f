"""Backends and builders for the persistence contract.

Each backend factory returns a fresh, empty store as a unit-of-work factory; builders
make valid entities with unique ids, emails and token hashes, overridable by keyword.
"""

from __future__ import annotations

import itertools
import shutil
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import Engine

from adapters.memory.persistence import MemoryDatabase, MemoryUnitOfWork
from adapters.sqlalchemy.engine import build_engine, build_session_factory
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from application.ports.persistence import UnitOfWork
from application.ports.system import IdGenerator
from domain.ids import RefreshTokenId, SessionId, UserId
from domain.passwords import PasswordHash
from domain.refresh_tokens import RefreshToken
from domain.sessions import DeviceInfo, DeviceSession, NetworkInfo
from domain.users import User
from domain.values import EmailAddress, PersonName

UowFactory = Callable[[], UnitOfWork]
START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
_serial = itertools.count(1)
_serial_lock = threading.Lock()


def next_serial() -> int:
    with _serial_lock:
        return next(_serial)


class CountingIds(IdGenerator):
    """Deterministic, increasing ids: UUID(int=n)."""

    def new(self) -> UUID:
        return UUID(int=next_serial())


def memory_backend() -> UowFactory:
    db, ids = MemoryDatabase(), CountingIds()
    return lambda: MemoryUnitOfWork(db, ids)


def sql_backend(engine: Engine) -> UowFactory:
    sessions, ids = build_session_factory(engine), CountingIds()
    return lambda: SqlUnitOfWork(sessions, ids)


def sqlite_copy(template: Path, target: Path, **options: Any) -> Engine:
    """A database file copied from one migrated once: much faster than migrating each."""
    shutil.copyfile(template, target)
    return build_engine(f"sqlite:///{target}", **options)


def a_user(**overrides: Any) -> User:
    n = next_serial()
    user = User(
        id=UserId(UUID(int=n)),
        email=EmailAddress.parse(f"user{n}@example.com"),
        first_name=PersonName.parse("Ada", "first_name"),
        last_name=PersonName.parse("Lovelace", "last_name"),
        password=PasswordHash(scheme="bcrypt-sha256-v1", value=f"$2b$04$hash{n}"),
        created_at=START,
        updated_at=START,
    )
    return replace(user, **overrides)


def a_session(user: User, **overrides: Any) -> DeviceSession:
    created = overrides.pop("created_at", START)
    session = DeviceSession(
        id=SessionId(UUID(int=next_serial())),
        user_id=user.id,
        device=DeviceInfo.of(
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0", "Firefox", "Linux", None
        ),
        network=NetworkInfo(ip_hash="a" * 64, ip_prefix="203.0.113.0/24"),
        created_at=created,
        expires_at=created + timedelta(days=90),
        last_activity_at=created,
    )
    return replace(session, **overrides)


def a_token(session: DeviceSession, **overrides: Any) -> RefreshToken:
    n = next_serial()
    created = overrides.pop("created_at", session.created_at)
    token = RefreshToken(
        id=RefreshTokenId(UUID(int=n)),
        session_id=session.id,
        user_id=session.user_id,
        token_hash=f"{n:064x}",
        created_at=created,
        expires_at=created + timedelta(days=30),
    )
    return replace(token, **overrides)


def store(uow_factory: UowFactory, *entities: User | DeviceSession | RefreshToken) -> None:
    """Add and commit, in one unit of work, whatever the test needs to exist already."""
    with uow_factory() as uow:
        for entity in entities:
            if isinstance(entity, User):
                uow.users.add(entity)
            elif isinstance(entity, DeviceSession):
                uow.sessions.add(entity)
            else:
                uow.refresh_tokens.add(entity)
        uow.commit()
