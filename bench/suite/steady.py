"""Sign-ins per second in the steady middle of a run, counted from the API's access log.

wrk counts the answers that arrive before it stops. A sign-in holds a core for 0.3 s or
more, so when wrk stops, every check then running (two to four here) is cut off part way:
its CPU is spent and counts for nothing, 1.5-3 % of a 10 s run. The hashing floor has no
such edge: each of its processes stops after a finished check and divides by the time up
to it. So a sign-in run goes on for a second longer at each end than its window, and only
the answers the API logged inside the window count: as many checks are part done when
the window opens as when it closes, so on average the window's count is the rate times
its length, as the floor's is.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

EDGE_SECONDS = 1.0


def ok_per_second(log: Path, offset: int, path: str, since: float, until: float) -> float:
    """2xx answers to ``path`` logged from byte ``offset`` of ``log`` on, timed (by the API's
    own clock, the same machine's) within ``since``..``until`` (epoch seconds)."""
    answered = 0
    with log.open("rb") as lines:
        lines.seek(offset)
        for raw in lines:
            if path.encode() not in raw or not raw.endswith(b"\n"):  # a line still being written
                continue
            try:  # gunicorn's own lines share the file, in plain text
                line = json.loads(raw)
                at = datetime.fromisoformat(line["time"]).timestamp()
            except (ValueError, KeyError, TypeError):
                continue
            if line.get("message") != "request" or line.get("path") != path:
                continue
            status = line.get("status")
            if isinstance(status, int) and 200 <= status < 300 and since <= at < until:
                answered += 1
    return answered / (until - since)
