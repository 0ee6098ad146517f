"""The export workload: a user with 100 000 events asks for "download my data"; the real
RQ worker builds it. Measured: the time from the request to ``complete``, and the peak
resident memory of the work-horse that built it, against the same for a user with
almost no history (the difference is what the history costs, SECURITY GD-04).

RQ forks a work-horse per job from the worker, so the horse starts sharing the worker's
pages; its peak (``VmHWM``) is sampled from ``/proc`` every 10 ms while the job runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import requests

POLL_SECONDS = 0.01
TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class ExportRun:
    seconds: float
    horse_peak_rss_mb: float
    size_mb: float


@dataclass(frozen=True)
class ExportResult:
    events: int
    empty: ExportRun
    full: ExportRun

    @property
    def rss_growth_mb(self) -> float:
        return round(self.full.horse_peak_rss_mb - self.empty.horse_peak_rss_mb, 1)


def measure_exports(
    base_url: str, worker_pid: int, empty_token: str, full_token: str, events: int
) -> ExportResult:
    return ExportResult(
        events=events,
        empty=_one_export(base_url, worker_pid, empty_token),
        full=_one_export(base_url, worker_pid, full_token),
    )


def _one_export(base_url: str, worker_pid: int, token: str) -> ExportRun:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    present = set(_children(worker_pid))
    started = time.perf_counter()
    requested = http.post(f"{base_url}/api/v1/me/exports", timeout=10)
    requested.raise_for_status()
    status_url = f"{base_url}/api/v1/me/exports/{requested.json()['id']}"
    peak_kb, polls = 0, 0
    while time.perf_counter() - started < TIMEOUT_SECONDS:
        for pid in set(_children(worker_pid)) - present:
            peak_kb = max(peak_kb, _peak_rss_kb(pid))
        polls += 1
        if polls % 10 == 0:
            view = http.get(status_url, timeout=10).json()
            if view["status"] in ("complete", "failed"):
                if view["status"] == "failed":
                    raise RuntimeError(f"the export failed: {view['failure_reason']}")
                elapsed = time.perf_counter() - started
                return ExportRun(
                    seconds=round(elapsed, 2),
                    horse_peak_rss_mb=round(peak_kb / 1024, 1),
                    size_mb=round(view["size_bytes"] / 1e6, 2),
                )
        time.sleep(POLL_SECONDS)
    raise RuntimeError("the export did not complete in time")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0
