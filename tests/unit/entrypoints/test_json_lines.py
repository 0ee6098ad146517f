"""The JSON-lines log handler: whole lines, whatever writes at the same time."""

from __future__ import annotations

import io
import json
import logging
import os
import select
import threading

from entrypoints.logs import JsonFormatter, JsonLinesHandler, configure

THREADS, LINES = 8, 200


def _logger(handler: logging.Handler, name: str) -> logging.Logger:
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    return logger


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_lines_from_many_threads_arrive_whole_and_a_long_one_in_full() -> None:
    read_end, write_end = os.pipe()
    stream = os.fdopen(write_end, "w")
    handler = JsonLinesHandler(stream)
    logger = _logger(handler, "test.json_lines.pipe")
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(_read_all(read_end)))
    reader.start()
    start = threading.Barrier(THREADS)

    def write(n: int) -> None:
        start.wait()
        for line in range(LINES):
            logger.info("request", extra={"writer": n, "line": line, "pad": "x" * 300})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    long = "y" * (select.PIPE_BUF * 4)  # written in more than one call
    logger.info("long", extra={"value": long})
    stream.close()
    handler.close()  # its own copy of the descriptor: the pipe ends with it
    reader.join(10)

    records = [json.loads(line) for line in received[0].decode().splitlines()]
    assert len(records) == THREADS * LINES + 1
    assert {(r["writer"], r["line"]) for r in records[:-1]} == {
        (n, line) for n in range(THREADS) for line in range(LINES)
    }
    assert records[-1]["value"] == long


def test_a_stream_without_a_descriptor_is_written_as_a_stream() -> None:
    stream = io.StringIO()
    logger = _logger(JsonLinesHandler(stream), "test.json_lines.capture")

    logger.warning("refused", extra={"path": "/api/v1/me\r\n<script>"})

    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["path"] == "/api/v1/me\r\n<script>"
    assert json.loads(line)["level"] == "WARNING"


def test_times_are_utc_with_microseconds_and_a_z() -> None:
    record = logging.LogRecord("bastion.test", logging.INFO, "", 0, "hello", (), None)
    formatter = JsonFormatter()
    seen = []
    for created in (1_700_000_000.5, 1_700_000_000.999999, 1_700_000_001.0):
        record.created = created
        seen.append(json.loads(formatter.format(record))["time"])

    assert seen == [
        "2023-11-14T22:13:20.500000Z",
        "2023-11-14T22:13:20.999999Z",
        "2023-11-14T22:13:21.000000Z",
    ]


def test_after_configure_other_formats_still_get_process_and_thread_ids() -> None:
    """gunicorn's own log lines print ``%(process)d``: a record without it would fail."""
    configure("INFO")
    record = logging.getLogger("gunicorn.error").makeRecord(
        "gunicorn.error", logging.INFO, "", 0, "Worker exiting (pid: %s)", (42,), None
    )

    line = logging.Formatter("[%(process)d] [%(thread)d] %(message)s").format(record)

    assert line == f"[{os.getpid()}] [{threading.get_ident()}] Worker exiting (pid: 42)"
