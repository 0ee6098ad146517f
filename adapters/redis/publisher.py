"""Pub/sub after commit, best-effort: subscribers are an optimisation, not the truth."""

from __future__ import annotations

import json
from collections.abc import Mapping

from adapters.redis.client import RedisConnector
from application.ports.messaging import EventPublisher


class RedisEventPublisher(EventPublisher):
    """Never raises; a failed publish is logged and counted as ``publish``."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector

    def publish(self, channel: str, payload: Mapping[str, str]) -> None:
        message = json.dumps(dict(payload), separators=(",", ":"), sort_keys=True)
        self._connector.best_effort("publish", lambda r: r.publish(channel, message), 0)
