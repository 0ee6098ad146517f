"""CPU-heavy work (password hashing) that must never starve the rest of the process.

- **A bounded line.** At most ``slots`` jobs run at once per process and at most ``line``
  more wait their turn, first come first served; a slot whose job ends starts the next at
  once. Shedding is for real overload: a caller beyond that is refused at once with
  ``UnavailableError`` (503 and ``Retry-After``), at a cost far below a hash (SECURITY
  RL-07), and a wait past ``STUCK_SECONDS`` (a job that hangs) ends the same way. A flood
  holds at most ``slots + line`` request threads per process; the others stay free for
  token checks.
- **Slots per process, not per core.** The kernel keeps each keep-alive connection on one
  gunicorn worker, so sign-ins rarely split evenly across processes: ``slots`` is meant to
  be the machine's cores, so a process that gets more of them fills a core another leaves
  idle.
- **Priority.** Jobs run on the process's own small thread pool at nice 10 (Linux
  schedules threads one by one): a token check wins a core from a hash, and with nothing
  else to run the hashes get every cycle.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from prometheus_client import Counter, Gauge

from domain.errors import UnavailableError

log = logging.getLogger(__name__)
SHED = Counter("bastion_cpu_work_shed", "Jobs refused at once: slots and line were full", ["work"])
OUTSTANDING = Gauge(
    "bastion_cpu_work_outstanding",
    "Jobs running or in line (work=bcrypt: password checks)",
    ["work"],
    multiprocess_mode="livesum",
)
T = TypeVar("T")
NICENESS = 10
STUCK_SECONDS = 20.0  # a wait this long means a job hangs: the caller is told to retry


class BoundedCpuWork:
    def __init__(self, slots: int, line: int, name: str = "cpu-work") -> None:
        self._slots = slots
        self._line = line
        self._name = name
        self._lock = threading.Lock()
        self._process: _PerProcess | None = None

    def run(self, job: Callable[..., T], *args: object) -> T:
        """``job(*args)`` on a low-priority thread; ``UnavailableError`` when too busy."""
        here = self._here()
        if not here.admit():
            SHED.labels(self._name).inc()
            raise _busy()
        try:
            future = here.pool.submit(job, *args)
        except BaseException:  # a pool shut down or broken: the place was never used
            here.finished()
            raise
        future.add_done_callback(lambda _: here.finished())  # ran, failed or cancelled
        try:
            return future.result(timeout=STUCK_SECONDS)
        except TimeoutError:
            if future.done():  # it ended just now, or the job itself raised TimeoutError
                return future.result()
            future.cancel()  # still in line: it will never run
            raise _busy() from None

    def _here(self) -> _PerProcess:
        """Slots and threads of this process: a fork (gunicorn ``--preload``) inherits
        neither a running thread nor a slot some thread of the parent held."""
        with self._lock:
            if self._process is None or self._process.pid != os.getpid():
                self._process = _PerProcess(self._slots, self._line, self._name)
            return self._process


class _PerProcess:
    """The pool's threads take jobs first come, first served from its queue; one that
    finishes a job starts the next at once, without waiting for a request thread to
    wake up and hand it over."""

    def __init__(self, slots: int, line: int, name: str) -> None:
        self.pid = os.getpid()
        self.outstanding_gauge = OUTSTANDING.labels(name)
        self.slots = slots
        self.line = line
        self.pool = ThreadPoolExecutor(
            max_workers=slots, thread_name_prefix=name, initializer=_lower_priority
        )
        self._lock = threading.Lock()
        self.outstanding = 0
        """Jobs running or in line."""

    def admit(self) -> bool:
        with self._lock:
            if self.outstanding >= self.slots + self.line:
                return False
            self.outstanding += 1
        self.outstanding_gauge.inc()
        return True

    def finished(self) -> None:
        with self._lock:
            self.outstanding -= 1
        self.outstanding_gauge.dec()


def _busy() -> UnavailableError:
    return UnavailableError("Too many sign-ins at once; retry shortly.", retry_after=1)


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        log.debug("could not lower the priority of a password-hashing thread")
