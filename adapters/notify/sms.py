"""Text messages: printed in development, POSTed to a webhook, or sent on daemon threads."""

from __future__ import annotations

import json
import logging
import sys
import threading
import urllib.error
import urllib.request
from typing import TextIO
from urllib.parse import urlsplit

from adapters.notify.background import BackgroundDelivery
from application.ports.messaging import SmsSender, TextMessage

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5.0
_RULE = "-" * 72


class SmsWebhookError(RuntimeError):
    """The webhook could not be reached or did not answer 2xx; retrying may help."""


class ConsoleSmsSender(SmsSender):
    """Writes straight to ``stream``, not through logging, like the console mailer: this
    output is the one place meant to show a code, and only in development."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: TextMessage) -> None:
        text = f"{_RULE}\nSMS to: {message.to!r}\n\n{message.body}\n{_RULE}\n"
        stream = self._stream or sys.stdout
        with self._lock:
            stream.write(text)
            stream.flush()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class WebhookSmsSender(SmsSender):
    """POSTs ``{"to", "body"}`` as JSON to a gateway (or a relay in front of one) and waits
    for it: the caller is the worker or a background thread. Redirects are not followed, as
    urllib would turn the POST into a body-less GET. Errors name the status or the error
    type only, never the number or the body."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("the SMS webhook URL must be absolute (http or https)")
        self._url = url
        self._timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def send(self, message: TextMessage) -> None:
        payload = json.dumps({"to": message.to, "body": message.body}).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self._url,
            data=payload,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsWebhookError(f"the SMS webhook answered {exc.code}") from None
        except OSError as exc:
            raise SmsWebhookError(f"the SMS webhook failed: {_error_name(exc)}") from None
        if not 200 <= status < 300:  # noqa: PLR2004
            raise SmsWebhookError(f"the SMS webhook answered {status}")


def _error_name(exc: OSError) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return type(reason).__name__ if isinstance(reason, BaseException) else type(exc).__name__


class ThreadedSmsSender(SmsSender):
    """Texts sent in the background for the embedded default (see
    :class:`~adapters.notify.background.BackgroundDelivery`)."""

    def __init__(
        self, inner: SmsSender, retries: int = 3, backoff: float = 0.5, workers: int = 2
    ) -> None:
        self._delivery = BackgroundDelivery(
            inner.send, lambda _message: {}, "sms-sender", retries, backoff, workers
        )

    def send(self, message: TextMessage) -> None:
        self._delivery.put(message)

    def flush(self, timeout: float = 5.0) -> bool:
        return self._delivery.flush(timeout)
