"""Durable storage: units of work, files and the database's readiness, on SQLAlchemy and
local files (``config.store == "sql"``) or in this process's memory (``"memory"``), and
the reads every authenticated call makes through the cache (``live_sessions``)."""

from __future__ import annotations

import time

from dependency_injector import containers, providers

from adapters.caching.activity import ThrottledSessionActivity
from adapters.caching.live_sessions import CachedLiveSessions
from adapters.memory.files import MemoryFileStore
from adapters.memory.health import MemoryHealthProbe
from adapters.memory.persistence import MemoryDatabase, MemoryUnitOfWork
from adapters.sqlalchemy.engine import build_engine, build_session_factory
from adapters.sqlalchemy.health import SqlHealthProbe
from adapters.sqlalchemy.migrate import upgrade
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from adapters.storage.local import LocalFileStore
from entrypoints.metrics import count_events
from entrypoints.settings import Settings


class Storage(containers.DeclarativeContainer):
    config = providers.Configuration()
    settings = providers.Dependency(instance_of=Settings)
    core = providers.DependenciesContainer()
    state = providers.DependenciesContainer()

    engine = providers.Singleton(build_engine, url=settings.provided.database_url)
    session_factory = providers.Singleton(build_session_factory, engine=engine)
    read_session_factory = providers.Singleton(build_session_factory, engine=engine, read_only=True)
    migrate = providers.Callable(upgrade, url=settings.provided.database_url)
    memory_database = providers.Singleton(MemoryDatabase)

    uow = providers.Selector(
        config.store,
        sql=providers.Factory(
            SqlUnitOfWork,
            session_factory=session_factory,
            ids=core.ids,
            users_changed=state.forget_profiles,
            events_recorded=count_events,
        ),
        memory=providers.Factory(
            MemoryUnitOfWork,
            db=memory_database,
            ids=core.ids,
            users_changed=state.forget_profiles,
            events_recorded=count_events,
        ),
    )
    read_uow = providers.Selector(
        config.store,
        sql=providers.Factory(
            SqlUnitOfWork, session_factory=read_session_factory, ids=core.ids, read_only=True
        ),
        memory=providers.Factory(MemoryUnitOfWork, db=memory_database, ids=core.ids),
    )
    """For reads of a single statement (list pages, a profile) and the lookup before a
    password check."""

    live_sessions = providers.Singleton(
        CachedLiveSessions,
        uow_factory=uow.provider,
        cache=state.session_cache,
        limiter=state.limiter,
        sleep=providers.Object(time.sleep),
    )
    """One per process: it keeps the state of its revocation outbox checks."""
    session_activity = providers.Singleton(ThrottledSessionActivity, uow_factory=uow.provider)
    """One per process: it remembers when it last wrote each session's activity."""

    files = providers.Selector(
        config.store,
        sql=providers.Singleton(
            LocalFileStore, root=providers.Callable(lambda s: s.files_dir, settings)
        ),
        memory=providers.Singleton(MemoryFileStore),
    )
    database_probe = providers.Selector(
        config.store,
        sql=providers.Singleton(SqlHealthProbe, engine=engine),
        memory=providers.Singleton(MemoryHealthProbe),
    )
