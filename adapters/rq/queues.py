"""The RQ queues, built on first use in each process: RQ forks a work-horse per job and
gunicorn may fork after import, and a Redis connection must never cross a fork."""

from __future__ import annotations

import os
import threading
from typing import Protocol

import redis
import rq

DEFAULT = "default"
EXPORTS = "exports"
SOCKET_TIMEOUT_SECONDS = 2.0


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

    def _build(self) -> dict[str, rq.Queue]:
        client = redis.Redis.from_url(
            self._url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        return {name: rq.Queue(name, connection=client) for name in (DEFAULT, EXPORTS)}
