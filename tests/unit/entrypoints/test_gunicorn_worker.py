"""The worker's limits, read from gunicorn's configuration as production sets it; what it
does with connections is tested against real processes in ``tests/e2e/test_slow_clients``."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from gunicorn.http.errors import LimitRequestHeaders
from gunicorn.http.parser import RequestParser

from entrypoints.http.gunicorn_worker import HeadBufferingWorker, head_limit
from tests.support.serving import production_config


def test_production_config_names_the_worker() -> None:
    assert production_config().worker_class is HeadBufferingWorker


def test_the_longest_head_gunicorn_parses_fits_the_worker_limit() -> None:
    """The longest request line, then as many of the longest field lines as gunicorn takes
    (each, with its CRLF, ``limit_request_field_size`` bytes)."""
    config = production_config()
    line = b"GET /" + b"a" * (config.limit_request_line - 14) + b" HTTP/1.1\r\n"

    def field(number: int) -> bytes:
        name = b"X-%03d: " % number
        return name + b"v" * (config.limit_request_field_size - 2 - len(name)) + b"\r\n"

    fields = b"".join(field(n) for n in range(config.limit_request_fields))
    head = line + fields + b"\r\n"
    assert len(head) <= head_limit(config)
    request = next(RequestParser(config, iter([head]), ("127.0.0.1", 1)))
    assert len(request.headers) == config.limit_request_fields
    with pytest.raises(LimitRequestHeaders):
        next(RequestParser(config, iter([line + fields + field(999) + b"\r\n"]), ("", 1)))


def test_tls_and_http2_are_refused_at_start(tmp_path: Path) -> None:
    """Their first bytes (a handshake, a preface) are read blocking, in the thread."""
    log = logging.getLogger("test")
    for name, value in (("certfile", str(tmp_path / "cert.pem")), ("http_protocols", "h2,h1")):
        config = production_config()
        config.set(name, value)
        with pytest.raises(RuntimeError, match="plain HTTP"):
            HeadBufferingWorker.check_config(config, log)
