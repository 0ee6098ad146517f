"""JSON-lines logging: UTC times with a ``Z``, one ASCII line per record, control
characters escaped by the JSON encoder, and nothing from bodies or headers ever passed in.

Lines are encoded by orjson, at about a tenth of the standard encoder's cost (an access
line is written on every request); values JSON has no type for are written as their
``str``. A line holding anything outside printable ASCII is escaped by the standard
encoder (U+2028, U+0085 and the like break lines for some log readers, DEL is a control
character); one orjson refuses (integers past 64 bits, lone surrogates) is encoded by the
standard encoder alone, with ``default=str``."""

from __future__ import annotations

import json
import logging
import os
import select
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_FALLBACK = json.JSONEncoder(default=str, ensure_ascii=True, separators=(",", ":"))
"""Made once: ``json.dumps`` with options builds a new encoder for every line."""
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
"""Keys of any type, as text; datetimes and dataclasses through ``str``, as before."""
_ATOMIC_WRITE = select.PIPE_BUF
"""The longest line written with no lock: a pipe takes up to this many bytes whole."""


class _UtcTimes:
    """``2026-11-26T03:04:23.171629Z``. The part up to the second is made once a second
    and kept with its second in one tuple, replaced whole, so threads never see half."""

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")

    def format(self, created: float) -> str:
        second = int(created)
        known = self._second
        if known[0] != second:
            known = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
            self._second = known
        return f"{known[1]}.{int((created - second) * 1_000_000):06d}Z"


_UTC = _UtcTimes()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        line = _line(record.created, record.levelname, record.name, record.getMessage(), extras)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _encode(line).decode("utf-8")


