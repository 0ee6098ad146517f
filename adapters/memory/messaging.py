"""An in-process publisher: records every message and hands it to local subscribers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from application.ports.messaging import EventPublisher

logger = logging.getLogger("bastion.messaging")

Subscriber = Callable[[str, Mapping[str, str]], None]


class MemoryEventPublisher(EventPublisher):
    """Never raises: a failing subscriber is logged and the others still run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[tuple[str, dict[str, str]]] = []
        self._subscribers: list[Subscriber] = []

    @property
    def messages(self) -> list[tuple[str, dict[str, str]]]:
        with self._lock:
            return [(channel, dict(payload)) for channel, payload in self._messages]

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(channel, payload)`` for every later message; returns the
        function that unsubscribes it."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, channel: str, payload: Mapping[str, str]) -> None:
        with self._lock:
            self._messages.append((channel, dict(payload)))
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(channel, dict(payload))
            except Exception:
                logger.exception("subscriber failed on %s", channel)
