"""An open-loop login flood: ``POST /auth/login`` sent on a fixed schedule, whatever the
answers, as many independent clients would (wrk cannot: it waits for each answer).

Each request goes out at its due time on a connection of its own, from a pool of sender
threads large enough that a slow answer never delays a later request; how late requests
left is reported, so a generator that could not keep up shows.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_SENDERS = 512
HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
}


@dataclass(frozen=True)
class Outcome:
    status: int  # 0: no HTTP answer (connection refused, reset or timed out)
    retry_after: bool
    seconds: float
    late: float
    sent_at: float


@dataclass(frozen=True)
class FloodResult:
    target_rps: float
    sent: int
    sent_rps: float
    statuses: dict[str, int]
    with_retry_after: dict[str, int]
    p50_ms: float
    p99_ms: float
    late_p99_ms: float


def flood_logins(base_url: str, bodies: Sequence[str], rate: float, seconds: float) -> FloodResult:
    total = max(1, int(rate * seconds))
    senders = min(total, MAX_SENDERS)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.5

    def send_share(first: int) -> None:
        for i in range(first, total, senders):
            outcome = _send(base_url, bodies[i % len(bodies)], start + i / rate)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=send_share, args=(k,), daemon=True) for k in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _summary(rate, seconds, outcomes)


def _send(base_url: str, body: str, due: float) -> Outcome:
    wait = due - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    sent = time.monotonic()
    target = urlsplit(base_url)
    connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
    try:
        connection.request("POST", "/api/v1/auth/login", body=body, headers=HEADERS)
        answer = connection.getresponse()
        answer.read()
        status, retry_after = answer.status, answer.getheader("Retry-After") is not None
    except (OSError, http.client.HTTPException):
        status, retry_after = 0, False
    finally:
        connection.close()
    return Outcome(status, retry_after, time.monotonic() - sent, sent - due, sent)


def _summary(rate: float, seconds: float, outcomes: list[Outcome]) -> FloodResult:
    latencies = sorted(o.seconds for o in outcomes)
    lateness = sorted(o.late for o in outcomes)
    times = [o.sent_at for o in outcomes]
    window = max(times) - min(times) or seconds
    return FloodResult(
        target_rps=round(rate, 1),
        sent=len(outcomes),
        sent_rps=round((len(outcomes) - 1) / window, 1),
        statuses=dict(sorted(Counter(str(o.status) for o in outcomes).items())),
        with_retry_after=dict(
            sorted(Counter(str(o.status) for o in outcomes if o.retry_after).items())
        ),
        p50_ms=round(statistics.median(latencies) * 1000, 1),
        p99_ms=round(_percentile(latencies, 0.99) * 1000, 1),
        late_p99_ms=round(_percentile(lateness, 0.99) * 1000, 1),
    )


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]
