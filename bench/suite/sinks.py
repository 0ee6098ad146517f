"""The far ends of mail and SMS: an SMTP sink (aiosmtpd) and an HTTP webhook sink, in a
process of their own so they never share a GIL with a load generator.

Production refuses to start without ``BASTION_SMTP_URL`` and ``BASTION_SMS_WEBHOOK_URL``
(the console stand-ins would log codes); these are real SMTP and HTTP servers that keep
only a count of what arrived, which the report shows (mail the worker really delivered).

    python -m suite.sinks SMTP_PORT SMS_PORT COUNTS_FILE
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from suite.procs import child, clean_env, free_port

BENCH_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Sinks:
    smtp_url: str
    sms_url: str
    counts_file: Path

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = json.loads(self.counts_file.read_text())
        return found


@contextmanager
def delivery_sinks(log_dir: Path) -> Iterator[Sinks]:
    smtp_port, sms_port = free_port(), free_port()
    counts = log_dir / "sink-counts.json"
    env = {**clean_env(), "PYTHONPATH": str(BENCH_DIR)}
    argv = [sys.executable, "-m", "suite.sinks", str(smtp_port), str(sms_port), str(counts)]
    with child("sinks", argv, log_dir, env=env, cwd=BENCH_DIR) as process:
        deadline = time.monotonic() + 15
        while not counts.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the mail and SMS sinks did not start; see sinks.log")
            time.sleep(0.05)
        yield Sinks(
            smtp_url=f"smtp://127.0.0.1:{smtp_port}",
            sms_url=f"http://127.0.0.1:{sms_port}/sms",
            counts_file=counts,
        )


class _Tally:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._counts = {"mails": 0, "texts": 0}

    def add(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] += 1
            self.write()

    def write(self) -> None:
        """The file appears once both servers listen: its existence means ready."""
        partial = self._path.with_suffix(".tmp")
        partial.write_text(json.dumps(self._counts))
        partial.replace(self._path)


class _SmtpHandler:
    def __init__(self, tally: _Tally) -> None:
        self._tally = tally

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self._tally.add("mails")
        return "250 OK"


def _sms_server(port: int, tally: _Tally) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            tally.add("texts")
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def main() -> None:
    smtp_port, sms_port, counts = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    tally = _Tally(counts)
    sms = _sms_server(sms_port, tally)
    controller = Controller(_SmtpHandler(tally), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    tally.write()
    try:
        sms.serve_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
