"""Where the gunicorn workers spend their time: ``py-spy record`` (sampling from outside the
process, so the app is not changed), folded into the functions with the most samples.

Every worker of the API is sampled (``--subprocesses`` on the gunicorn master). Two views
of the same load: ``gil`` samples only the thread holding the GIL, i.e. where
the worker's CPU goes (what bounds requests/s on two cores); ``busy`` samples every
thread that is not idle, so it also shows the time spent waiting on PostgreSQL and Redis
round trips (what adds to latency). "self" is the function on top of the stack;
"inclusive, project" counts the project's own functions with everything they call.

py-spy is not a project dependency: install it beside the project, e.g.
``uv tool install py-spy``; without it the profile is skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from suite.procs import ROOT

RATE_HZ = 200
TOP = 12
INSTALL_HINT = "py-spy not found: uv tool install py-spy (or pipx install py-spy)"


@dataclass(frozen=True)
class Profile:
    mode: str
    samples: int
    active_pct: float  # gil: GIL held, % of one process's time, summed over the workers;
    # busy: busy threads x 100, summed over the workers
    self_time: list[tuple[str, float]]
    project_inclusive: list[tuple[str, float]]


def find_py_spy() -> str | None:
    found = shutil.which("py-spy")
    user_bin = Path.home() / ".local" / "bin" / "py-spy"
    return found or (str(user_bin) if user_bin.exists() else None)


def record(py_spy: str, pid: int, seconds: float, out: Path, *, gil: bool) -> None:
    """Blocks for ``seconds``; run the load meanwhile."""
    argv = [
        py_spy,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, int(seconds))),
        "--rate",
        str(RATE_HZ),
        "--format",
        "raw",
        "--output",
        str(out),
        "--full-filenames",
        "--nolineno",
        "--subprocesses",
    ]
    subprocess.run([*argv, "--gil"] if gil else argv, capture_output=True, check=True)


def summarize(raw: Path, mode: str, seconds: float) -> Profile:
    """Each raw line is ``frame;frame;...;leaf count``, a frame ``fn (path:line)``."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        total += int(count)
        leaf[_name(frames[-1])] += int(count)
        for name in {_name(frame) for frame in frames if _in_project(frame)}:
            inclusive[name] += int(count)

    def shares(counts: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / max(total, 1), 1)) for name, n in counts.most_common(TOP)]

    active = round(100 * total / (RATE_HZ * max(1, int(seconds))), 1)
    return Profile(mode, total, active, shares(leaf), shares(inclusive))


def _path(frame: str) -> str:
    return frame.rpartition(" (")[2].rstrip(")").rsplit(":", 1)[0]


def _in_project(frame: str) -> bool:
    path = _path(frame)
    return path.startswith(str(ROOT)) and "/.venv/" not in path


def _name(frame: str) -> str:
    """``fn (/abs/path/pkg/module.py:123)`` -> ``fn (pkg/module.py)``."""
    short = "/".join(Path(_path(frame)).parts[-2:]) or "?"
    return f"{frame.rpartition(' (')[0] or frame} ({short})"
