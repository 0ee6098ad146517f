"""CPU-heavy work (password hashing) that must never starve the rest of the process.

Two things keep a login flood from taking an auth service down with it (issue 6):

- **Admission.** At most ``slots`` jobs run at once per process and at most ``slots``
  more wait, each for ``wait_seconds`` at most; any other caller is refused at once with
  ``UnavailableError`` (503 and ``Retry-After``). So a flood holds at most ``2 * slots``
  request threads, and the others stay free for token checks.
- **Priority.** The jobs run on this process's own small thread pool whose threads have
  a nice value of 10 (Linux schedules threads one by one): when a token check and a hash
  want the same core, the check wins, and when nothing else runs the hashes get every
  cycle, so sign-in throughput stays at the machine's hashing rate.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from domain.errors import UnavailableError

log = logging.getLogger(__name__)
T = TypeVar("T")
NICENESS = 10


class BoundedCpuWork:
    def __init__(self, slots: int, wait_seconds: float, name: str = "cpu-work") -> None:
        self._slots_count = slots
        self._running = threading.BoundedSemaphore(slots)
        self._admitted = threading.BoundedSemaphore(2 * slots)
        self._wait_seconds = wait_seconds
        self._name = name
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pid: int | None = None

    def run(self, job: Callable[..., T], *args: object) -> T:
        """``job(*args)`` on a low-priority thread; ``UnavailableError`` when too busy."""
        if not self._admitted.acquire(blocking=False):
            raise _busy()
        try:
            if not self._running.acquire(timeout=self._wait_seconds):
                raise _busy()
            try:
                return self._executor().submit(job, *args).result()
            finally:
                self._running.release()
        finally:
            self._admitted.release()

    def _executor(self) -> ThreadPoolExecutor:
        """One pool per process: threads do not survive a fork (gunicorn ``--preload``)."""
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._pool = ThreadPoolExecutor(
                    max_workers=self._slots_count,
                    thread_name_prefix=self._name,
                    initializer=_lower_priority,
                )
            return self._pool


def _busy() -> UnavailableError:
    return UnavailableError("Too many sign-ins at once; retry shortly.", retry_after=1)


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        log.debug("could not lower the priority of a password-hashing thread")