class TextFormatter(logging.Formatter):
    """For a developer's terminal: ``09:14:03.512 INFO  bastion.access  request
    method=POST path=/api/v1/auth/login status=200 duration_ms=3.41``. Values are shown as
    ``repr`` where they hold a space or a control character, so a line stays one line."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S.%f")[:-3]
        extras = " ".join(
            f"{key}={_shown(value)}"
            for key, value in vars(record).items()
            if key not in _STANDARD and value is not None
        )
        line = f"{moment} {record.levelname:<5} {record.name}  {record.getMessage()}"
        line = f"{line}  {extras}" if extras else line
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def _shown(value: object) -> str:
    text = str(value)
    return text if text.isprintable() and " " not in text else repr(text)


def _encode(line: dict[str, Any]) -> bytes:
    """Raises as the standard encoder would (a value whose ``str`` fails)."""
    try:
        encoded = orjson.dumps(line, default=str, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return _FALLBACK.encode(line).encode("ascii")
    if encoded.isascii() and b"\x7f" not in encoded:
        return encoded
    return _FALLBACK.encode(orjson.loads(encoded)).encode("ascii")  # the same line, escaped


def _line(
    created: float, level: str, logger: str, message: str, fields: Mapping[str, Any]
) -> dict[str, Any]:
    line = {"time": _UTC.format(created), "level": level, "logger": logger, "message": message}
    line.update(fields)
    return line


class JsonLinesHandler(logging.StreamHandler[TextIO]):
    """Writes each line with ``write`` system calls to the stream's file descriptor (a
    copy of it, so a descriptor closed or reused elsewhere is never written to), formatted
    before any lock is taken. A line of up to ``PIPE_BUF`` bytes (an ordinary access
    line) is one call with no lock at all (:meth:`_write_fd`). A stream with no
    descriptor (a test's capture) is written as ``StreamHandler`` does.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        try:
            self._fd: int | None = os.dup(stream.fileno())
        except (AttributeError, OSError, ValueError):
            self._fd = None

    def handle(self, record: logging.LogRecord) -> bool:
        if not self.filter(record):
            return False
        try:
            self.write(self.format(record))
        except Exception:  # logging's own contract: report, never raise
            self.handleError(record)
        return True

    def write(self, line: str) -> None:
        """One formatted line, with its terminator added."""
        self.write_encoded(line.encode("utf-8", "replace"))

    def write_encoded(self, line: bytes) -> None:
        """One line encoded as UTF-8, with its terminator added."""
        if self._fd is None:
            self._write_stream(line.decode("utf-8", "replace") + self.terminator)
        else:
            self._write_fd(self._fd, line + self.terminator.encode("utf-8"))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        super().close()

    def _write_fd(self, fd: int, data: bytes) -> None:
        """A line of up to ``PIPE_BUF`` bytes goes out in one ``write`` with no lock held:
        the kernel keeps it whole (POSIX, for a pipe; Linux locks a regular file's offset
        for each write; a socket, such as journald's stream, promises nothing). A longer
        line (a traceback, an access line for a path of thousands of characters), or the
        rest of a write cut short (a full pipe or disk, a signal), is written under the
        handler's lock, which keeps such lines from splitting each other, and nothing
        more: a short line, this process's or another worker's, may land between their
        parts.

        No lock for the short ones: ``os.write`` lets go of the GIL, and a lock held
        across it made the other request threads queue behind it (a lock convoy)."""
        if len(data) <= _ATOMIC_WRITE:
            written = os.write(fd, data)
            if written == len(data):
                return
            data = data[written:]
        with self.lock:  # type: ignore[union-attr]  # made by Handler.__init__
            rest = memoryview(data)
            while rest:
                rest = rest[os.write(fd, rest) :]

    def _write_stream(self, line: str) -> None:
        with self.lock:  # type: ignore[union-attr]
            self.stream.write(line)
            self.stream.flush()


def log_fields(logger: logging.Logger, level: int, message: str, fields: dict[str, Any]) -> None:
    """``logger.log(level, message, extra=fields)`` for a line written on every request.

    Where every handler the record would reach is a :class:`JsonLinesHandler` formatting
    with :class:`JsonFormatter`, nothing on the way filters, and nothing replaced the parts
    of ``logging`` this skips (a record factory, a patched ``callHandlers``, as error
    trackers install), the line is encoded straight from the fields: the line the
    formatter makes of the record, without the ``LogRecord`` and ``logging``'s call
    chain. Any other setup (a test's capture, an operator's own handler) is given the
    record. As with ``extra``, no field may be named like a ``LogRecord`` attribute."""
    if not logger.isEnabledFor(level):
        return
    handlers = _json_handlers(logger, level) if _stock(logger) else None
    line = None if handlers is None else _encoded(logger.name, level, message, fields)
    if handlers is None or line is None:
        logger.log(level, message, extra=fields)
        return
    for handler in handlers:
        try:
            handler.write_encoded(line)
        except Exception:  # as ``handle`` does: report, never raise
            handler.handleError(logging.makeLogRecord({"msg": message, **fields}))


def _encoded(name: str, level: int, message: str, fields: dict[str, Any]) -> bytes | None:
    """None when the fields cannot be encoded: the formatter then fails alike, and
    reports it as ``logging`` does."""
    try:
        return _encode(_line(time.time(), logging.getLevelName(level), name, message, fields))
    except Exception:
        return None


def _stock(logger: logging.Logger) -> bool:
    kind = type(logger)
    return (
        logging.getLogRecordFactory() is logging.LogRecord
        and kind.handle.__module__ == "logging"
        and kind.callHandlers.__module__ == "logging"
        and kind.makeRecord.__module__ == "logging"
    )


def _json_handlers(logger: logging.Logger, level: int) -> list[JsonLinesHandler] | None:
    """The handlers ``callHandlers`` would pass a record to, if all are plain JSON-lines
    handlers and no logger or handler filters; otherwise None."""
    found: list[JsonLinesHandler] = []
    seen_any = False
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters:
            return None
        for handler in current.handlers:
            if (
                type(handler) is not JsonLinesHandler
                or type(handler.formatter) is not JsonFormatter
                or handler.filters
            ):
                return None
            seen_any = True
            if level >= handler.level:
                found.append(handler)
        if not current.propagate:
            break
        current = current.parent
    return found if seen_any else None  # no handler at all: logging's last resort decides


def configure(level: str = "INFO", style: str = "json") -> None:
    """JSON lines (``style="json"``) or, for development, :class:`TextFormatter`'s lines
    (``"text"``), on standard error. Records skip finding their caller's frame, which no
    line shows (a switch the logging HOWTO's "Optimization" section names). It holds for
    the whole process: a format with ``%(lineno)d`` or ``%(funcName)s`` shows 0 and
    "(unknown function)".
    Thread and process ids stay: gunicorn's own log format prints the process id."""
    logging._srcfile = None  # documented switch: no stack walk per record
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter | TextFormatter) for h in root.handlers):
        return
    handler = JsonLinesHandler(sys.stderr)
    handler.setFormatter(TextFormatter() if style == "text" else JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
