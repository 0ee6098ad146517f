"""NearCache: process-local copies kept coherent by the invalidation feed (SECURITY SE-07).

Each NearCache is one "process"; they share one in-memory feed. Time is a hand-moved
monotonic clock, and a writer's hold moves it, as a real wait would.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from adapters.memory.ephemeral import MemoryInvalidationFeed
from application.common.near_cache import HOLD_SECONDS, WINDOW_SECONDS, NearCache
from application.ports.ephemeral import FeedPage, InvalidationFeed


@dataclass
class Monotonic:
    now: float = 1000.0
    waits: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


class CountingFeed(InvalidationFeed):
    """One process's view of the shared feed: counts reads, can be cut off."""

    def __init__(self, shared: InvalidationFeed) -> None:
        self.shared = shared
        self.reads = 0
        self.reachable = True

    def publish(self, keys: Sequence[str]) -> bool:
        return self.reachable and self.shared.publish(keys)

    def read(self, after: str | None) -> FeedPage | None:
        self.reads += 1
        return self.shared.read(after) if self.reachable else None


@dataclass
class World:
    clock: Monotonic = field(default_factory=Monotonic)
    feed: MemoryInvalidationFeed = field(default_factory=MemoryInvalidationFeed)

    def process(self) -> tuple[NearCache, CountingFeed]:
        view = CountingFeed(self.feed)
        return NearCache(view, monotonic=self.clock, sleep=self.clock.sleep), view


def held(cache: NearCache, key: str, value: object) -> None:
    """Look the key up (a miss) and keep ``value`` as if loaded from the shared cache."""
    found = cache.lookup(key)
    assert found.value is None
    assert found.token is not None
    cache.keep(key, value, found.token)
    assert cache.lookup(key).value == value


def test_a_copy_is_served_without_reading_the_feed_while_the_last_read_is_fresh() -> None:
    world = World()
    cache, feed = world.process()
    held(cache, "session:a", True)
    reads = feed.reads

    world.clock.now += WINDOW_SECONDS / 4
    assert cache.lookup("session:a").value is True
    assert feed.reads == reads

    world.clock.now += WINDOW_SECONDS / 4  # half the window: time to read ahead
    assert cache.lookup("session:a").value is True
    assert feed.reads == reads + 1


def test_lookups_keep_trusting_the_last_read_while_the_next_one_is_in_flight() -> None:
    world = World()
    during: list[object] = []

    class ReentrantFeed(CountingFeed):
        def read(self, after: str | None) -> FeedPage | None:
            if after is not None:  # the read ahead, not the first one
                during.append(cache.lookup("session:a").value)
            return super().read(after)

    cache = NearCache(ReentrantFeed(world.feed), monotonic=world.clock, sleep=world.clock.sleep)
    held(cache, "session:a", True)
    world.clock.now += WINDOW_SECONDS * 0.75

    assert cache.lookup("session:a").value is True
    assert during == [True]


def test_a_change_published_elsewhere_is_seen_by_the_first_lookup_after_the_writer_answers() -> (
    None
):
    world = World()
    reader, _ = world.process()
    writer, _ = world.process()
    held(reader, "session:a", True)

    assert writer.drop(["session:a"])
    writer.settle()  # the writer's answer goes out after this

    assert world.clock.waits == [HOLD_SECONDS]
    assert reader.lookup("session:a").value is None


def test_the_writer_drops_its_own_copy_at_once() -> None:
    world = World()
    cache, _ = world.process()
    held(cache, "user:a", "profile")

    assert cache.drop(["user:a"])

    assert cache.lookup("user:a").value is None


def test_a_value_loaded_before_a_change_was_read_from_the_feed_is_not_kept() -> None:
    world = World()
    reader, _ = world.process()
    writer, _ = world.process()
    missed = reader.lookup("session:a")  # the request goes on to load "valid" ...
    writer.drop(["session:a"])  # ... while the session is revoked elsewhere
    world.clock.now += WINDOW_SECONDS
    assert reader.lookup("session:b").token is not None  # a read of the feed applies it

    reader.keep("session:a", True, missed.token)

    assert reader.lookup("session:a").value is None


def test_nothing_is_kept_from_a_lookup_that_did_not_trust_its_copies() -> None:
    world = World()
    cache, feed = world.process()
    feed.reachable = False
    found = cache.lookup("session:a")
    assert (found.value, found.token) == (None, None)

    cache.keep("session:a", True, found.token)
    feed.reachable = True

    assert cache.lookup("session:a").value is None


def test_an_unreachable_feed_drops_every_copy_and_trusts_none_until_it_answers() -> None:
    world = World()
    cache, feed = world.process()
    held(cache, "session:a", True)
    world.clock.now += WINDOW_SECONDS
    feed.reachable = False

    assert cache.lookup("session:a").token is None
    reads = feed.reads
    assert cache.lookup("session:a").token is None
    assert feed.reads == reads  # not a read per lookup while it is down

    feed.reachable = True
    world.clock.now += WINDOW_SECONDS / 2
    found = cache.lookup("session:a")
    assert found.value is None
    assert found.token is not None


