"""Deliver on daemon threads, off the request path (EN-02), when there is no queue."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from application.ports.messaging import (
    BackgroundTasks,
    ExportQueue,
    JobState,
    Notice,
    Notifier,
)
from domain.ids import ExportId

log = logging.getLogger(__name__)
T = TypeVar("T")


class BackgroundDelivery(Generic[T]):
    """``put`` only queues the item in-process, so every caller pays the same whatever the
    item or the far end's state; ``workers`` daemon threads ``deliver`` it with ``retries``
    more tries after a failure, waiting ``backoff * 2**n`` seconds.

    A final failure is logged with ``describe(item)`` and the error type only, so no
    address or content (a code, a token) reaches a log. The threads start on first use in
    each process, so a fork (gunicorn ``--preload``) gets its own. Items still queued when
    the process exits are lost: use the RQ adapters where that matters. ``give_up`` is
    told of an item that failed its last try.
    """

    def __init__(
        self,
        deliver: Callable[[T], None],
        describe: Callable[[T], Mapping[str, str]],
        name: str,
        retries: int = 3,
        backoff: float = 0.5,
        workers: int = 2,
        give_up: Callable[[T, Exception], None] | None = None,
    ) -> None:
        self._deliver_once = deliver
        self._give_up = give_up
        self._describe = describe
        self._name = name
        self._retries = retries
        self._backoff = backoff
        self._workers = workers
        self._idle = threading.Condition()
        self._pending = 0
        self._queue: queue.SimpleQueue[T] = queue.SimpleQueue()
        self._pid: int | None = None

    def put(self, item: T) -> None:
        with self._idle:
            self._start_if_needed()
            self._pending += 1
        self._queue.put(item)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued item was delivered or given up; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _start_if_needed(self) -> None:
        if self._pid == os.getpid():
            return
        self._pid, self._pending = os.getpid(), 0
        self._queue = queue.SimpleQueue()
        for number in range(self._workers):
            name = f"{self._name}-{number}"
            threading.Thread(target=self._work, args=(self._queue,), name=name, daemon=True).start()

    def _work(self, items: queue.SimpleQueue[T]) -> None:
        while True:
            item = items.get()
            try:
                self._deliver(item)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, item: T) -> None:
        for attempt in range(self._retries + 1):
            try:
                self._deliver_once(item)
            except Exception as exc:  # any far-end error: retry, then log without the content
                if attempt == self._retries:
                    extra = {**self._describe(item), "error": type(exc).__name__}
                    log.warning("%s: not delivered", self._name, extra=extra)
                    self._report_give_up(item, exc)
                    return
                time.sleep(self._backoff * 2**attempt)
            else:
                return

    def _report_give_up(self, item: T, error: Exception) -> None:
        if self._give_up is None:
            return
        try:
            self._give_up(item, error)
        except Exception as failure:  # the thread must live on to deliver the next item
            extra = {**self._describe(item), "error": type(failure).__name__}
            log.exception("%s: giving up failed", self._name, extra=extra)


class ThreadedNotifier(Notifier):
    """Notices sent in the background (see :class:`BackgroundDelivery`)."""

    def __init__(
        self, inner: Notifier, retries: int = 3, backoff: float = 0.5, workers: int = 2
    ) -> None:
        self._delivery = BackgroundDelivery(
            inner.send, _notice_kind, "notifier", retries, backoff, workers
        )

    def send(self, notice: Notice) -> None:
        self._delivery.put(notice)

    def flush(self, timeout: float = 5.0) -> bool:
        return self._delivery.flush(timeout)


def _notice_kind(notice: Notice) -> Mapping[str, str]:
    return {"kind": notice.kind.value}


class ThreadedTasks(BackgroundTasks):
    """Background tasks without a queue (the embedded default): ``run`` is called on a
    daemon thread with the task's name and payload (see :class:`BackgroundDelivery`)."""

    def __init__(
        self,
        run: Callable[[str, Mapping[str, str]], None],
        retries: int = 3,
        backoff: float = 0.5,
        workers: int = 2,
    ) -> None:
        self._run = run
        self._delivery: BackgroundDelivery[tuple[str, Mapping[str, str]]] = BackgroundDelivery(
            self._run_one, _task_name, "tasks", retries, backoff, workers
        )

    def defer(self, task: str, payload: Mapping[str, str]) -> None:
        self._delivery.put((task, dict(payload)))

    def flush(self, timeout: float = 5.0) -> bool:
        return self._delivery.flush(timeout)

    def _run_one(self, item: tuple[str, Mapping[str, str]]) -> None:
        self._run(*item)


def _task_name(item: tuple[str, Mapping[str, str]]) -> Mapping[str, str]:
    return {"task": item[0]}


class ThreadedExportQueue(ExportQueue):
    """Exports without a queue (the embedded default): ``build`` runs on a daemon thread,
    retried with backoff; ``give_up`` is called after the last try. Jobs still waiting
    when the process stops are found again by the reconciler at the next start."""

    def __init__(
        self,
        build: Callable[[ExportId], object],
        give_up: Callable[[ExportId, Exception], object],
        retries: int = 3,
        backoff: float = 2.0,
    ) -> None:
        self._build = build
        self._on_give_up = give_up
        self._lock = threading.Lock()
        self._waiting: set[ExportId] = set()
        self._delivery: BackgroundDelivery[ExportId] = BackgroundDelivery(
            self._run, _export_id, "exports", retries, backoff, workers=1, give_up=self._failed
        )

    def enqueue(self, export_id: ExportId) -> None:
        with self._lock:
            if export_id in self._waiting:
                return
            self._waiting.add(export_id)
        self._delivery.put(export_id)

    def job_state(self, export_id: ExportId) -> JobState:
        with self._lock:
            return JobState.WAITING if export_id in self._waiting else JobState.UNKNOWN

    def flush(self, timeout: float = 5.0) -> bool:
        return self._delivery.flush(timeout)

    def _run(self, export_id: ExportId) -> None:
        self._build(export_id)
        self._done(export_id)

    def _failed(self, export_id: ExportId, error: Exception) -> None:
        """If giving up fails too (the database is away), the export stays active and
        unqueued, and the reconciler takes it up again."""
        try:
            self._on_give_up(export_id, error)
        finally:
            self._done(export_id)

    def _done(self, export_id: ExportId) -> None:
        with self._lock:
            self._waiting.discard(export_id)


def _export_id(export_id: ExportId) -> Mapping[str, str]:
    return {"export_id": str(export_id)}
