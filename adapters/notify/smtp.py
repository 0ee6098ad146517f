"""Mail over SMTP, one connection per message (the worker sends them one by one)."""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from adapters.notify.templates import NoticeRenderer
from application.ports.messaging import Notice, Notifier

TIMEOUT_SECONDS = 10.0
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_STARTTLS_PORT = 587
_FORBIDDEN = frozenset("\r\n\0")
_ATOMS = r"[^\x00-\x20\x7f@,;:<>()\[\]\"\\]+"
_ONE_ADDRESS = re.compile(f"{_ATOMS}@{_ATOMS}")


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """``smtp://user:pass@host:port``, ``smtps://...`` (TLS from the start), and
        ``?starttls=1`` to upgrade a plain connection."""
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError("the SMTP URL must look like smtp://user:pass@host:port")
        starttls = parse_qs(parts.query).get("starttls", ["0"])[-1].lower() in {"1", "true"}
        default = _STARTTLS_PORT if starttls else _DEFAULT_PORTS[parts.scheme]
        return cls(
            host=parts.hostname,
            port=parts.port or default,
            implicit_tls=parts.scheme == "smtps",
            starttls=starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class SmtpNotifier(Notifier):
    """Exactly one envelope recipient, given explicitly, so no header can add another. A
    recipient that is not one bare address (CR, LF, NUL, spaces, commas, brackets, quotes)
    is refused before any message is built (EV-04). Non-ASCII addresses go out with
    SMTPUTF8 when the server offers it.

    The TLS context is made once: loading the system's CA certificates cost about 20 ms of
    CPU, more than the rest of a mail; a CA bundle changed on disk is read at restart."""

    def __init__(self, url: str, sender: str, renderer: NoticeRenderer) -> None:
        self._target = SmtpTarget.parse(url)
        self._tls = (
            ssl.create_default_context()
            if self._target.implicit_tls or self._target.starttls
            else None
        )
        self._sender = sender
        self._envelope_from = parseaddr(sender)[1]
        if not self._envelope_from or _FORBIDDEN & set(sender):
            raise ValueError("the sender must be an address, e.g. 'Bastion <no-reply@host>'")
        self._renderer = renderer

    def send(self, notice: Notice) -> None:
        message = self.build(notice)
        with self._connect() as smtp:
            smtp.send_message(message, from_addr=self._envelope_from, to_addrs=[notice.to])

    def build(self, notice: Notice) -> EmailMessage:
        if not _ONE_ADDRESS.fullmatch(notice.to):
            raise ValueError("refusing a recipient that is not one plain address")
        rendered = self._renderer.render(notice)
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = notice.to
        message["Subject"] = rendered.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=self._envelope_from.rpartition("@")[2])
        message.set_content(rendered.body)
        return message

    def _connect(self) -> smtplib.SMTP:
        target, context = self._target, self._tls
        smtp: smtplib.SMTP
        if target.implicit_tls:
            smtp = smtplib.SMTP_SSL(
                target.host, target.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=TIMEOUT_SECONDS)
        try:
            if target.starttls:
                smtp.starttls(context=context)
            if target.username is not None:
                smtp.login(target.username, target.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp
