"""Sensitive changes need proof beyond the access token: the password, a current
authenticator code or a backup code (application/common/factor_checks.py ``StepUp``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from application.account.delete_account import DeleteAccountCommand
from application.account.request_email_change import RequestEmailChangeCommand
from application.mfa.backup_codes import RegenerateBackupCodesCommand
from application.mfa.disable import DisableFactorCommand
from application.results import TokenPair
from domain.errors import (
    InvalidCredentialsError,
    InvalidSecondFactorError,
    LoginAttemptExpiredError,
    ProofRequiredError,
    RateLimitedError,
)
from domain.events import EventType
from domain.factors import FactorKind
from tests.use_cases.conftest import (
    WRONG_PASSWORD,
    Account,
    Authenticator,
    Bastion,
    BastionFactory,
)


@dataclass(frozen=True)
class Me:
    """Signed in with the authenticator app; the code that signed in is spent."""

    account: Account
    authenticator: Authenticator
    pair: TokenPair


def _me(bastion: Bastion) -> Me:
    account = bastion.a_user()
    authenticator = bastion.with_totp(account)
    challenge = bastion.challenged(account)
    pair = bastion.second_step(challenge, "totp", bastion.code(authenticator.secret))
    return Me(account, authenticator, pair)


@pytest.fixture
def me(bastion: Bastion) -> Me:
    return _me(bastion)


Change = Callable[[Bastion, Me, str | None, str | None], object]
"""A sensitive change, made with a password and/or a code."""


def _delete_account(bastion: Bastion, me: Me, password: str | None, code: str | None) -> object:
    return bastion.container.delete_account()(DeleteAccountCommand(me.account.id, password, code))


def _change_email(bastion: Bastion, me: Me, password: str | None, _code: str | None) -> object:
    command = RequestEmailChangeCommand(
        me.account.id, me.pair.session_id, "ada.new@example.com", password or ""
    )
    return bastion.container.request_email_change()(command)


def _regenerate_backup_codes(
    bastion: Bastion, me: Me, password: str | None, code: str | None
) -> object:
    command = RegenerateBackupCodesCommand(me.account.id, password, code)
    return bastion.container.regenerate_backup_codes()(command)


def _disable_totp(bastion: Bastion, me: Me, password: str | None, code: str | None) -> object:
    command = DisableFactorCommand(me.account.id, FactorKind.TOTP, password, code)
    return bastion.container.disable_factor()(command)


CHANGES: dict[str, Change] = {
    "delete_account": _delete_account,
    "change_email": _change_email,
    "regenerate_backup_codes": _regenerate_backup_codes,
    "disable_totp": _disable_totp,
}
CODE_CHANGES = {name: change for name, change in CHANGES.items() if name != "change_email"}
"""Request-email-change takes the password only."""


def _nothing_changed(bastion: Bastion, me: Me) -> None:
    """The account, its session, its authenticator and all ten backup codes are intact,
    and no change was recorded."""
    with bastion.container.uow() as uow:
        assert uow.users.get(me.account.id) is not None
        assert uow.sessions.is_active(me.pair.session_id, bastion.clock.now())
        assert uow.factors.get(me.account.id, FactorKind.TOTP) is not None
        assert uow.backup_codes.count_unused(me.account.id) == len(me.authenticator.backup_codes)
    changes = {
        EventType.EMAIL_CHANGE_REQUESTED,
        EventType.MFA_BACKUP_CODES_REGENERATED,
        EventType.MFA_TOTP_DISABLED,
    }
    assert not [e for e in bastion.events(me.account.id) if e.type in changes]


def _step_up_failures(bastion: Bastion, me: Me) -> list[dict[str, object]]:
    return [dict(e.metadata) for e in bastion.events(me.account.id, EventType.STEP_UP_FAILED)]


@pytest.mark.parametrize("action", CHANGES)
def test_a_change_without_any_proof_is_refused_before_anything_is_judged(
    bastion: Bastion, me: Me, action: str
) -> None:
    with pytest.raises(ProofRequiredError):
        CHANGES[action](bastion, me, None, None)

    _nothing_changed(bastion, me)
    assert _step_up_failures(bastion, me) == []


@pytest.mark.parametrize("action", CHANGES)
def test_a_wrong_password_is_refused_and_its_refusal_outlives_the_rollback(
    bastion: Bastion, me: Me, action: str
) -> None:
    with pytest.raises(InvalidCredentialsError):
        CHANGES[action](bastion, me, WRONG_PASSWORD, None)

    _nothing_changed(bastion, me)
    assert _step_up_failures(bastion, me) == [{"action": action, "reason": "wrong_password"}]


@pytest.mark.parametrize("action", CODE_CHANGES)
def test_a_wrong_code_is_refused_and_recorded_with_the_action(
    bastion: Bastion, me: Me, action: str
) -> None:
    with pytest.raises(InvalidSecondFactorError):
        CODE_CHANGES[action](bastion, me, None, "000000")

    _nothing_changed(bastion, me)
    assert _step_up_failures(bastion, me) == [{"action": action, "reason": "wrong_code"}]


def test_the_code_that_signed_in_cannot_prove_a_change(bastion: Bastion, me: Me) -> None:
    spent = bastion.code(me.authenticator.secret)  # the clock has not moved since sign-in

    with pytest.raises(InvalidSecondFactorError):
        _delete_account(bastion, me, None, spent)

    _nothing_changed(bastion, me)


def test_a_current_code_proves_the_deletion_of_the_account(bastion: Bastion, me: Me) -> None:
    bastion.clock.advance(30)

    _delete_account(bastion, me, None, bastion.code(me.authenticator.secret))

    assert bastion.user(me.account.id) is None
    with bastion.container.uow() as uow:
        [deleted] = uow.events.page(event_type=EventType.ACCOUNT_DELETED, limit=10)
    assert (deleted.user_id, dict(deleted.metadata)) == (None, {"proof": "totp"})


def test_the_password_proves_turning_the_authenticator_off(bastion: Bastion, me: Me) -> None:
    _disable_totp(bastion, me, me.account.password, None)

    [disabled] = bastion.events(me.account.id, EventType.MFA_TOTP_DISABLED)
    assert disabled.metadata == {"proof": "password"}
    with bastion.container.uow() as uow:
        assert uow.factors.list_for_user(me.account.id) == []
        assert uow.backup_codes.count_unused(me.account.id) == 0


def test_a_backup_code_proves_a_new_set_and_the_old_set_dies(bastion: Bastion, me: Me) -> None:
    old = me.authenticator.backup_codes

    fresh = _regenerate_backup_codes(bastion, me, None, old[0])

    assert isinstance(fresh, list)
    assert set(fresh).isdisjoint(old)
    [regenerated] = bastion.events(me.account.id, EventType.MFA_BACKUP_CODES_REGENERATED)
    assert regenerated.metadata == {"proof": "backup_code", "count": len(fresh)}
    with pytest.raises(InvalidSecondFactorError):
        _regenerate_backup_codes(bastion, me, None, old[1])


def test_wrong_guesses_use_up_the_accounts_second_factor_budget(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=1)  # 20 guesses per 15 minutes
    me = _me(bastion)
    for _ in range(20):
        with pytest.raises(InvalidCredentialsError):
            _regenerate_backup_codes(bastion, me, WRONG_PASSWORD, None)

    with pytest.raises(RateLimitedError):
        _regenerate_backup_codes(bastion, me, me.account.password, None)
    challenge = bastion.challenged(me.account)
    bastion.clock.advance(30)
    with pytest.raises(RateLimitedError):  # the sign-in's second step draws on it too
        bastion.second_step(challenge, "totp", bastion.code(me.authenticator.secret))
    assert len(_step_up_failures(bastion, me)) == 20
    _nothing_changed(bastion, me)


def test_a_successful_step_up_refills_the_budget(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    me = _me(bastion)
    for _ in range(19):
        with pytest.raises(InvalidCredentialsError):
            _regenerate_backup_codes(bastion, me, WRONG_PASSWORD, None)

    _regenerate_backup_codes(bastion, me, me.account.password, None)

    for _ in range(20):
        with pytest.raises(InvalidCredentialsError):
            _regenerate_backup_codes(bastion, me, WRONG_PASSWORD, None)


def test_a_successful_step_up_clears_nothing_else(bastion: Bastion, me: Me) -> None:
    """Wrong sign-in codes stay counted, on the account (towards its lock) and on the
    pending sign-in (towards its five tries)."""
    challenge = bastion.challenged(me.account)
    for _ in range(3):
        with pytest.raises(InvalidSecondFactorError):
            bastion.second_step(challenge, "totp", "000000")

    _regenerate_backup_codes(bastion, me, me.account.password, None)

    user = bastion.user(me.account.id)
    assert user is not None
    assert user.failed_mfa_count == 3
    for _ in range(2):
        with pytest.raises(InvalidSecondFactorError):
            bastion.second_step(challenge, "totp", "000000")
    bastion.clock.advance(30)
    with pytest.raises(LoginAttemptExpiredError):
        bastion.second_step(challenge, "totp", bastion.code(me.authenticator.secret))
