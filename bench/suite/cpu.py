"""How much CPU processes outside the bench used while it measured: the machine's busy
time (``/proc/stat``) minus that of the bench's own process trees (this process with the
children it started and reaped, and the PostgreSQL server with its backends).

A run that shares the machine with something else (a test suite, a build) shows it in
this number, so a noisy row can be told from a slow one.
"""

from __future__ import annotations

import os
from pathlib import Path

_BUSY_FIELDS = (0, 1, 2, 5, 6, 7)  # user nice system irq softirq steal (not idle, iowait)
_TIMES = slice(11, 15)  # utime stime cutime cstime, counted from the field after the name


def machine_ticks() -> int:
    values = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return sum(int(values[i]) for i in _BUSY_FIELDS)


def tree(root: int) -> set[int]:
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        for task in Path(f"/proc/{pid}/task").glob("*"):
            children = task / "children"
            if children.exists():
                todo += [int(child) for child in children.read_text().split()]
    return found


def process_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0
    fields = stat.rpartition(")")[2].split()  # the name may hold spaces: skip past it
    return sum(int(value) for value in fields[_TIMES])


class ForeignCpu:
    """``with ForeignCpu(roots) as other: ...`` then ``other.percent``: the share of the
    whole machine (every core) that others used meanwhile."""

    def __init__(self, roots: tuple[int, ...]) -> None:
        self.roots = roots
        self.percent = 0.0
        self._start = (0, 0, 0.0)

    def __enter__(self) -> ForeignCpu:
        self._start = (machine_ticks(), self._own(), _uptime())
        return self

    def __exit__(self, *_: object) -> None:
        machine, own, started = self._start
        capacity = (_uptime() - started) * os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1)
        other = max(0, (machine_ticks() - machine) - (self._own() - own))
        self.percent = round(100 * other / capacity, 1) if capacity else 0.0

    def _own(self) -> int:
        pids = set().union(*(tree(root) for root in self.roots))
        return sum(process_ticks(pid) for pid in pids)


def _uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])
