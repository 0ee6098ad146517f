"""How many jobs each queue holds, by state, for ``/metrics``."""

from __future__ import annotations

from rq.registry import (
    DeferredJobRegistry,
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)

from adapters.rq.queues import DEFAULT, EXPORTS, RqQueues

_REGISTRIES = {
    "started": StartedJobRegistry,
    "scheduled": ScheduledJobRegistry,
    "deferred": DeferredJobRegistry,
    "failed": FailedJobRegistry,
}


class RqQueueDepths:
    def __init__(self, queues: RqQueues) -> None:
        self._queues = queues

    def __call__(self) -> dict[tuple[str, str], int]:
        """``{(queue, state): jobs}``; a Redis error is raised to the caller."""
        depths: dict[tuple[str, str], int] = {}
        for name in (DEFAULT, EXPORTS):
            queue = self._queues.queue(name)
            depths[name, "queued"] = queue.count
            for state, registry in _REGISTRIES.items():
                # cleanup=False: a scrape only reads; RQ's clean-up would retry or fail
                # abandoned jobs from the API process, racing the workers' own.
                depths[name, state] = registry(queue=queue).get_job_count(cleanup=False)
        return depths
