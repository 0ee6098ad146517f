"""A notifier that keeps what it was asked to send, so tests can read codes and links."""

from __future__ import annotations

from threading import Lock

from application.ports.messaging import Notice, NoticeKind, Notifier


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
