"""HTTP to providers: TLS verified, short connect and read timeouts, one time budget for
all the calls of one callback, small answers only. Every failure becomes
``ProviderUnavailableError`` with a fixed reason word; no provider text reaches a log."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from application.ports.providers import ProviderUnavailableError

MAX_ANSWER_BYTES = 256 * 1024
JSON_HEADERS = {"Accept": "application/json"}


class Budget:
    """What is left of the seconds one provider round may take; each call gets at most
    ``per_call`` of it for connecting and as much for each read."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._deadline = clock() + seconds
        self.per_call = seconds

    def timeout(self) -> tuple[float, float]:
        left = self._deadline - self._clock()
        if left <= 0:
            raise ProviderUnavailableError("timeout")
        step = min(self.per_call, left)
        return (step, step)


class ProviderHttp:
    """One ``requests`` session per process (connection reuse); ``verify`` stays on."""

    def __init__(self, session: requests.Session | None = None) -> None:
        self.session = session or requests.Session()
        self.session.verify = True
        self.session.trust_env = False  # no proxy or CA bundle from the environment

    def get_json(self, url: str, budget: Budget, headers: Mapping[str, str] | None = None) -> Any:
        sent = {**JSON_HEADERS, **(headers or {})}
        timeout = budget.timeout()
        return self.call(
            lambda: self.session.get(url, headers=sent, timeout=timeout, allow_redirects=False)
        )

    def call(self, send: Callable[[], requests.Response]) -> Any:
        """Send, and read the answer as JSON, or raise ``ProviderUnavailableError``."""
        try:
            response = send()
        except requests.Timeout:
            raise ProviderUnavailableError("timeout") from None
        except requests.RequestException:
            raise ProviderUnavailableError("connection") from None
        return read_json(response)


def read_json(response: requests.Response) -> Any:
    if response.status_code >= 300:  # noqa: PLR2004 -- an error, or a redirect not followed
        raise ProviderUnavailableError(f"status_{response.status_code}")
    if len(response.content) > MAX_ANSWER_BYTES:
        raise ProviderUnavailableError("too_large")
    try:
        return response.json()
    except ValueError:
        raise ProviderUnavailableError("malformed") from None
