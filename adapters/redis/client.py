"""One Redis client per process, with short timeouts and a circuit breaker.

Redis is an accelerator here, never the truth: when it is slow or gone, callers take their
fallback (the database, a per-process limiter, a 503) at once rather than wait a timeout
on every request. Clients are built lazily and again after a fork (RQ work-horses,
gunicorn workers), so no socket is ever shared between processes.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.exceptions import MaxConnectionsError
from redis.maint_notifications import MaintNotificationsConfig
from redis.retry import Retry

from adapters.redis.breaker import BREAKER_COOLDOWN_SECONDS, CircuitBreaker, FailureCounter

logger = logging.getLogger("bastion.redis")

T = TypeVar("T")

CONNECT_TIMEOUT_SECONDS = 0.25
SOCKET_TIMEOUT_SECONDS = 0.25
HEALTH_CHECK_INTERVAL_SECONDS = 15
MAX_CONNECTIONS = 256  # per process; only ever as many as there are concurrent callers


class RedisUnavailableError(Exception):
    """Redis did not answer in time, refused the connection, or the breaker is open."""


class CircuitOpenError(RedisUnavailableError):
    """Skipped without trying: Redis failed moments ago."""


def build_client(
    url: str,
    timeout: float = SOCKET_TIMEOUT_SECONDS,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    max_connections: int = MAX_CONNECTIONS,
) -> redis.Redis:
    """Strings in and out, no retries (a retried INCR or EVALSHA could apply twice, and
    retries multiply the wait), and no server-driven timeout relaxation."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=timeout,
        socket_connect_timeout=connect_timeout,
        health_check_interval=HEALTH_CHECK_INTERVAL_SECONDS,
        max_connections=max_connections,
        retry=Retry(NoBackoff(), 0),
        maint_notifications_config=MaintNotificationsConfig(enabled=False),
        client_name="bastion",
    )


class RedisConnector:
    """Holds the URL; builds the client on first use in each process. ``run`` is the one
    way adapters talk to Redis, so every call honours the breaker."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = SOCKET_TIMEOUT_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        cooldown: float = BREAKER_COOLDOWN_SECONDS,
    ) -> None:
        self._url = url
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._cooldown = cooldown
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._client: redis.Redis | None = None
        self._breaker = CircuitBreaker(cooldown)
        self.failures = FailureCounter()

    @property
    def url(self) -> str:
        return self._url

    @property
    def breaker(self) -> CircuitBreaker:
        self._current()
        return self._breaker

    def client(self) -> redis.Redis:
        return self._current()

    def run(self, operation: Callable[[redis.Redis], T], *, force: bool = False) -> T:
        """Run ``operation`` on this process's client. Raises ``RedisUnavailableError`` when
        the breaker is open (unless ``force``) or on a connection error or timeout; other
        Redis errors propagate unchanged and leave the breaker alone, as does a full pool."""
        client = self._current()
        if not force and not self._breaker.allow():
            raise CircuitOpenError("circuit open")
        try:
            result = operation(client)
        except MaxConnectionsError as exc:  # this process is busy; Redis itself may be fine
            raise RedisUnavailableError(str(exc)) from exc
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self._breaker.record_failure()
            raise RedisUnavailableError(str(exc) or type(exc).__name__) from exc
        self._breaker.record_success()
        return result

    def best_effort(
        self, name: str, operation: Callable[[redis.Redis], T], default: T, *, force: bool = False
    ) -> T:
        """``run``, but any failure is logged, counted under ``name`` and turned into
        ``default``."""
        try:
            return self.run(operation, force=force)
        except (RedisUnavailableError, redis.RedisError) as exc:
            self.record_failure(name, exc)
            return default

    def record_failure(self, name: str, exc: Exception) -> None:
        self.failures.record(name)
        if isinstance(exc, CircuitOpenError):
            logger.debug("redis %s skipped: circuit open", name)
        else:
            logger.warning("redis %s failed: %s: %s", name, type(exc).__name__, exc)

    def close(self) -> None:
        """Close this process's connections (at shutdown); the next call reconnects."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None and self._pid == os.getpid():
            client.close()

    def _current(self) -> redis.Redis:
        pid = os.getpid()
        with self._lock:
            if self._client is None or self._pid != pid:
                self._pid = pid
                self._client = build_client(self._url, self._timeout, self._connect_timeout)
                self._breaker = CircuitBreaker(self._cooldown)
            return self._client
