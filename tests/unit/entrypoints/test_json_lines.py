"""The JSON-lines log handler: whole lines, whatever writes at the same time."""

from __future__ import annotations

import io
import json
import logging
import os
import select
import threading
from datetime import UTC, datetime

import pytest

from entrypoints.logs import JsonFormatter, JsonLinesHandler, TextFormatter, configure, log_fields
from entrypoints.settings import Settings

THREADS, LINES = 8, 200


def _logger(handler: logging.Handler, name: str) -> logging.Logger:
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    return logger


def _captured(name: str) -> tuple[io.StringIO, JsonLinesHandler, logging.Logger]:
    """A logger of its own whose one handler writes to a string."""
    stream = io.StringIO()
    handler = JsonLinesHandler(stream)
    return stream, handler, _logger(handler, name)


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


def _piped(name: str) -> tuple[int, JsonLinesHandler, logging.Logger]:
    """A logger of its own whose one handler writes to a pipe; the read end is returned."""
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as stream:
        handler = JsonLinesHandler(stream)  # keeps its own copy of the descriptor
    return read_end, handler, _logger(handler, name)


class _TrackedLock:
    """Stands in for a handler's lock, and tells whether it is held."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.held = False

    def acquire(self) -> None:
        self._lock.acquire()
        self.held = True

    def release(self) -> None:
        self.held = False
        self._lock.release()

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _writes_seen(
    monkeypatch: pytest.MonkeyPatch, handler: JsonLinesHandler, cut_first: bool = False
) -> list[tuple[int, bool]]:
    """Each ``os.write`` from now on, as (bytes asked for, lock held); with ``cut_first``
    the first one writes only half of what it was given."""
    lock = _TrackedLock()
    monkeypatch.setattr(handler, "lock", lock)
    real_write, seen = os.write, []

    def write(fd: int, data: bytes) -> int:
        seen.append((len(data), lock.held))
        return real_write(
            fd, bytes(data[: len(data) // 2]) if cut_first and len(seen) == 1 else data
        )

    monkeypatch.setattr(os, "write", write)
    return seen


def _padding_for(logger: logging.Logger, size: int) -> str:
    """The ``pad`` that makes this logger's line ``size`` bytes long, newline included."""
    empty = {"time": "2026-01-01T00:00:00.000000Z", "level": "INFO", "logger": logger.name}
    line = json.dumps({**empty, "message": "m", "pad": ""}, separators=(",", ":")) + "\n"
    return "z" * (size - len(line))


@pytest.mark.parametrize(
    ("size", "locked"), [(select.PIPE_BUF, False), (select.PIPE_BUF + 1, True)], ids=str
)
def test_a_line_up_to_pipe_buf_is_written_without_the_lock_and_a_longer_one_under_it(
    monkeypatch: pytest.MonkeyPatch, size: int, locked: bool
) -> None:
    """A short line must not take the lock: held across a ``write``, which lets go of the
    GIL, it convoys every request thread behind the holder."""
    read_end, handler, logger = _piped("test.json_lines.lockless")
    seen = _writes_seen(monkeypatch, handler)

    logger.info("m", extra={"pad": _padding_for(logger, size)})
    monkeypatch.undo()
    handler.close()

    (line,) = _read_all(read_end).splitlines(keepends=True)
    os.close(read_end)
    assert len(line) == size
    assert seen == [(size, locked)]


def test_the_rest_of_a_write_cut_short_follows_it_under_the_lock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read_end, handler, logger = _piped("test.json_lines.cut_short")
    seen = _writes_seen(monkeypatch, handler, cut_first=True)

    logger.info("request", extra={"status": 200})
    monkeypatch.undo()
    handler.close()

    (line,) = _read_all(read_end).decode().splitlines()
    os.close(read_end)
    assert json.loads(line)["status"] == 200
    whole = seen[0][0]
    assert seen == [(whole, False), (whole - whole // 2, True)]


def test_a_stream_without_a_descriptor_is_written_as_a_stream() -> None:
    stream, _, logger = _captured("test.json_lines.capture")

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


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("Zoë\u2028\u0085x", '"Zo\\u00eb\\u2028\\u0085x"'),  # line breaks to some readers
        ("\ud800", '"\\ud800"'),  # a lone surrogate
        ("a\x7fb", '"a\\u007fb"'),  # DEL: ASCII, but a control character
        (2**70, str(2**70)),  # past 64 bits
    ],
)
def test_what_is_not_plain_ascii_is_escaped_by_the_standard_encoder(
    value: object, escaped: str
) -> None:
    stream, _, logger = _captured("test.json_lines.escaped")
    logger.info("line", extra={"value": value})
    log_fields(logger, logging.INFO, "line", {"value": value})

    lines = stream.getvalue().split("\n")
    assert lines[2:] == [""]
    assert [line.partition('"value":')[2] for line in lines[:2]] == [escaped + "}"] * 2
    assert [json.loads(line)["value"] for line in lines[:2]] == [value, value]


def test_values_json_has_no_type_for_are_written_as_text() -> None:
    stream, _, logger = _captured("test.json_lines.text")
    moment = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    log_fields(logger, logging.INFO, "line", {"at": moment, 1: "key", "n": None})

    line = json.loads(stream.getvalue())
    assert (line["at"], line["1"], line["n"]) == (str(moment), "key", None)


