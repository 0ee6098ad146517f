"""Short-lived state: rate limits, caches, challenges, locks, published events and the job
queues, in Redis (``config.ephemeral == "redis"``) or in this process (``"memory"``)."""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.memory.ephemeral import (
    MemoryChallengeStore,
    MemoryLock,
    MemoryRateLimiter,
    MemorySessionCache,
)
from adapters.memory.messaging import MemoryEventPublisher
from adapters.redis.challenge_store import RedisChallengeStore
from adapters.redis.client import RedisConnector
from adapters.redis.health import RedisHealthProbe
from adapters.redis.lock import RedisLock
from adapters.redis.publisher import RedisEventPublisher
from adapters.redis.rate_limiter import RedisRateLimiter
from adapters.redis.session_cache import RedisSessionCache
from adapters.rq.depths import RqQueueDepths
from adapters.rq.queues import RqQueues
from entrypoints.settings import Settings


def _redis_url(settings: Settings) -> str:
    return settings.redis_url.get_secret_value() if settings.redis_url else ""


class State(containers.DeclarativeContainer):
    config = providers.Configuration()
    settings = providers.Dependency(instance_of=Settings)
    core = providers.DependenciesContainer()

    redis = providers.Singleton(RedisConnector, url=providers.Callable(_redis_url, settings))
    redis_probe = providers.Singleton(RedisHealthProbe, connector=redis)

    fallback_limiter = providers.Singleton(MemoryRateLimiter, clock=core.clock)
    limiter = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(
            RedisRateLimiter, connector=redis, clock=core.clock, fallback=fallback_limiter
        ),
        memory=fallback_limiter,
    )
    session_cache = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RedisSessionCache, connector=redis, clock=core.clock),
        memory=providers.Singleton(MemorySessionCache, clock=core.clock, limiter=limiter),
    )
    forget_profiles = session_cache.provided.forget_profiles
    """Told by every unit of work whose users it wrote: tombstones their profiles after the
    commit."""

    challenges = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RedisChallengeStore, connector=redis),
        memory=providers.Singleton(MemoryChallengeStore, clock=core.clock),
    )
    lock = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RedisLock, connector=redis),
        memory=providers.Singleton(MemoryLock, clock=core.clock),
    )
    publisher = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RedisEventPublisher, connector=redis),
        memory=providers.Singleton(MemoryEventPublisher),
    )

    queues = providers.Singleton(RqQueues, connector=redis)
    queue_depths = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RqQueueDepths, queues=queues),
        memory=providers.Object(dict),
    )
    """``{(queue, state): jobs}`` for ``/metrics``; the in-process worker keeps no queue."""
