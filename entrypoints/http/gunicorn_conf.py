"""Gunicorn's settings for Bastion, in one place. The Dockerfile, docker-compose.yml and the
e2e and bench stacks all start ``gunicorn wsgi:app -c python:entrypoints.http.gunicorn_conf``
and add on the command line only what differs where they run (``--bind``, ``--workers``,
``--reuse-port``); a flag there wins over a value here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"

worker_class = "entrypoints.http.gunicorn_worker.HeadBufferingWorker"
"""gthread whose threads never wait for a request head (see that module)."""

threads = 48
"""Many, because most of them wait: a sign-in waits its turn for a password check
(``BASTION_PASSWORD_CHECKS_IN_LINE``, 40 by default) on its thread, and the threads left
over keep answering token checks meanwhile. A waiting thread costs no CPU."""

timeout = 30
"""A worker whose loop is silent this long is killed and replaced; the proxy waits a little
longer for an answer (``proxy_read_timeout``)."""

keepalive = 5
"""Seconds an idle kept-alive connection stays open: longer than the proxy keeps an idle
upstream connection (``keepalive_timeout``), so it never reuses one gunicorn is closing."""

limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
"""A request line and each header field within 8 KiB with its CRLF, as the proxy's header
buffers (``large_client_header_buffers``), and gunicorn's default number of fields. The
worker's limit on a buffered head follows from these."""


def on_starting(server: Any) -> None:
    """Every worker counts ``/metrics`` samples into files of one directory, so a scrape,
    whichever worker answers it, adds them all up: the one named in
    ``PROMETHEUS_MULTIPROC_DIR``, or a fresh one, emptied of a previous run's files."""
    directory = os.environ.get(_METRICS_DIR) or tempfile.mkdtemp(prefix="bastion-metrics-")
    os.environ[_METRICS_DIR] = directory
    for stale in Path(directory).glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's gauges stop counting (its counters stay in the totals)."""
    from prometheus_client import multiprocess  # noqa: PLC0415 -- only gunicorn calls this

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
