"""Sign-in with Google, GitHub and Apple against real processes (gunicorn with two
workers, the RQ worker, PostgreSQL, Redis) and the fake providers on loopback: one journey
per provider, the browser's side played by hand (each 302 followed, Apple's form posted, a
link's confirmation page continued, the cookies kept)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
import requests

from tests.e2e.conftest import (
    BIN,
    ROOT,
    MailSink,
    Stack,
    _fresh_database,
    free_port,
    gunicorn,
    running,
    wait_ready,
)
from tests.e2e.test_identity_journey import PASSWORD, _signed_in
from tests.support.fake_providers import Person
from tests.support.social import APP_CALLBACK, Browser, ProviderSet, post_form, query_of

PUBLIC_URL = "https://bastion.example"


@dataclass
class Reply:
    """A ``requests`` answer with headers that list every ``Set-Cookie``."""

    status_code: int
    headers: Any
    text: str


@pytest.fixture(scope="module")
def social_stack(
    stack: Stack,
    postgres_url: str,
    fakes: ProviderSet,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """The shared stack's settings plus the three providers, on a database of its own."""
    import subprocess

    log_dir = tmp_path_factory.mktemp("e2e-social-logs")
    env = {
        **stack.env,
        **fakes.environment(),
        "BASTION_DATABASE_URL": _fresh_database(postgres_url, "bastion_e2e_social"),
        "BASTION_INSTANCE_DIR": str(log_dir),
    }
    subprocess.run([str(BIN / "bastion"), "db", "upgrade"], env=env, cwd=ROOT, check=True)
    port = free_port()
    commands = {"api": gunicorn(port), "worker": [str(BIN / "bastion"), "worker"]}
    with running(commands, env, log_dir) as processes:
        base_url = f"http://127.0.0.1:{port}"
        wait_ready(f"{base_url}/readyz", processes["api"])
        yield Stack(base_url, env, processes, log_dir)


def browser(stack: Stack) -> Browser:
    http = requests.Session()

    def send(
        method: str,
        path: str,
        headers: dict[str, str],
        query: dict[str, str],
        form: dict[str, str] | None,
    ) -> Reply:
        answer = http.request(
            method,
            f"{stack.base_url}{path}",
            headers=headers,
            params=query,
            data=form,
            allow_redirects=False,
            timeout=15,
        )
        return Reply(answer.status_code, answer.raw.headers, answer.text)

    return Browser(send, PUBLIC_URL)


def exchange(stack: Stack, location: str) -> dict[str, Any]:
    answer = requests.post(
        stack.url("/auth/oauth/exchange"), json={"code": query_of(location)["code"]}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def amr(tokens: dict[str, Any]) -> list[str]:
    methods: list[str] = jwt.decode(tokens["access_token"], options={"verify_signature": False})[
        "amr"
    ]
    return methods


def test_google_first_sign_in_makes_an_account_and_signs_in_again(
    social_stack: Stack, fakes: ProviderSet
) -> None:
    fakes.google.person = Person(subject="g-e2e-1", email="grace.e2e@example.com")

    tokens = exchange(social_stack, browser(social_stack).sign_in("google"))

    assert amr(tokens) == ["oauth"]
    me = requests.get(social_stack.url("/me"), headers=bearer(tokens), timeout=10).json()
    assert (me["email"], me["email_verified"], me["first_name"]) == (
        "grace.e2e@example.com",
        True,
        "Grace",
    )
    listed = requests.get(social_stack.url("/me/providers"), headers=bearer(tokens), timeout=10)
    assert [i["provider"] for i in listed.json()["items"]] == ["google"]
    again = exchange(social_stack, browser(social_stack).sign_in("google"))
    assert again["user"]["id"] == me["id"]
    password = requests.post(
        social_stack.url("/auth/login"),
        json={"email": "grace.e2e@example.com", "password": PASSWORD},
        timeout=10,
    )
    assert (password.status_code, password.json()["code"]) == (401, "invalid_credentials")


def test_github_links_to_a_password_account_signs_in_and_unlinks(
    social_stack: Stack, fakes: ProviderSet, mail_sink: MailSink
) -> None:
    fakes.github.person = Person(subject="4242", email="octo.e2e@example.com", given_name="Mona")
    address = "social-journey@example.com"
    tokens = _signed_in(social_stack, mail_sink, address)
    started = requests.post(
        social_stack.url("/me/providers/github/link"),
        json={"redirect_uri": APP_CALLBACK, "password": PASSWORD},
        headers=bearer(tokens),
        timeout=10,
    )
    assert started.status_code == 200, started.text
    visitor = browser(social_stack)
    page = visitor.open_link(started.json()["authorization_url"])
    assert "s•••@example.com" in page.text
    action, fields = post_form(page.text)
    forged = browser(social_stack).visit("POST", action, form=fields)  # no page, no cookie
    assert (forged.status_code, json.loads(forged.text)["code"]) == (403, "csrf_failed")
    start = visitor.confirm(page)
    assert start.status_code == 303
    back = visitor.back_to_bastion(visitor.at_provider(start.headers["Location"]))
    assert back.headers["Location"] == f"{APP_CALLBACK}?linked=github"
    assert mail_sink.wait_for(address, r"(Your GitHub account was linked)")

    via_github = exchange(social_stack, browser(social_stack).sign_in("github"))
    assert via_github["user"]["id"] == tokens["user"]["id"]
    removed = requests.delete(
        social_stack.url("/me/providers/github"), headers=bearer(tokens), timeout=10
    )
    assert removed.status_code == 204
    assert mail_sink.wait_for(address, r"(Your GitHub account was unlinked)")
    after = exchange(social_stack, browser(social_stack).sign_in("github"))
    assert after["user"]["id"] != tokens["user"]["id"]  # unlinked: a new account, not the old


def test_apple_posts_its_answer_and_names_come_the_first_time_only(
    social_stack: Stack, fakes: ProviderSet
) -> None:
    fakes.apple.person = Person(
        subject="001234.apple.e2e", email="relay.e2e@privaterelay.example", first_time=True
    )

    first = exchange(social_stack, browser(social_stack).sign_in("apple"))
    fakes.apple.person.first_time = False
    second = exchange(social_stack, browser(social_stack).sign_in("apple"))

    assert amr(first) == ["oauth"]
    assert (first["user"]["first_name"], first["user"]["last_name"]) == ("Grace", "Hopper")
    assert second["user"]["id"] == first["user"]["id"]
    assert second["user"]["first_name"] == "Grace"
