"""Send notices on daemon threads, off the request path (EN-02), when there is no queue."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time

from application.ports.messaging import Notice, Notifier

log = logging.getLogger(__name__)


class ThreadedNotifier(Notifier):
    """``send`` only puts the notice on an in-process queue, so every caller pays the same
    whatever the notice or the mail server's state; ``workers`` daemon threads deliver
    with ``retries`` more tries after a failure, waiting ``backoff * 2**n`` seconds.

    A failure is logged with the notice kind and the error type only: the address and the
    params (a code, a token) never reach a log. The threads start on first use in each
    process, so a fork (gunicorn ``--preload``) gets its own. Notices still queued when the
    process exits are lost: use the RQ notifier where that matters.
    """

    def __init__(
        self, inner: Notifier, retries: int = 3, backoff: float = 0.5, workers: int = 2
    ) -> None:
        self._inner = inner
        self._retries = retries
        self._backoff = backoff
        self._workers = workers
        self._idle = threading.Condition()
        self._pending = 0
        self._queue: queue.SimpleQueue[Notice] = queue.SimpleQueue()
        self._pid: int | None = None

    def send(self, notice: Notice) -> None:
        with self._idle:
            self._start_if_needed()
            self._pending += 1
        self._queue.put(notice)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued notice was delivered or given up; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _start_if_needed(self) -> None:
        if self._pid == os.getpid():
            return
        self._pid, self._pending = os.getpid(), 0
        self._queue = queue.SimpleQueue()
        for number in range(self._workers):
            name = f"notifier-{number}"
            threading.Thread(target=self._work, args=(self._queue,), name=name, daemon=True).start()

    def _work(self, notices: queue.SimpleQueue[Notice]) -> None:
        while True:
            notice = notices.get()
            try:
                self._deliver(notice)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, notice: Notice) -> None:
        for attempt in range(self._retries + 1):
            try:
                self._inner.send(notice)
            except Exception as exc:  # any mailer error: retry, then log without the content
                if attempt == self._retries:
                    log.warning(
                        "notice not delivered",
                        extra={"kind": notice.kind.value, "error": type(exc).__name__},
                    )
                    return
                time.sleep(self._backoff * 2**attempt)
            else:
                return
