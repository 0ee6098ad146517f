"""Driving a provider flow as a browser would: every 302 followed by hand, the binding
cookie kept per browser, Apple's auto-posting form posted, a link's confirmation page
continued. ``Bastion`` is anything that
answers ``open(method, path, headers, query_string, data)`` like Flask's test client or
a real server; ``ProviderSet`` starts the three fakes and names the settings that point
Bastion at them. An answer's ``headers`` must have ``getlist`` (Werkzeug's do; for
``requests``, pass ``response.raw.headers``)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import requests

from tests.support.fake_providers import (
    APPLE_KEY_ID,
    APPLE_TEAM_ID,
    CLIENT_SECRET,
    FakeGitHub,
    FakeOidc,
)

GOOGLE_CLIENT_ID = "bastion-google-client.apps.example"
GITHUB_CLIENT_ID = "Iv1.bastion-github-client"
APPLE_CLIENT_ID = "example.bastion.signin"
APP_CALLBACK = "https://app.example.com/oauth/done"
ALLOWLIST = "https://app.example.com/oauth/,https://bastion.example/account/"


class Answer(Protocol):
    status_code: int

    @property
    def headers(self) -> Any: ...

    @property
    def text(self) -> str: ...


Send = Callable[..., Answer]
"""``send(method, path, headers=..., query=..., form=...)`` → a response."""


@dataclass
class ProviderSet:
    google: FakeOidc
    apple: FakeOidc
    github: FakeGitHub

    @classmethod
    def start(cls) -> ProviderSet:
        return cls(
            google=FakeOidc("google", GOOGLE_CLIENT_ID),
            apple=FakeOidc("apple", APPLE_CLIENT_ID),
            github=FakeGitHub(GITHUB_CLIENT_ID),
        )

    def close(self) -> None:
        for fake in (self.google, self.apple, self.github):
            fake.close()

    def reset(self) -> None:
        for fake in (self.google, self.apple, self.github):
            fake.reset()

    def settings(self) -> dict[str, Any]:
        """Settings (lower-case field names) that configure all three against the fakes."""
        return {
            "oauth_google_client_id": GOOGLE_CLIENT_ID,
            "oauth_google_client_secret": CLIENT_SECRET,
            "oauth_google_metadata_url": self.google.metadata_url,
            "oauth_github_client_id": GITHUB_CLIENT_ID,
            "oauth_github_client_secret": CLIENT_SECRET,
            "oauth_github_base_url": self.github.url,
            "oauth_github_api_url": f"{self.github.url}/api",
            "oauth_apple_client_id": APPLE_CLIENT_ID,
            "oauth_apple_team_id": APPLE_TEAM_ID,
            "oauth_apple_key_id": APPLE_KEY_ID,
            "oauth_apple_private_key": self.apple.team_key_pem(),
            "oauth_apple_metadata_url": self.apple.metadata_url,
            "redirect_allowlist": ALLOWLIST,
        }

    def environment(self) -> dict[str, str]:
        return {f"BASTION_{name.upper()}": str(value) for name, value in self.settings().items()}


@dataclass
class Browser:
    """One browser: its own cookies for Bastion. ``send`` reaches Bastion; ``public_url``
    is what Bastion's own links start with (its callbacks); ``accept``, when set, is the
    ``Accept`` header of every request (a real browser's, or an API client's)."""

    send: Send
    public_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    accept: str | None = None

    def authorize(self, provider: str, redirect_uri: str = APP_CALLBACK, **query: str) -> Answer:
        params = {"redirect_uri": redirect_uri, **query} if redirect_uri else dict(query)
        return self.visit("GET", f"/api/v1/auth/oauth/{provider}/authorize", query=params)

    def open_link(self, authorization_url: str) -> Answer:
        """The page a link's ``authorization_url`` answers: it asks the person to confirm."""
        return self.visit("GET", *self._local(authorization_url))

    def confirm(self, page: Answer) -> Answer:
        """Press "Continue to …" on a link's confirmation page: post its form."""
        assert page.status_code == 200, page.text
        action, fields = post_form(page.text)
        return self.visit("POST", action, form=fields)

    def start_link(self, authorization_url: str) -> Answer:
        """Open a link's URL and continue on its page: the 303 to the provider."""
        return self.confirm(self.open_link(authorization_url))

    def visit(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> Answer:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers = {"Cookie": cookie} if cookie else {}
        if self.accept is not None:
            headers["Accept"] = self.accept
        answer = self.send(method, path, headers=headers, query=query or {}, form=form)
        self._keep_cookies(answer)
        return answer

    def at_provider(self, location: str) -> requests.Response:
        """What the provider answers the browser sent to ``location`` (the person is
        signed in there and consents at once)."""
        return requests.get(location, allow_redirects=False, timeout=10)

    def back_to_bastion(self, provider_answer: requests.Response) -> Answer:
        """Follow the provider's answer to Bastion's callback: a 302 (Google, GitHub) or
        Apple's auto-posting form."""
        if provider_answer.status_code == 302:
            return self.visit("GET", *self._local(provider_answer.headers["Location"]))
        action, fields = post_form(provider_answer.text)
        path, _ = self._local(action)
        return self.visit("POST", path, form=fields)

    def sign_in(self, provider: str, redirect_uri: str = APP_CALLBACK) -> str:
        """The whole round trip; the ``Location`` Bastion finally sends the browser to."""
        start = self.authorize(provider, redirect_uri)
        assert start.status_code == 302, getattr(start, "json", start)
        back = self.back_to_bastion(self.at_provider(start.headers["Location"]))
        assert back.status_code == 302, getattr(back, "json", back)
        location: str = back.headers["Location"]
        return location

    def _local(self, url: str) -> tuple[str, dict[str, str]]:
        assert url.startswith(self.public_url), url
        parts = urlsplit(url)
        return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}

    def _keep_cookies(self, answer: Answer) -> None:
        for value in answer.headers.getlist("Set-Cookie"):
            parsed = SimpleCookie()
            parsed.load(value)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def post_form(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of a page's first form (Apple's auto-posting one, or
    a link's confirmation)."""
    action = re.search(r'<form method="post" action="([^"]+)"', page)
    assert action, page
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', page)
    }
    return html.unescape(action.group(1)), fields


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
