"""The RQ queues, built on first use in each process: RQ forks a work-horse per job and
gunicorn may fork after import, and a Redis connection must never cross a fork."""

from __future__ import annotations

import os
import threading
from typing import Protocol

import redis
import rq

from domain.errors import UnavailableError

DEFAULT = "default"
EXPORTS = "exports"
SOCKET_TIMEOUT_SECONDS = 2.0
FAILED_JOB_TTL = 86_400


class RedisUrlSource(Protocol):
    @property
    def url(self) -> str: ...


class RqQueues:
    """Takes a ``redis://`` URL or any object with a ``url`` (the Redis connector). It makes
    its own client rather than sharing one: RQ needs raw bytes (no ``decode_responses``) and
    enqueueing should fail fast, not hang, when Redis is away."""

    def __init__(self, connector: str | RedisUrlSource) -> None:
        self._url = connector if isinstance(connector, str) else connector.url
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queues: dict[str, rq.Queue] = {}

    @property
    def default(self) -> rq.Queue:
        return self.queue(DEFAULT)

    @property
    def exports(self) -> rq.Queue:
        return self.queue(EXPORTS)

    def queue(self, name: str) -> rq.Queue:
        with self._lock:
            if self._pid != os.getpid():
                self._pid, self._queues = os.getpid(), self._build()
            return self._queues[name]

    def enqueue_sealed(
        self, job: str, sealed: str, *, kind: str, retry_intervals: list[int], timeout: int
    ) -> None:
        """One job on the default queue whose only argument is a sealed payload: a random
        id (``<kind>-<32 hex>``, saying nothing of the user), retries with backoff, no
        result kept, failures kept a day. Redis being away raises ``UnavailableError``."""
        try:
            self.default.enqueue_call(
                job,
                args=(sealed,),
                job_id=f"{kind}-{os.urandom(16).hex()}",
                description=f"deliver_{kind}",
                timeout=timeout,
                retry=rq.Retry(max=len(retry_intervals), interval=retry_intervals),
                result_ttl=0,
                failure_ttl=FAILED_JOB_TTL,
            )
        except redis.RedisError as exc:
            raise UnavailableError("Messages cannot be queued right now; retry shortly.") from exc

    def _build(self) -> dict[str, rq.Queue]:
        client = redis.Redis.from_url(
            self._url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        return {name: rq.Queue(name, connection=client) for name in (DEFAULT, EXPORTS)}
