"""The Flask app on in-memory adapters, with a recording notifier and a manual clock; and
the fake providers, for the modules that sign in or link through them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from entrypoints.container import Container, build_container
from entrypoints.exports import export_builder
from entrypoints.http.app import create_app
from entrypoints.tasks import task_runner
from tests.support.clock import ManualClock
from tests.support.exports import ManualExportQueue
from tests.support.notifier import RecordingNotifier, RecordingSmsSender
from tests.support.settings import test_settings
from tests.support.social import ProviderSet
from tests.support.tasks import InlineTasks

PASSWORD = "correct horse battery staple"


@dataclass
class Bastion:
    app: Flask
    client: FlaskClient
    container: Container
    mail: RecordingNotifier
    clock: ManualClock
    sms: RecordingSmsSender
    tasks: InlineTasks
    exports: ManualExportQueue

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def register(self, email: str, password: str = PASSWORD, **names: str) -> Any:
        body = {"email": email, "password": password, "first_name": "Ada", "last_name": "Byron"}
        return self.call("POST", "/auth/register", json={**body, **names})

    def verified_user(self, email: str, password: str = PASSWORD) -> None:
        assert self.register(email, password).status_code == 202
        code = self.mail.last_code(email.lower())
        assert (
            self.call("POST", "/auth/email/verify", json={"email": email, "code": code}).status_code
            == 200
        )

    def log_in(self, email: str, password: str = PASSWORD, **kwargs: Any) -> Any:
        return self.call(
            "POST", "/auth/login", json={"email": email, "password": password}, **kwargs
        )

    def signed_in(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        self.verified_user(email, password)
        response = self.log_in(email, password)
        assert response.status_code == 200, response.json
        tokens: dict[str, Any] = response.json
        return tokens

    def enable_totp(self, token: str) -> tuple[str, list[str]]:
        """Turn the authenticator app on; returns its secret and the backup codes."""
        secret = self.call("POST", "/me/mfa/totp/setup", token=token).json["secret"]
        code = pyotp.TOTP(secret).at(self.clock.now())
        confirm = self.call("POST", "/me/mfa/totp/confirm", token=token, json={"code": code})
        assert confirm.status_code == 200, confirm.json
        return secret, confirm.json["backup_codes"]

    def events(self, user_id: str) -> list[str]:
        from uuid import UUID

        with self.container.uow() as uow:
            return [e.type.value for e in uow.events.list_for_user(UUID(user_id), limit=500)]


BastionFactory = Callable[..., Bastion]


@pytest.fixture
def make_bastion(tmp_path: Path) -> Iterator[BastionFactory]:
    containers: list[Container] = []

    def make(store: str = "memory", **overrides: Any) -> Bastion:
        settings = test_settings(tmp_path, **overrides)
        container = build_container(settings, store=store, ephemeral="memory")  # type: ignore[arg-type]
        mail, clock = RecordingNotifier(), ManualClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
        container.notifier.override(mail)
        sms = RecordingSmsSender()
        container.sms_sender.override(sms)
        tasks = InlineTasks(task_runner(container))
        container.background_tasks.override(tasks)
        exports = ManualExportQueue(export_builder(container))
        container.export_queue.override(exports)
        container.clock.override(clock)
        if store == "sql":
            container.migrate()
        app = create_app(settings, container)
        app.testing = True
        containers.append(container)
        return Bastion(app, app.test_client(), container, mail, clock, sms, tasks, exports)

    yield make
    for container in containers:
        container.reset_singletons()


@pytest.fixture
def bastion(make_bastion: BastionFactory) -> Bastion:
    return make_bastion()


@pytest.fixture
def social(make_bastion: BastionFactory, fakes: ProviderSet) -> Bastion:
    """Bastion with all three providers pointed at the fakes."""
    fakes.reset()
    return make_bastion(**fakes.settings())
