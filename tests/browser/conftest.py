"""The account console in a real browser: Playwright driving Debian's Chromium
(``/usr/bin/chromium``, installed by ``scripts/test``; Playwright's own browser downloads
are never used) against the production-shaped stack of the e2e tests, gunicorn + an RQ
worker + PostgreSQL + Redis + the SMTP and SMS sinks, served on ``localhost`` so that
passkeys work (a secure context, the relying party ``localhost``).

Every test takes screenshots of the pages it passes through into one folder:
``$BASTION_SCREENSHOTS`` when set, else ``screenshots/`` under pytest's base temporary
directory. Without Chromium the tests skip locally and fail in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.e2e.conftest import (
    BIN,
    ROOT,
    MailSink,
    SmsSink,
    _fresh_database,
    free_port,
    gunicorn,
    mail_sink,
    running,
    sms_sink,
    wait_ready,
)
from tests.support.settings import TEST_SECRETS
from tests.support.social import ProviderSet

__all__ = ["mail_sink", "sms_sink"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # this machine reaches no outside host: no retries
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@dataclass
class Console:
    """The running stack as the browser tests see it."""

    base_url: str
    env: dict[str, str]
    mail: MailSink
    sms: SmsSink
    screenshots: Path
    taken: list[Path] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(
            method, f"{self.base_url}/api/v1{path}", headers=headers, timeout=10, **kwargs
        )

    def mailed_code(self, email: str) -> str:
        return self.mail.wait_for(email, r"code is: (\d{6})")

    def registered(self, email: str) -> None:
        """An account made through the API, verified with the mailed code: the start of
        every journey but the one that signs up through the pages."""
        names = {"first_name": "Grace", "last_name": "Hopper"}
        body = {"email": email, "password": PASSWORD, **names}
        assert self.api("POST", "/auth/register", json=body).status_code == 202
        verify = {"email": email, "code": self.mailed_code(email)}
        assert self.api("POST", "/auth/email/verify", json=verify).status_code == 200

    def make_admin(self, email: str) -> None:
        subprocess.run(
            [str(BIN / "bastion"), "users", "create-admin", email, "--password-stdin"],
            input=f"{PASSWORD}\n".encode(),
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )

    def shot(self, page: Page, name: str) -> None:
        """A full-page screenshot, numbered in the order taken."""
        page.wait_for_load_state("load")
        path = self.screenshots / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        self.taken.append(path)


def sign_in(console: Console, page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto(console.url("/account/sign-in"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def chromium_path() -> str:
    if shutil.which(CHROMIUM) is None:
        message = f"{CHROMIUM} is missing: scripts/test installs Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def console(
    postgres_url: str,
    redis_url: str,
    mail_sink: MailSink,
    sms_sink: SmsSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Console]:
    """The stack runs for one module and stops before any other test runs: its worker
    and gunicorn never outlive the browser tests."""
    with _stack(postgres_url, redis_url, mail_sink, sms_sink, tmp_path_factory, {}) as found:
        yield found


@pytest.fixture(scope="module")
def social_console(
    postgres_url: str,
    redis_url: str,
    mail_sink: MailSink,
    sms_sink: SmsSink,
    fakes: ProviderSet,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Console]:
    """A stack of its own whose social sign-in uses the fake providers and returns to the
    default allow-list (the console's own callback); the other journeys' pages stay as
    they are without providers."""
    env = {k: v for k, v in fakes.environment().items() if k != "BASTION_REDIRECT_ALLOWLIST"}
    with _stack(postgres_url, redis_url, mail_sink, sms_sink, tmp_path_factory, env) as found:
        yield found


@contextmanager
def _stack(
    postgres_url: str,
    redis_url: str,
    mail_sink: MailSink,
    sms_sink: SmsSink,
    tmp_path_factory: pytest.TempPathFactory,
    extra: dict[str, str],
) -> Iterator[Console]:
    log_dir = tmp_path_factory.mktemp("browser-logs")
    port = free_port()
    base_url = f"http://localhost:{port}"
    env = {
        **os.environ,
        "BASTION_ENV": "test",
        "BASTION_DATABASE_URL": _fresh_database(
            postgres_url, "bastion_browser_social" if extra else "bastion_browser"
        ),
        "BASTION_REDIS_URL": _database_of_its_own(redis_url, 2 if extra else 1),
        "BASTION_SMTP_URL": f"smtp://127.0.0.1:{mail_sink.port}",  # type: ignore[attr-defined]
        "BASTION_SMS_WEBHOOK_URL": sms_sink.url,
        "BASTION_PUBLIC_URL": base_url,
        "BASTION_WEBAUTHN_RP_ID": "localhost",
        "BASTION_WEBAUTHN_ORIGINS": base_url,
        "BASTION_BCRYPT_ROUNDS": "4",
        "BASTION_RATE_LIMIT_SCALE": "1000",
        "BASTION_INSTANCE_DIR": str(log_dir),
        **{f"BASTION_{k.upper()}": v for k, v in TEST_SECRETS.items()},
        **extra,
    }
    subprocess.run([str(BIN / "bastion"), "db", "upgrade"], env=env, cwd=ROOT, check=True)
    commands = {"api": gunicorn(port), "worker": [str(BIN / "bastion"), "worker"]}
    shots = Path(os.environ.get("BASTION_SCREENSHOTS") or tmp_path_factory.getbasetemp())
    shots = shots if os.environ.get("BASTION_SCREENSHOTS") else shots / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with running(commands, env, log_dir) as processes:
        wait_ready(f"http://127.0.0.1:{port}/readyz", processes["api"])
        yield Console(base_url, env, mail_sink, sms_sink, shots)


def _database_of_its_own(redis_url: str, number: int) -> str:
    """Another Redis database on the shared server: this stack's RQ worker must never take
    the jobs (mails) of another stack's API."""
    return urlunsplit(urlsplit(redis_url)._replace(path=f"/{number}"))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    expect.set_options(timeout=15_000)  # a busy 2-core machine, gunicorn and a worker on it
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: its own cookies, nothing carried over."""
    context = chromium.new_context(viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab that accepts every "are you sure?" and fails the test on any script error
    or any breach of the Content-Security-Policy the browser reports."""
    page = context.new_page()
    troubles: list[str] = []
    page.on("dialog", lambda dialog: dialog.accept())
    page.on("pageerror", lambda error: troubles.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            troubles.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    assert troubles == []


def unique(name: str) -> str:
    """An address no other test of this session uses (they share one database)."""
    return f"{name}-{os.urandom(4).hex()}@example.com"


def words(page: Page) -> str:
    return re.sub(r"\s+", " ", page.inner_text("body"))
