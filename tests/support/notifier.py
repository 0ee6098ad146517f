"""A notifier and an SMS sender that keep what they were asked to send, so tests can read
codes and links."""

from __future__ import annotations

import re
from threading import Lock

from application.ports.messaging import Notice, NoticeKind, Notifier, SmsSender, TextMessage


class RecordingNotifier(Notifier):
    def __init__(self) -> None:
        self._sent: list[Notice] = []
        self._lock = Lock()

    def send(self, notice: Notice) -> None:
        with self._lock:
            self._sent.append(notice)

    @property
    def sent(self) -> list[Notice]:
        with self._lock:
            return list(self._sent)

    def to(self, address: str, kind: NoticeKind | None = None) -> list[Notice]:
        return [n for n in self.sent if n.to == address and (kind is None or n.kind is kind)]

    def last_code(self, address: str) -> str:
        return self.to(address, NoticeKind.VERIFY_EMAIL)[-1].params["code"]

    def last_reset_token(self, address: str) -> str:
        return self.to(address, NoticeKind.PASSWORD_RESET)[-1].params["token"]


class RecordingSmsSender(SmsSender):
    """Keeps every text; ``last_code(to)`` reads the 6-digit code out of the latest one."""

    def __init__(self) -> None:
        self._sent: list[TextMessage] = []
        self._lock = Lock()

    def send(self, message: TextMessage) -> None:
        with self._lock:
            self._sent.append(message)

    @property
    def sent(self) -> list[TextMessage]:
        with self._lock:
            return list(self._sent)

    def to(self, number: str) -> list[TextMessage]:
        return [m for m in self.sent if m.to == number]

    def last_code(self, number: str) -> str:
        found = re.search(r"\b(\d{6})\b", self.to(number)[-1].body)
        assert found, "no code in the text"
        return found.group(1)
