"""What the services said while they were measured: the API's access lines counted by
status, and every WARNING, ERROR or traceback line in any log, so a run that "passed"
with 500s or worker failures says so."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from suite.stack import API

NOTEWORTHY = ("WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class LogScan:
    api_statuses: dict[str, int]
    problems: dict[str, int]  # log file -> lines at WARNING or above, or tracebacks
    samples: list[str] = field(default_factory=list)


def scan(log_dir: Path, keep: int = 5) -> LogScan:
    statuses: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    samples: list[str] = []
    for path in sorted(log_dir.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            record = _json(line)
            if path.stem == API and "status" in record:
                statuses[str(record["status"])] += 1
            if record.get("level") in NOTEWORTHY or "Traceback" in line or "[ERROR]" in line:
                problems[path.name] += 1
                if len(samples) < keep:
                    samples.append(f"{path.name}: {line[:300]}")
    return LogScan(dict(sorted(statuses.items())), dict(problems), samples)


def _json(line: str) -> dict[str, object]:
    if not line.startswith("{"):
        return {}
    try:
        found = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}
