"""``bastion worker``: an RQ worker on the ``exports`` and ``default`` queues, plus the
periodic clean-up jobs and the export reconciler (each under a lock, so several workers
never run one twice at once)."""

from __future__ import annotations

import logging

from redis import Redis
from rq import Queue

from application.sessions.purge_expired_sessions import PurgeExpiredSessionsCommand
from entrypoints import logs
from entrypoints.container import Container, build_container
from entrypoints.settings import load_settings
from entrypoints.worker import jobs
from entrypoints.worker.periodic import Every
from entrypoints.worker.rq_worker import SteadyWorker

log = logging.getLogger("bastion.jobs")

QUEUES = ("exports", "default")
IN_PROCESS = frozenset({"default"})
"""Mail, SMS and task jobs: short, and bounded by their timeouts (at most a minute, under
the worker's heartbeat grace)."""
PURGE_INTERVAL_SECONDS = 3600
RECONCILE_INTERVAL_SECONDS = 60


def run_worker(burst: bool = False) -> None:
    settings = load_settings()
    logs.configure(settings.log_level, settings.log_style)
    if settings.redis_url is None:
        raise SystemExit("bastion worker needs BASTION_REDIS_URL; without it jobs run in-process")
    connection = Redis.from_url(settings.redis_url.get_secret_value())
    Every(PURGE_INTERVAL_SECONDS, jobs.purge_unverified_users, "purge-unverified").start()
    sweeper = build_container(settings)
    Every(
        PURGE_INTERVAL_SECONDS, lambda: purge_expired_sessions(sweeper), "purge-expired-sessions"
    ).start()
    Every(
        PURGE_INTERVAL_SECONDS, lambda: purge_deleted_tasks(sweeper), "purge-deleted-tasks"
    ).start()
    Every(PURGE_INTERVAL_SECONDS, lambda: purge_expired_exports(sweeper), "purge-exports").start()
    Every(RECONCILE_INTERVAL_SECONDS, sweeper.reconcile_exports(), "reconcile-exports").start()
    worker = SteadyWorker(
        [Queue(name, connection=connection) for name in QUEUES],
        connection=connection,
        heartbeat=settings.worker_heartbeat,
        in_process=IN_PROCESS,
        work_horse_killed_handler=jobs.work_horse_killed,
    )
    worker.work(burst=burst, with_scheduler=True)


def purge_expired_sessions(container: Container) -> int:
    """The periodic sweep; its lock lets only one of several workers run it at a time."""
    deleted: int = container.purge_expired_sessions()(PurgeExpiredSessionsCommand())
    log.info("expired sessions purged", extra={"count": deleted})
    return deleted


def purge_deleted_tasks(container: Container) -> int:
    """Hourly; its lock lets only one of several workers run it at a time."""
    deleted: int = container.purge_deleted_tasks()()
    log.info("expired deleted tasks purged", extra={"count": deleted})
    return deleted


def purge_expired_exports(container: Container) -> int:
    """Hourly; deletes expired export files and marks them ``expired``."""
    expired: int = container.purge_expired_exports()()
    log.info("expired exports purged", extra={"count": expired})
    return expired
