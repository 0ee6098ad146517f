"""The use cases on the in-memory container, called through its providers: no Flask.

``make_bastion(**settings)`` builds a container with a manual clock, recording mail and
SMS, inline background tasks and a hand-drained export queue; ``bastion`` is one with
the test settings. Its builders (``a_user``, ``signed_in``, ``with_totp``...) make the
state a test starts from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest

from application.auth.complete_mfa_login import CompleteMfaLoginCommand
from application.auth.log_in import LogInCommand
from application.auth.refresh_session import RefreshSessionCommand
from application.auth.register_user import RegisterUserCommand
from application.auth.verify_email import VerifyEmailCommand
from application.common.client import ClientContext
from application.mfa.confirm_totp import ConfirmTotpCommand
from application.ports.persistence import UnitOfWork
from application.ports.security import PasswordBlocklist
from application.results import MfaChallenge, Principal, TokenPair
from application.sessions.authenticate import AuthenticateCommand
from domain.events import AccountEvent, EventType
from domain.ids import SessionId, UserId
from domain.sessions import DeviceSession
from domain.users import User
from entrypoints.container import Container, build_container
from entrypoints.exports import export_builder
from entrypoints.tasks import task_runner
from tests.support.clock import ManualClock
from tests.support.exports import ManualExportQueue
from tests.support.notifier import RecordingNotifier, RecordingSmsSender
from tests.support.settings import test_settings
from tests.support.tasks import InlineTasks

PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "not the password at all"
LAPTOP = ClientContext(ip="203.0.113.7", user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")


@dataclass(frozen=True)
class Account:
    id: UserId
    email: str
    password: str = PASSWORD


@dataclass(frozen=True)
class Authenticator:
    secret: str
    backup_codes: list[str]


@dataclass
class Bastion:
    container: Container
    clock: ManualClock
    mail: RecordingNotifier
    sms: RecordingSmsSender
    exports: ManualExportQueue

    # --- builders --------------------------------------------------------------------
    def a_user(self, email: str = "ada@example.com", password: str = PASSWORD) -> Account:
        """Registered and verified, not signed in."""
        self.container.register_user()(RegisterUserCommand(email, password, "Ada", "Byron"))
        code = self.mail.last_code(email)
        profile = self.container.verify_email()(VerifyEmailCommand(email, code))
        return Account(profile.id, email, password)

    def signed_in(self, account: Account) -> TokenPair:
        outcome = self.log_in(account)
        assert isinstance(outcome, TokenPair), outcome
        return outcome

    def with_totp(self, account: Account) -> Authenticator:
        """The authenticator app turned on. The clock then moves to the next 30-second
        step: the confirming code's step is spent, so sign-ins need a newer one."""
        secret = self.container.start_totp_setup()(account.id).secret
        codes = self.container.confirm_totp()(ConfirmTotpCommand(account.id, self.code(secret)))
        self.clock.advance(30)
        return Authenticator(secret, codes)

    def challenged(self, account: Account) -> MfaChallenge:
        outcome = self.log_in(account)
        assert isinstance(outcome, MfaChallenge), outcome
        return outcome

    # --- use cases, briefly ----------------------------------------------------------
    def log_in(self, account: Account, password: str | None = None) -> TokenPair | MfaChallenge:
        command = LogInCommand(account.email, password or account.password, LAPTOP)
        return self.container.log_in()(command)

    def second_step(self, challenge: MfaChallenge, method: str, code: str) -> TokenPair:
        command = CompleteMfaLoginCommand(challenge.login_token, method, code, LAPTOP)
        return self.container.complete_mfa_login()(command)

    def refresh(self, refresh_token: str) -> TokenPair:
        return self.container.refresh_session()(RefreshSessionCommand(refresh_token))

    def authenticate(self, access_token: str) -> Principal:
        return self.container.authenticate()(AuthenticateCommand(access_token))

    def code(self, secret: str) -> str:
        """The authenticator app's code now."""
        return pyotp.TOTP(secret).at(self.clock.now())

    # --- what is stored --------------------------------------------------------------
    def user(self, user_id: UserId) -> User | None:
        uow: UnitOfWork
        with self.container.uow() as uow:
            return uow.users.get(user_id)

    def session(self, session_id: SessionId) -> DeviceSession:
        uow: UnitOfWork
        with self.container.uow() as uow:
            session = uow.sessions.get(session_id)
        assert session is not None
        return session

    def events(self, user_id: UserId, kind: EventType | None = None) -> list[AccountEvent]:
        """Newest first."""
        with self.container.uow() as uow:
            found = uow.events.list_for_user(user_id, limit=500)
        return [event for event in found if kind is None or event.type is kind]


BastionFactory = Callable[..., Bastion]


@pytest.fixture(scope="session")
def password_blocklist(tmp_path_factory: pytest.TempPathFactory) -> PasswordBlocklist:
    """The shipped password lists, read once for the whole run: reading them is most of
    what building a container costs, and they never change."""
    container = build_container(
        test_settings(tmp_path_factory.mktemp("blocklist")), store="memory", ephemeral="memory"
    )
    blocklist: PasswordBlocklist = container.blocklist()
    blocklist.reason("")  # the lists are read on first use
    return blocklist


@pytest.fixture
def make_bastion(tmp_path: Path, password_blocklist: PasswordBlocklist) -> Iterator[BastionFactory]:
    containers: list[Container] = []

    def make(**overrides: Any) -> Bastion:
        container = build_container(
            test_settings(tmp_path, **overrides), store="memory", ephemeral="memory"
        )
        clock = ManualClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
        mail, sms = RecordingNotifier(), RecordingSmsSender()
        exports = ManualExportQueue(export_builder(container))
        container.clock.override(clock)
        container.blocklist.override(password_blocklist)
        container.notifier.override(mail)
        container.sms_sender.override(sms)
        container.background_tasks.override(InlineTasks(task_runner(container)))
        container.export_queue.override(exports)
        containers.append(container)
        return Bastion(container, clock, mail, sms, exports)

    yield make
    for container in containers:
        container.reset_singletons()


@pytest.fixture
def bastion(make_bastion: BastionFactory) -> Bastion:
    return make_bastion()
