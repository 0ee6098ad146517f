"""Gunicorn's threaded worker, with every request head read in the worker's event loop.

Gunicorn's ``gthread`` worker gives a connection to a thread of its pool as soon as the
socket is accepted or turns readable, and the thread then blocks in ``recv`` until the
whole head has arrived. A client that sends its head a byte at a time, or half a request
line and then nothing, keeps that thread as long as it likes; one such client per thread
(eight for two workers of four) and ``/healthz`` waits behind them. A connection that sends
nothing keeps a thread for five seconds before gthread parks it. A deadline on the head
alone would not help: slow clients that come back at once still queue ahead of everyone.

Here the loop reads what has arrived without blocking and keeps it until the blank line
that ends the head; only then does the connection go to a thread, with those bytes pushed
back into gunicorn's parser. So a thread waits only on the application, on a request body,
and on a client slow to take a large answer. A head not whole ``BASTION_HEADER_TIMEOUT``
seconds after the accept (on a kept-alive connection, after the first byte of the next
request) is answered 408, or just closed if nothing came; one longer than gunicorn's own
limits allow, 431. Both answers are best effort: one non-blocking send.

Slow bodies and slow readers are the proxy's to absorb: nginx in ``docker-compose.yml``
passes a request on only once its body is whole, and takes each answer whole.
"""

from __future__ import annotations

import contextlib
import itertools
import selectors
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from gunicorn.http.message import DEFAULT_MAX_HEADERFIELD_SIZE, MAX_HEADERS, MAX_REQUEST_LINE
from gunicorn.workers.gthread import TConn, ThreadWorker

from entrypoints.settings import Settings

_END_OF_HEAD = b"\r\n\r\n"
_READ_SIZE = 64 * 1024
MAX_BUFFERED_HEAD = 64 * 1024
"""The longest head the loop keeps for a connection (431 beyond): gunicorn's own limits
allow about 800 KiB (100 fields of 8 KiB), which a thousand waiting connections would hold
in one worker's memory. The proxy in front allows 32 KiB."""
_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Connection: close\r\nContent-Length: 0\r\n\r\n"
)


@dataclass(slots=True)
class _Head:
    """What has arrived of one request head, and by when the rest must."""

    deadline: float
    data: bytearray
    watched: bool = False


def head_limit(cfg: Any) -> int:
    """The longest head gunicorn's parser accepts (``gunicorn.http.message``): the request
    line, ``limit_request_fields`` lines of ``limit_request_field_size``, the blank line. An
    unlimited (0) request line counts as gunicorn's largest limited one."""
    line: int = min(cfg.limit_request_line or MAX_REQUEST_LINE, MAX_REQUEST_LINE)
    fields: int = min(cfg.limit_request_fields or MAX_HEADERS, MAX_HEADERS)
    field_size: int = cfg.limit_request_field_size or DEFAULT_MAX_HEADERFIELD_SIZE
    return line + 2 + fields * (field_size + 2) + 4


class HeadBufferingWorker(ThreadWorker):
    """``gthread`` whose threads are handed only connections with a whole request head."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._heads: dict[TConn, _Head] = {}  # in arrival order, so in deadline order
        self._head_limit = min(head_limit(self.cfg), MAX_BUFFERED_HEAD)
        self._header_timeout = 0.0

    @classmethod
    def check_config(cls, cfg: Any, log: Any) -> None:
        """Refuses TLS and HTTP/2, whose start (a handshake, a preface) gthread reads in the
        thread, blocking: terminate TLS at the proxy."""
        super().check_config(cfg, log)
        if cfg.is_ssl or "h2" in cfg.http_protocols:
            raise RuntimeError(f"{cls.__name__} serves plain HTTP/1.1 only")

    def run(self) -> None:
        """The loop, with the deadline read once the app (which checks every setting) has
        loaded."""
        self._header_timeout = Settings().header_timeout
        super().run()

    def enqueue_req(self, conn: TConn) -> None:
        """Every way to a thread passes here: a connection just accepted, one readable again
        after keep-alive, and one whose next request was read ahead with the last."""
        early = conn.parser.unreader.take_buffered() if conn.parser else b""
        self._heads[conn] = _Head(time.monotonic() + self._header_timeout, bytearray(early))
        conn.sock.setblocking(False)
        if _END_OF_HEAD in early:
            self._hand_over(conn)
        else:
            self._read_head(conn)

    def murder_pending(self) -> None:
        """The loop calls this at least once a second, also while stopping: heads past their
        deadline go with gthread's own parked connections."""
        super().murder_pending()
        now = time.monotonic()
        late = list(itertools.takewhile(lambda c: self._heads[c].deadline <= now, self._heads))
        for conn in late:
            self._close(conn, _TIMED_OUT if self._heads[conn].data else b"")

    def _read_head(self, conn: TConn, *_: object) -> None:
        head = self._heads[conn]
        try:
            chunk = conn.sock.recv(_READ_SIZE)
        except BlockingIOError:
            self._watch(conn, head)
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._close(conn)
            return
        searched = max(len(head.data) - len(_END_OF_HEAD) + 1, 0)
        head.data += chunk
        if head.data.find(_END_OF_HEAD, searched) >= 0:
            self._hand_over(conn)
        elif len(head.data) > self._head_limit:
            self._close(conn, _TOO_LARGE)
        else:
            self._watch(conn, head)

    def _watch(self, conn: TConn, head: _Head) -> None:
        if not head.watched:
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._read_head, conn))
            head.watched = True

    def _hand_over(self, conn: TConn) -> None:
        """To a thread, the head back in the parser's buffer. ``init`` only makes the parser
        here (no TLS, no HTTP/2 preface: see ``check_config``)."""
        head = self._forget(conn)
        conn.init()
        conn.parser.unreader.unread(bytes(head.data))
        super().enqueue_req(conn)

    def _close(self, conn: TConn, answer: bytes = b"") -> None:
        self._forget(conn)
        if answer:
            with contextlib.suppress(OSError):
                conn.sock.send(answer)
        self.nr_conns -= 1
        conn.close()

    def _forget(self, conn: TConn) -> _Head:
        head = self._heads.pop(conn)
        if head.watched:
            self.poller.unregister(conn.sock)
        return head
