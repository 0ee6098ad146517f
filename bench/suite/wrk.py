"""One wrk run from a separate process: a Lua script of ``bench/lua``, a connection count
and a duration in; requests/s, latency percentiles and status counts out.

wrk is closed-loop (each connection waits for its answer before the next request), so
the latencies it reports understate what an open-loop client would see under overload
(coordinated omission); the flood scenario uses an open-loop generator for that reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

from suite.cpu import ForeignCpu
from suite.spread import Server, SpreadSampler

LUA_DIR = Path(__file__).resolve().parents[1] / "lua"
INSTALL_HINT = "wrk not found: apt-get install -y wrk (Debian/Ubuntu package 'wrk')"
MARKER = "BENCH_JSON "
TIMEOUT = "30s"  # gunicorn's worker timeout: an answer slower than that is a failure anyway


@dataclass(frozen=True)
class Load:
    script: str
    path: str
    connections: int
    seconds: float
    threads: int
    files: dict[str, Path] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Measurement:
    workload: str
    connections: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int
    statuses: dict[str, int]
    retry_after: int
    other_cpu_pct: float | None = None  # the machine's CPU used by others meanwhile
    spread: list[int] = field(default_factory=list)  # connections per server worker
    steady_ok_rps: float | None = None  # 2xx/s in the run's middle, from the API log

    @property
    def failures(self) -> int:
        return self.non_2xx + self.socket_errors

    @property
    def ok_rps(self) -> float:
        """Answers with a 2xx per second: what a shed request (a fast 503) does not count to."""
        return (self.requests - self.failures) / self.seconds if self.seconds else 0.0


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(INSTALL_HINT)
    return found


def measured(workload: str, server: Server, load: Load, roots: tuple[int, ...]) -> Measurement:
    """:func:`run_wrk` against a gunicorn ``server``, noting the CPU that processes outside
    ``roots``' trees used and how the connections sat across its workers."""
    with ForeignCpu(roots) as others, SpreadSampler(server, after=load.seconds / 2) as spread:
        found = run_wrk(workload, server.base_url, load)
    return replace(found, other_cpu_pct=others.percent, spread=spread.counts)


def run_wrk(workload: str, base_url: str, load: Load) -> Measurement:
    threads = min(load.threads, load.connections)
    options = [f"path={load.path}", f"threads={threads}"]
    options += [f"{name}={value}" for name, value in {**load.files, **load.flags}.items()]
    argv = [
        require_wrk(),
        f"-t{threads}",
        f"-c{load.connections}",
        f"-d{max(1, round(load.seconds))}s",
        "--timeout",
        TIMEOUT,
        "-s",
        str(LUA_DIR / load.script),
        base_url,
        "--",
        *options,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed for {workload}: {done.stderr or done.stdout}")
    return _measurement(workload, load.connections, json.loads(lines[-1][len(MARKER) :]))


def _measurement(workload: str, connections: int, raw: dict[str, object]) -> Measurement:
    def number(key: str) -> float:
        value = raw[key]
        assert isinstance(value, int | float), key
        return float(value)

    statuses = raw["statuses"]
    assert isinstance(statuses, dict)
    seconds = number("duration_us") / 1e6
    requests = int(number("requests"))
    non_2xx = sum(int(n) for status, n in statuses.items() if not status.startswith("2"))
    socket_errors = sum(
        int(number(key)) for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return Measurement(
        workload=workload,
        connections=connections,
        requests=requests,
        seconds=round(seconds, 2),
        rps=round(requests / seconds, 1),
        p50_ms=round(number("p50_us") / 1000, 2),
        p90_ms=round(number("p90_us") / 1000, 2),
        p99_ms=round(number("p99_us") / 1000, 2),
        max_ms=round(number("max_us") / 1000, 2),
        non_2xx=non_2xx,
        socket_errors=socket_errors,
        statuses={str(k): int(v) for k, v in sorted(statuses.items())},
        retry_after=int(number("retry_after")),
    )
