"""CPU-heavy work (password hashing) that must never starve the rest of the process.

Two things keep a login flood from taking an auth service down with it (issue 6):

- **Admission.** At most ``slots`` jobs run at once per process and at most ``slots``
  more wait, each for ``wait_seconds`` at most (short: a shed sign-in answers in under
  100 ms, SECURITY RL-07); any other caller is refused at once with
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
        self._slots = slots
        self._wait_seconds = wait_seconds
        self._name = name
        self._lock = threading.Lock()
        self._process: _PerProcess | None = None

    def run(self, job: Callable[..., T], *args: object) -> T:
        """``job(*args)`` on a low-priority thread; ``UnavailableError`` when too busy."""
        here = self._here()
        if not here.admitted.acquire(blocking=False):
            raise _busy()
        try:
            if not here.running.acquire(timeout=self._wait_seconds):
                raise _busy()
            try:
                return here.pool.submit(job, *args).result()
            finally:
                here.running.release()
        finally:
            here.admitted.release()

    def _here(self) -> _PerProcess:
        """Slots and threads of this process: a fork (gunicorn ``--preload``) inherits
        neither a running thread nor a slot some thread of the parent held."""
        with self._lock:
            if self._process is None or self._process.pid != os.getpid():
                self._process = _PerProcess(self._slots, self._name)
            return self._process


class _PerProcess:
    def __init__(self, slots: int, name: str) -> None:
        self.pid = os.getpid()
        self.running = threading.BoundedSemaphore(slots)
        self.admitted = threading.BoundedSemaphore(2 * slots)
        self.pool = ThreadPoolExecutor(
            max_workers=slots, thread_name_prefix=name, initializer=_lower_priority
        )


def _busy() -> UnavailableError:
    return UnavailableError("Too many sign-ins at once; retry shortly.", retry_after=1)


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        log.debug("could not lower the priority of a password-hashing thread")
