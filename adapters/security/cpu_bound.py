"""CPU-heavy work (password hashing) that must never starve the rest of the process.

Two things keep a login flood from taking an auth service down with it:

- **Admission.** At most ``slots`` jobs run at once per process and at most ``line``
  more wait in line; any other caller is refused at once with ``UnavailableError`` (503
  and ``Retry-After``), so a shed sign-in answers in well under 100 ms (SECURITY RL-07)
  and a flood holds about ``slots + line`` request threads (a place is counted free
  when its job ends, a moment before its caller's thread lets go), the others staying
  free for token checks. The line is first come, first served, and a slot whose job ends
  starts the next in line at once, so it never idles while someone waits, and two
  people signing in at once on one process are both served. The line, and every slot
  but one, are open only while a job typically takes less than
  ``line_open_below_seconds`` (a moving average of the last ones): when hashes crawl, as
  under a flood that leaves them little CPU, one job runs at a time and every other
  caller is refused at once rather than kept waiting, so the flood holds one niced thread
  and one request thread per process. The average lags: those admitted as hashes began
  to crawl run or wait their turn, a few seconds at worst; only a wait past
  ``STUCK_SECONDS`` (a job that hangs) ends in a 503.
- **Slots per process, not per core.** The kernel hands each keep-alive connection to
  one gunicorn worker for its life, so sign-ins rarely split evenly across processes
  (with four clients, three on one worker and one on the other half of the time). So
  ``slots`` is meant to be the machine's cores, not a process's share of them: a
  process that gets more sign-ins fills a core another leaves idle, and where all are
  busy the extra hashes share the cores at no cost to throughput.
- **Priority.** The jobs run on this process's own small thread pool whose threads have
  a nice value of 10 (Linux schedules threads one by one): when a token check and a hash
  want the same core, the check wins, and when nothing else runs the hashes get every
  cycle, so sign-in throughput stays at the machine's hashing rate.
"""

from __future__ import annotations

import logging
import os
import threading
import time
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
SMOOTHING = 0.2  # weight of the newest job in the typical duration
STUCK_SECONDS = 20.0  # a wait this long means a job hangs: the caller is told to retry


class BoundedCpuWork:
    def __init__(
        self,
        slots: int,
        line: int,
        line_open_below_seconds: float,
        name: str = "cpu-work",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._slots = slots
        self._line = line
        self._line_open_below_seconds = line_open_below_seconds
        self._name = name
        self._clock = clock
        self._lock = threading.Lock()
        self._process: _PerProcess | None = None

    def run(self, job: Callable[..., T], *args: object) -> T:
        """``job(*args)`` on a low-priority thread; ``UnavailableError`` when too busy."""
        here = self._here()
        if not here.admit(line_open=here.typical_seconds < self._line_open_below_seconds):
            SHED.labels(self._name).inc()
            raise _busy()
        try:
            future = here.pool.submit(self._timed, here, job, *args)
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

    def _timed(self, here: _PerProcess, job: Callable[..., T], *args: object) -> T:
        started = self._clock()
        try:
            return job(*args)
        finally:
            took = self._clock() - started
            here.typical_seconds += SMOOTHING * (took - here.typical_seconds)

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
        self.typical_seconds = 0.0
        """Written by the pool's threads, read by request threads; two jobs ending at once
        may drop one of their updates, which an average can afford."""
        self._lock = threading.Lock()
        self.outstanding = 0
        """Jobs running or in line."""

    def admit(self, *, line_open: bool) -> bool:
        with self._lock:
            if self.outstanding >= (self.slots + self.line if line_open else 1):
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
