"""Readiness: does Redis answer PING within the socket timeout?"""

from __future__ import annotations

from adapters.redis.client import RedisConnector
from application.ports.persistence import HealthProbe


class RedisHealthProbe(HealthProbe):
    """Pings even while the breaker is open, so readiness reports the truth and a
    successful ping closes the breaker at once. Never raises."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector

    def ping(self) -> bool:
        return self._connector.best_effort("ping", lambda r: bool(r.ping()), False, force=True)
