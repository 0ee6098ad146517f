"""``cache:invalidations``: a Redis stream of changed cache keys, one entry per publish.

A reader's cursor is the id of the last entry it read, and every read asks for the
entries from that id on (XRANGE is inclusive): when the cursor's own entry is not the
first one back, the stream was trimmed past it or flushed, and the page says so. A first
read, and a read after such a gap, anchors the reader with an empty entry of its own, so
a cursor always names an entry that existed.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis

from adapters.redis.client import RedisConnector
from application.ports.ephemeral import FeedPage, InvalidationFeed

STREAM = "cache:invalidations"
MAX_ENTRIES = 10_000  # trimmed approximately; a reader this far behind drops its copies
PAGE_SIZE = 500  # entries after the cursor; with more, the page is incomplete
_FIELD = "k"


class RedisInvalidationFeed(InvalidationFeed):
    def __init__(self, connector: RedisConnector, page_size: int = PAGE_SIZE) -> None:
        self._connector = connector
        self._page_size = page_size

    def publish(self, keys: Sequence[str]) -> bool:
        if not keys:
            return True
        entry = " ".join(keys)
        return self._connector.best_effort(
            "invalidation_feed.publish", lambda r: bool(_append(r, entry)), False
        )

    def read(self, after: str | None) -> FeedPage | None:
        return self._connector.best_effort(
            "invalidation_feed.read", lambda r: _read(r, after, self._page_size), None
        )


def _append(client: redis.Redis, entry: str) -> str:
    return str(client.xadd(STREAM, {_FIELD: entry}, maxlen=MAX_ENTRIES, approximate=True))


def _read(client: redis.Redis, after: str | None, page_size: int) -> FeedPage:
    if after is None:
        return FeedPage(_append(client, ""), (), complete=False)
    entries = client.xrange(STREAM, min=after, count=page_size + 2) or []
    if not entries or entries[0][0] != after:
        return FeedPage(_append(client, ""), (), complete=False)
    newer = entries[1 : page_size + 1]
    keys = tuple(key for _, fields in newer for key in str((fields or {}).get(_FIELD, "")).split())
    cursor = str(newer[-1][0]) if newer else after
    return FeedPage(cursor, keys, complete=len(entries) <= page_size + 1)
