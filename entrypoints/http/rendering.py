"""JSON bodies rendered once per result object.

``GET /me`` hands back the very same ``UserProfile`` object for as long as this
process's copy of it lasts (``application.common.near_cache``), so its body is rendered
by the schema once per copy rather than once per request. Results are immutable, and an
entry is found by identity (it holds its object, so the id cannot be reused), so a
changed profile, being a new object, is always rendered afresh. Entries go after
``TTL_SECONDS`` (as the copies do), the oldest first whenever a new one comes in, so the
bodies of profiles no process holds any more do not linger.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema

CAPACITY = 10_000
TTL_SECONDS = 60.0


class RenderedOnce:
    """The body ``@blp.response(200, schema)`` would send, as a ready response."""

    def __init__(
        self,
        schema: Schema,
        capacity: int = CAPACITY,
        ttl: float = TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._schema = schema
        self._capacity = capacity
        self._ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._bodies: dict[int, tuple[object, bytes, float]] = {}

    def response(self, result: object) -> Response:
        return Response(self.body(result), mimetype="application/json")

    def cached(self, result: object) -> bytes | None:
        """The body, if it is rendered already: no application context needed."""
        found = self._bodies.get(id(result))
        if found is not None and found[0] is result and found[2] > self._monotonic():
            return found[1]
        return None

    def body(self, result: object) -> bytes:
        """Rendered on a miss with Flask's JSON settings: the caller holds an application
        context then (a view does; the profile lane pushes one)."""
        body = self.cached(result)
        if body is None:
            body = self._render(result)
            now = self._monotonic()
            with self._lock:
                self._bodies.pop(id(result), None)  # re-inserted: last in age order
                self._drop_old(now)
                self._bodies[id(result)] = (result, body, now + self._ttl)
        return body

    def _drop_old(self, now: float) -> None:
        """Oldest first (insertion order): the expired, then any beyond capacity."""
        bodies = self._bodies
        while bodies:
            oldest = next(iter(bodies))
            if bodies[oldest][2] > now and len(bodies) < self._capacity:
                return
            del bodies[oldest]

    def _render(self, result: object) -> bytes:
        dumped: Any = self._schema.dump(result)
        return jsonify(dumped).get_data()