@pytest.mark.parametrize("lost", ["flushed", "trimmed"])
def test_a_feed_that_lost_entries_drops_every_copy(lost: str) -> None:
    world = World(feed=MemoryInvalidationFeed(max_entries=3))
    reader, _ = world.process()
    writer, _ = world.process()
    held(reader, "session:a", True)
    held(reader, "user:b", "profile")

    if lost == "flushed":
        world.feed.clear()
    else:
        for n in range(5):
            writer.drop([f"session:other-{n}"])
    world.clock.now += WINDOW_SECONDS

    assert reader.lookup("session:a").value is None
    assert reader.lookup("user:b").value is None


def test_a_full_page_drops_every_copy_and_the_next_read_goes_on_from_it() -> None:
    world = World(feed=MemoryInvalidationFeed(page_size=4))
    reader, feed = world.process()
    writer, _ = world.process()
    held(reader, "session:a", True)
    for n in range(6):
        writer.drop([f"session:other-{n}"])
    world.clock.now += WINDOW_SECONDS

    assert reader.lookup("session:a").value is None  # 4 to a page: 2 left for later
    held(reader, "session:a", True)
    world.clock.now += WINDOW_SECONDS
    assert reader.lookup("session:a").value is True  # the rest held nothing of it
    assert feed.reads == 3


def test_copies_expire_after_their_time_to_live() -> None:
    world = World()
    cache = NearCache(world.feed, ttl=5, monotonic=world.clock, sleep=world.clock.sleep)
    held(cache, "session:a", True)

    world.clock.now += 5

    assert cache.lookup("session:a").value is None


def test_the_oldest_copy_makes_room_when_the_cache_is_full() -> None:
    world = World()
    cache = NearCache(world.feed, capacity=2, monotonic=world.clock, sleep=world.clock.sleep)
    for key in ("a", "b", "c"):
        held(cache, key, key)

    assert [cache.lookup(key).value for key in ("a", "b", "c")] == [None, "b", "c"]


def test_while_one_lookup_reads_the_feed_the_others_fall_through() -> None:
    world = World()
    during: list[object] = []

    class ReentrantFeed(CountingFeed):
        def read(self, after: str | None) -> FeedPage | None:
            found = cache.lookup("session:a")
            during.append((found.value, found.token))
            return super().read(after)

    feed = ReentrantFeed(world.feed)
    cache = NearCache(feed, monotonic=world.clock, sleep=world.clock.sleep)

    assert cache.lookup("session:a").token is not None
    assert during == [(None, None)]


def test_expire_makes_the_next_lookup_read_the_feed() -> None:
    world = World()
    cache, feed = world.process()
    held(cache, "session:a", True)
    reads = feed.reads

    cache.expire()

    assert cache.lookup("session:a").value is True
    assert feed.reads == reads + 1


def test_a_read_in_flight_when_the_copies_expire_does_not_trust_them_again() -> None:
    world = World()

    class ExpiringFeed(CountingFeed):
        def read(self, after: str | None) -> FeedPage | None:
            if self.reads == 1:  # the read ahead: an outbox check ends meanwhile
                cache.expire()
            return super().read(after)

    feed = ExpiringFeed(world.feed)
    cache = NearCache(feed, monotonic=world.clock, sleep=world.clock.sleep)
    held(cache, "session:a", True)
    world.clock.now += WINDOW_SECONDS * 0.75

    assert cache.lookup("session:a").value is None  # the read began before the expiry
    assert feed.reads == 2
    assert cache.lookup("session:a").token is not None  # a read after it trusts again
    assert feed.reads == 3


def test_a_writer_that_cannot_publish_says_so_and_drops_its_own_copy() -> None:
    world = World()
    cache, feed = world.process()
    held(cache, "session:a", True)
    feed.reachable = False

    assert cache.drop(["session:a"]) is False
    assert world.feed.read(None) is not None  # the feed itself still works


def test_without_a_feed_nothing_is_kept_and_writers_do_not_wait() -> None:
    clock = Monotonic()
    cache = NearCache(None, monotonic=clock, sleep=clock.sleep)
    cache.keep("session:a", True, cache.lookup("session:a").token)

    assert cache.lookup("session:a").value is None
    assert cache.drop(["session:a"])
    cache.settle()
    assert clock.waits == []


def test_a_hold_no_longer_than_the_window_is_refused() -> None:
    with pytest.raises(ValueError, match="hold"):
        NearCache(MemoryInvalidationFeed(), window=0.05, hold=0.05)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_with_no_copies() -> None:
    world = World()
    cache, _ = world.process()
    held(cache, "session:a", True)

    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os._exit(0 if cache.lookup("session:a").value is None else 1)
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert cache.lookup("session:a").value is True
