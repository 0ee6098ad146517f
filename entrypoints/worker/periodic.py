"""Periodic jobs on a daemon thread: in the RQ worker with Redis, in the API process in
the embedded default. A lock in the use case keeps two schedulers from overlapping."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("bastion.periodic")


class Every:
    def __init__(self, seconds: float, job: Callable[[], object], name: str) -> None:
        self._seconds = seconds
        self._job = job
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Every:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._seconds):
            try:
                self._job()
            except Exception:
                log.exception("periodic job failed", extra={"job": self._thread.name})
