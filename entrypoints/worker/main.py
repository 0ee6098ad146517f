"""``bastion worker``: an RQ worker on the ``exports`` and ``default`` queues, plus the
periodic clean-up jobs."""

from __future__ import annotations

from redis import Redis
from rq import Queue, Worker

from entrypoints import logs
from entrypoints.settings import load_settings
from entrypoints.worker import jobs
from entrypoints.worker.periodic import Every

QUEUES = ("exports", "default")
PURGE_INTERVAL_SECONDS = 3600


def run_worker(burst: bool = False) -> None:
    settings = load_settings()
    logs.configure(settings.log_level)
    if settings.redis_url is None:
        raise SystemExit("bastion worker needs BASTION_REDIS_URL; without it jobs run in-process")
    connection = Redis.from_url(settings.redis_url.get_secret_value())
    Every(PURGE_INTERVAL_SECONDS, jobs.purge_unverified_users, "purge-unverified").start()
    worker = Worker([Queue(name, connection=connection) for name in QUEUES], connection=connection)
    worker.work(burst=burst, with_scheduler=True)
