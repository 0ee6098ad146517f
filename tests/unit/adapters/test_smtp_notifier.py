from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from adapters.notify.smtp import SmtpNotifier, SmtpTarget
from adapters.notify.templates import NoticeRenderer
from application.ports.messaging import Notice, NoticeKind

SENDER = "Bastion <no-reply@bastion.test>"


class Sink:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.rcpt_commands = 0

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.rcpt_commands += 1
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler, port = Sink(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def a_notifier(port: int) -> SmtpNotifier:
    return SmtpNotifier(
        f"smtp://127.0.0.1:{port}", SENDER, NoticeRenderer("https://auth.example.com")
    )


def test_a_notice_is_delivered_to_exactly_one_recipient(sink: tuple[Sink, int]) -> None:
    handler, port = sink
    notice = Notice(NoticeKind.VERIFY_EMAIL, "ann@example.com", {"first_name": "Ann", "code": "4"})
    a_notifier(port).send(notice)
    [envelope] = handler.envelopes
    assert handler.rcpt_commands == 1
    assert envelope.rcpt_tos == ["ann@example.com"]
    assert envelope.mail_from == "no-reply@bastion.test"
    mail = message_from_bytes(envelope.content, policy=default)
    assert mail["To"] == "ann@example.com"
    assert mail["From"] == SENDER
    assert mail["Subject"] == "Your verification code"
    assert mail["Message-ID"].endswith("@bastion.test>")
    assert "Your verification code is: 4" in mail.get_content()


def test_an_internationalised_address_goes_out_with_smtputf8(sink: tuple[Sink, int]) -> None:
    handler, port = sink
    a_notifier(port).send(Notice(NoticeKind.PASSWORD_CHANGED, "zoë@exämple.com"))
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["zoë@exämple.com"]
    assert "SMTPUTF8" in envelope.mail_options


@pytest.mark.parametrize(
    "recipient",
    [
        "ann@example.com\r\nBcc: e@evil.test",
        "ann@example.com\nX: y",
        "ann@example.com\0",
        "ann",
        "ann@example.com, eve@evil.test",
        "Ann <ann@example.com>",
        "a b@example.com",
    ],
)
def test_a_poisoned_recipient_is_refused_before_connecting(
    sink: tuple[Sink, int], recipient: str
) -> None:
    handler, port = sink
    with pytest.raises(ValueError, match="recipient"):
        a_notifier(port).send(Notice(NoticeKind.PASSWORD_CHANGED, recipient))
    assert handler.rcpt_commands == 0
    assert handler.envelopes == []


def test_smtp_urls_are_parsed_with_credentials_tls_and_default_ports() -> None:
    assert SmtpTarget.parse("smtp://mail.test") == SmtpTarget(
        "mail.test", 25, False, False, None, None
    )
    assert SmtpTarget.parse("smtps://u%40x:p%3Aw@mail.test") == SmtpTarget(
        "mail.test", 465, True, False, "u@x", "p:w"
    )
    assert SmtpTarget.parse("smtp://mail.test?starttls=1").port == 587
    assert SmtpTarget.parse("smtp://mail.test:2525?starttls=1").starttls


@pytest.mark.parametrize("url", ["", "http://mail.test", "smtp://", "mail.test:25"])
def test_bad_smtp_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="SMTP URL"):
        SmtpTarget.parse(url)


def test_a_sender_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="sender"):
        SmtpNotifier("smtp://mail.test", "x@y.z\r\nBcc: e@evil.test", NoticeRenderer("http://a"))
