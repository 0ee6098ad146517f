"""The development mailer: mail goes to the terminal so the developer can read the code."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from adapters.notify.templates import NoticeRenderer
from application.ports.messaging import Notice, Notifier

_RULE = "-" * 72


class ConsoleNotifier(Notifier):
    """Writes straight to ``stream``, not through logging: logs must never hold a code or a
    reset token (LO-03), and this output is the one place meant to show them."""

    def __init__(self, renderer: NoticeRenderer, stream: TextIO | None = None) -> None:
        self._renderer = renderer
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, notice: Notice) -> None:
        rendered = self._renderer.render(notice)
        text = (
            f"{_RULE}\nTo: {notice.to!r}\nSubject: {rendered.subject}\n\n{rendered.body}{_RULE}\n"
        )
        stream = self._stream or sys.stdout
        with self._lock:
            stream.write(text)
            stream.flush()