def test_after_configure_other_formats_still_get_process_and_thread_ids() -> None:
    """gunicorn's own log lines print ``%(process)d``: a record without it would fail."""
    configure("INFO")
    record = logging.getLogger("gunicorn.error").makeRecord(
        "gunicorn.error", logging.INFO, "", 0, "Worker exiting (pid: %s)", (42,), None
    )

    line = logging.Formatter("[%(process)d] [%(thread)d] %(message)s").format(record)

    assert line == f"[{os.getpid()}] [{threading.get_ident()}] Worker exiting (pid: 42)"


FIELDS = {"request_id": "r1", "path": "/a\r\n\u2028", "status": 200, "took": 0.25, "who": None}


def _without_time(line: str) -> dict[str, object]:
    found: dict[str, object] = json.loads(line)
    del found["time"]
    return found


def test_log_fields_writes_the_line_the_formatter_makes_of_the_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream, _, logger = _captured("test.json_lines.fields")
    logger.info("request", extra=dict(FIELDS))

    def no_records(*args: object, **kwargs: object) -> logging.LogRecord:
        raise AssertionError("the usual path makes no LogRecord")

    monkeypatch.setattr(logger, "makeRecord", no_records)
    log_fields(logger, logging.INFO, "request", dict(FIELDS))

    slow, fast = stream.getvalue().splitlines()
    assert (
        _without_time(fast)
        == _without_time(slow)
        == {
            "level": "INFO",
            "logger": "test.json_lines.fields",
            "message": "request",
            **FIELDS,
        }
    )
    assert list(json.loads(fast)) == list(json.loads(slow))  # same keys, same order


def test_log_fields_reaches_the_handlers_of_parent_loggers() -> None:
    stream, _, _ = _captured("test.json_lines.parent")
    child = logging.getLogger("test.json_lines.parent.child")

    log_fields(child, logging.WARNING, "from the child", {"n": 1})

    line = json.loads(stream.getvalue())
    assert (line["logger"], line["message"], line["n"]) == (
        "test.json_lines.parent.child",
        "from the child",
        1,
    )


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_log_fields_hands_any_other_handler_the_record() -> None:
    collect = _Collect()
    stream, _, logger = _captured("test.json_lines.other")
    logger.addHandler(collect)

    log_fields(logger, logging.INFO, "request", dict(FIELDS))

    (record,) = collect.records
    assert (record.getMessage(), record.path, record.status) == ("request", FIELDS["path"], 200)  # type: ignore[attr-defined]
    assert json.loads(stream.getvalue())["request_id"] == "r1"


def test_log_fields_honours_levels_and_filters() -> None:
    stream, handler, logger = _captured("test.json_lines.levels")

    handler.setLevel(logging.WARNING)
    log_fields(logger, logging.INFO, "below the handler", {})
    logger.setLevel(logging.ERROR)
    log_fields(logger, logging.WARNING, "below the logger", {})
    logger.setLevel(logging.INFO)
    logger.addFilter(lambda record: record.getMessage() != "filtered")
    log_fields(logger, logging.WARNING, "filtered", {})
    log_fields(logger, logging.WARNING, "kept", {})

    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["kept"]


def test_log_fields_hands_the_record_over_where_something_else_must_see_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream, handler, logger = _captured("test.json_lines.patched")
    seen: list[str] = []
    original = logging.Logger.callHandlers

    def tracker(self: logging.Logger, record: logging.LogRecord) -> None:  # an error tracker's
        seen.append(record.getMessage())
        original(self, record)

    monkeypatch.setattr(logging.Logger, "callHandlers", tracker)
    log_fields(logger, logging.INFO, "tracked", {})
    monkeypatch.undo()
    handler.addFilter(lambda record: record.getMessage() != "handler filter")
    log_fields(logger, logging.INFO, "handler filter", {})

    assert seen == ["tracked"]
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["tracked"]


class _Unprintable:
    def __str__(self) -> str:
        raise ValueError("no text")


def test_fields_that_cannot_be_encoded_are_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream, handler, logger = _captured("test.json_lines.unencodable")
    reported: list[logging.LogRecord] = []
    monkeypatch.setattr(handler, "handleError", reported.append)

    log_fields(logger, logging.INFO, "request", {"value": _Unprintable()})

    assert stream.getvalue() == ""
    assert [record.getMessage() for record in reported] == ["request"]


def test_a_failing_write_is_reported_as_logging_reports_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _, handler, logger = _captured("test.json_lines.failing")
    reported: list[logging.LogRecord] = []
    monkeypatch.setattr(
        handler, "write_encoded", lambda line: (_ for _ in ()).throw(OSError("disk full"))
    )
    monkeypatch.setattr(handler, "handleError", reported.append)

    log_fields(logger, logging.INFO, "request", {"status": 200})

    assert [(record.getMessage(), record.status) for record in reported] == [("request", 200)]  # type: ignore[attr-defined]


def test_the_text_format_is_one_readable_line_per_record() -> None:
    record = logging.LogRecord("bastion.access", logging.INFO, "", 0, "request", (), None)
    for name, value in {"method": "POST", "status": 200, "agent": "a b\nc", "user": None}.items():
        setattr(record, name, value)

    line = TextFormatter().format(record)

    assert line.endswith("INFO  bastion.access  request  method=POST status=200 agent='a b\\nc'")
    assert "\n" not in line
    assert "user=" not in line


@pytest.mark.parametrize(
    ("env", "chosen", "style"),
    [("development", None, "text"), ("production", None, "json"), ("development", "json", "json")],
)
def test_development_logs_text_unless_told_otherwise(
    env: str, chosen: str | None, style: str
) -> None:
    assert Settings(env=env, log_format=chosen).log_style == style  # type: ignore[arg-type]
