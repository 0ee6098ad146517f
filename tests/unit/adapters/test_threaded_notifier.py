from __future__ import annotations

import io
import logging
import threading

import pytest

from adapters.notify.background import ThreadedNotifier
from adapters.notify.console import ConsoleNotifier
from adapters.notify.templates import NoticeRenderer
from application.ports.messaging import Notice, NoticeKind, Notifier

SECRET_NOTICE = Notice(
    NoticeKind.VERIFY_EMAIL, "ann@example.com", {"first_name": "Ann", "code": "987654"}
)


class FlakyNotifier(Notifier):
    def __init__(self, failures: int, gate: threading.Event | None = None) -> None:
        self.failures = failures
        self.gate = gate
        self.calls = 0
        self.delivered: list[Notice] = []

    def send(self, notice: Notice) -> None:
        if self.gate is not None:
            self.gate.wait(5)
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"refused for {notice.to} code {notice.params.get('code')}")
        self.delivered.append(notice)


def test_send_returns_before_delivery_and_flush_waits_for_it() -> None:
    gate = threading.Event()
    inner = FlakyNotifier(failures=0, gate=gate)
    notifier = ThreadedNotifier(inner)
    notifier.send(SECRET_NOTICE)
    assert inner.delivered == []
    assert not notifier.flush(timeout=0.05)
    gate.set()
    assert notifier.flush(timeout=5)
    assert inner.delivered == [SECRET_NOTICE]


def test_failures_are_retried_with_backoff_until_delivered() -> None:
    inner = FlakyNotifier(failures=2)
    notifier = ThreadedNotifier(inner, retries=3, backoff=0.01)
    notifier.send(SECRET_NOTICE)
    assert notifier.flush(timeout=5)
    assert inner.calls == 3
    assert inner.delivered == [SECRET_NOTICE]


def test_giving_up_logs_the_kind_and_never_the_address_or_code(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inner = FlakyNotifier(failures=99)
    notifier = ThreadedNotifier(inner, retries=2, backoff=0.01)
    with caplog.at_level(logging.DEBUG):
        notifier.send(SECRET_NOTICE)
        assert notifier.flush(timeout=5)
    assert inner.calls == 3
    [record] = caplog.records
    assert record.kind == "verify_email"  # type: ignore[attr-defined]
    logged = repr(record.__dict__) + record.getMessage()
    assert "ann@example.com" not in logged
    assert "987654" not in logged


def test_the_console_mailer_prints_the_mail_and_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream = io.StringIO()
    with caplog.at_level(logging.DEBUG):
        ConsoleNotifier(NoticeRenderer("http://127.0.0.1:8000"), stream=stream).send(SECRET_NOTICE)
    printed = stream.getvalue()
    assert "To: 'ann@example.com'" in printed
    assert "Your verification code is: 987654" in printed
    assert caplog.records == []
