"""JSON bodies rendered once per result object.

``GET /me`` hands back the very same ``UserProfile`` object for as long as this
process's copy of it lasts (``application.common.near_cache``), so its body is rendered
by the schema once per copy rather than once per request. Results are immutable, and an
entry is found by identity (it holds its object, so the id cannot be reused), so a
changed profile, being a new object, is always rendered afresh.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema

CAPACITY = 10_000


class RenderedOnce:
    """The body ``@blp.response(200, schema)`` would send, as a ready response."""

    def __init__(self, schema: Schema, capacity: int = CAPACITY) -> None:
        self._schema = schema
        self._capacity = capacity
        self._lock = threading.Lock()
        self._bodies: dict[int, tuple[object, bytes]] = {}

    def response(self, result: object) -> Response:
        found = self._bodies.get(id(result))
        if found is None or found[0] is not result:
            body = self._render(result)
            with self._lock:
                if len(self._bodies) >= self._capacity:
                    del self._bodies[next(iter(self._bodies))]
                self._bodies[id(result)] = (result, body)
        else:
            body = found[1]
        return Response(body, mimetype="application/json")

    def _render(self, result: object) -> bytes:
        dumped: Any = self._schema.dump(result)
        return jsonify(dumped).get_data()
