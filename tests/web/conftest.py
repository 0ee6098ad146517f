"""The account console through the Flask app on in-memory adapters (the API layer's
``make_bastion``), driven as a browser would: pages, forms with their CSRF token, cookies."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api.conftest import PASSWORD, Bastion, BastionFactory, make_bastion

__all__ = ["PASSWORD", "BastionFactory", "Browser", "make_bastion"]

_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


@dataclass
class Browser:
    """One browser on the console: its cookies live in the test client; it remembers the
    CSRF token of the last page it saw, as a form on that page would send it."""

    bastion: Bastion
    user_agent: str = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
    token: str = ""
    pages: list[str] = field(default_factory=list)
    client: FlaskClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = self.bastion.app.test_client()

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(path, headers=self._headers(kwargs), **kwargs)
        self._remember(response)
        return response

    def post(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        csrf: str | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        form = {**(data or {}), "csrf_token": self.token if csrf is None else csrf}
        response = self.client.post(path, data=form, headers=self._headers(kwargs), **kwargs)
        self._remember(response)
        return response

    def cookie(self, name: str) -> str | None:
        found = self.client.get_cookie(name, path="/account")
        return found.value if found is not None else None

    def sign_up(self, email: str, password: str = PASSWORD) -> None:
        self.get("/account/sign-up")
        names = {"first_name": "Ada", "last_name": "Lovelace"}
        answer = self.post("/account/sign-up", {"email": email, "password": password, **names})
        assert answer.status_code == 200, text(answer)
        code = self.bastion.mail.last_code(email)
        confirmed = self.post("/account/sign-up/verify", {"email": email, "code": code})
        assert confirmed.status_code == 303, text(confirmed)

    def sign_in(self, email: str, password: str = PASSWORD) -> TestResponse:
        self.get("/account/sign-in")
        return self.post("/account/sign-in", {"email": email, "password": password})

    def signed_up_and_in(self, email: str, password: str = PASSWORD) -> None:
        self.sign_up(email, password)
        answer = self.sign_in(email, password)
        assert answer.status_code == 303, text(answer)
        assert answer.headers["Location"] == "/account"

    def _headers(self, kwargs: dict[str, Any]) -> dict[str, str]:
        return {"User-Agent": self.user_agent, **kwargs.pop("headers", {})}

    def _remember(self, response: TestResponse) -> None:
        if response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            self.pages.append(page)
            found = _TOKEN.search(page)
            if found:
                self.token = found.group(1)


def text(response: TestResponse) -> str:
    """The page's words without its markup, for asserting what a person reads."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page))).strip()


@pytest.fixture
def bastion(make_bastion: BastionFactory) -> Bastion:
    return make_bastion()


@pytest.fixture
def browser(bastion: Bastion) -> Browser:
    return Browser(bastion)
