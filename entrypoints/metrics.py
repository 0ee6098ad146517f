"""What Bastion counts for Prometheus, and the body of ``GET /metrics``.

Under gunicorn every worker writes its samples to files in ``PROMETHEUS_MULTIPROC_DIR``
(``entrypoints/http/gunicorn_conf.py`` makes that directory before the workers start and tells the
library when one exits), and a scrape, whichever worker answers it, adds all of them up.
A lone process (``bastion run``, the tests) counts in memory. Every label is a bounded
set: route templates (never paths), methods, statuses, event types, rate-limit buckets.
Queue depths and the revocation outbox are read when scraped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from domain.events import EventDraft, EventType

if TYPE_CHECKING:
    from entrypoints.container import Container

log = logging.getLogger("bastion.metrics")
# A ``_created`` series beside every counter only doubles the scrape.
disable_created_metrics()  # type: ignore[no-untyped-call]
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OUTBOX_COUNTED_UP_TO = 10_000

REQUESTS = Counter(
    "bastion_http_requests",
    "HTTP requests answered, by route template and status",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "bastion_http_request_duration_seconds",
    "Time from the request to its status line, by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS = Counter("bastion_account_events", "Account events committed, by type", ["type"])
SIGN_INS = Counter(
    "bastion_sign_ins",
    "Sign-in steps by outcome (succeeded, failed, challenged), method (amr) and reason",
    ["outcome", "method", "reason"],
)
RATE_LIMITED = Counter(
    "bastion_rate_limited", "Requests refused by a rate limit, by bucket", ["bucket"]
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Any method but HTTP's usual ones is counted as ``other``: a client may send any
    token as a method, and each would be a series of its own."""
    method = method if method in _METHODS else "other"
    REQUESTS.labels(method, route, str(status)).inc()
    DURATION.labels(method, route).observe(seconds)


def count_events(drafts: Sequence[EventDraft]) -> None:
    """The ``EventsRecorded`` hook of every unit of work."""
    for draft in drafts:
        EVENTS.labels(draft.type.value).inc()
        step = _sign_in_step(draft)
        if step is not None:
            SIGN_INS.labels(*step).inc()


def _sign_in_step(draft: EventDraft) -> tuple[str, str, str] | None:
    meta = draft.metadata
    if draft.type is EventType.LOGIN_SUCCEEDED:
        return "succeeded", str(meta.get("method", "pwd")), ""
    if draft.type is EventType.LOGIN_FAILED:
        return "failed", "pwd", str(meta.get("reason", ""))
    if draft.type is EventType.LOGIN_MFA_CHALLENGED:
        return "challenged", "pwd", ""
    if draft.type is EventType.LOGIN_MFA_FAILED:
        return "failed", str(meta.get("method", "")), str(meta.get("reason", ""))
    return None


def count_rate_limited(bucket: str) -> None:
    RATE_LIMITED.labels(bucket or "other").inc()


def render(services: Container) -> tuple[bytes, str]:
    """Every worker's counters (or this process's) and the gauges read now."""
    registry = CollectorRegistry()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    registry.register(_ReadNow(services))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ThisProcess(Collector):
    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class _ReadNow(Collector):
    """Queue depths and the revocation outbox, read at scrape time; one that cannot be
    read (Redis or the database away) is left out and counted in ``bastion_scrape_errors``."""

    def __init__(self, services: Container) -> None:
        self._services = services

    def collect(self) -> Iterable[Metric]:
        errors = GaugeMetricFamily(
            "bastion_scrape_errors", "Gauges that could not be read now", labels=["gauge"]
        )
        for name, read in (("queue_jobs", self._queues), ("revocation_outbox", self._outbox)):
            try:
                yield read()
            except Exception:  # a gauge that cannot be read must not fail the scrape
                log.warning("could not read %s for /metrics", name, exc_info=True)
                errors.add_metric([name], 1)
        yield errors

    def _queues(self) -> Metric:
        jobs = GaugeMetricFamily(
            "bastion_queue_jobs", "Background jobs by queue and state", labels=["queue", "state"]
        )
        depths: Callable[[], dict[tuple[str, str], int]] = self._services.queue_depths()
        for (queue, state), count in sorted(depths().items()):
            jobs.add_metric([queue, state], count)
        return jobs

    def _outbox(self) -> Metric:
        with self._services.read_uow() as uow:
            waiting = len(uow.revocations.pending(limit=OUTBOX_COUNTED_UP_TO))
        return GaugeMetricFamily(
            "bastion_revocation_outbox",
            f"Revocations whose cache tombstone is not yet confirmed (counted up to "
            f"{OUTBOX_COUNTED_UP_TO})",
            value=waiting,
        )
