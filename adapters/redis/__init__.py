"""Redis adapters: session-validity cache, leaky-bucket limiter, challenge store, lock,
pub/sub publisher and readiness probe, all sharing one lazily built client per process."""
