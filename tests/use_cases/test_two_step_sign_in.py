"""Sign-in with a second factor: the password yields a challenge, a code completes it
(application/auth/log_in.py, complete_mfa_login.py, common/login_attempts.py)."""

from __future__ import annotations

import pytest

from application.common.login_attempts import LOGIN_ATTEMPT_TTL, MAX_TRIES
from application.results import MfaChallenge
from domain.errors import (
    InvalidSecondFactorError,
    LoginAttemptExpiredError,
    MfaMethodUnavailableError,
)
from domain.events import EventType
from domain.sessions import AuthMethod, VerificationStatus
from tests.use_cases.conftest import Account, Authenticator, Bastion


@pytest.fixture
def account(bastion: Bastion) -> Account:
    return bastion.a_user()


@pytest.fixture
def authenticator(bastion: Bastion, account: Account) -> Authenticator:
    return bastion.with_totp(account)


def _active_sessions(bastion: Bastion, account: Account) -> int:
    with bastion.container.uow() as uow:
        return len(uow.sessions.list_active(account.id, bastion.clock.now()))


def test_the_right_password_yields_a_challenge_and_no_session(
    bastion: Bastion, account: Account, authenticator: Authenticator
) -> None:
    outcome = bastion.log_in(account)

    assert isinstance(outcome, MfaChallenge)
    assert outcome.methods == ("totp", "backup_code")
    assert outcome.expires_in == LOGIN_ATTEMPT_TTL
    assert _active_sessions(bastion, account) == 0
    [challenged] = bastion.events(account.id, EventType.LOGIN_MFA_CHALLENGED)
    assert challenged.metadata == {"methods": "totp,backup_code"}


def test_the_current_code_completes_the_sign_in_with_password_and_otp(
    bastion: Bastion, account: Account, authenticator: Authenticator
) -> None:
    challenge = bastion.challenged(account)

    pair = bastion.second_step(challenge, "totp", bastion.code(authenticator.secret))

    assert bastion.authenticate(pair.access_token).methods == ("pwd", "otp")
    session = bastion.session(pair.session_id)
    assert session.methods == (AuthMethod.PASSWORD, AuthMethod.OTP)
    assert session.verification is VerificationStatus.VERIFIED
    [succeeded] = bastion.events(account.id, EventType.LOGIN_SUCCEEDED)
    assert succeeded.metadata["method"] == "pwd+otp"


def test_a_wrong_code_is_refused_and_recorded_and_the_right_one_still_works(
    bastion: Bastion, account: Account, authenticator: Authenticator
) -> None:
    challenge = bastion.challenged(account)

    with pytest.raises(InvalidSecondFactorError):
        bastion.second_step(challenge, "totp", "000000")

    [failed] = bastion.events(account.id, EventType.LOGIN_MFA_FAILED)
    assert failed.metadata == {"method": "totp", "reason": "wrong_code"}
    assert _active_sessions(bastion, account) == 0
    assert bastion.second_step(challenge, "totp", bastion.code(authenticator.secret))


def test_a_code_already_accepted_is_refused_as_a_replay(
    bastion: Bastion, account: Account, authenticator: Authenticator
) -> None:
    code = bastion.code(authenticator.secret)
    bastion.second_step(bastion.challenged(account), "totp", code)

    with pytest.raises(InvalidSecondFactorError):
        bastion.second_step(bastion.challenged(account), "totp", code)

    [failed] = bastion.events(account.id, EventType.LOGIN_MFA_FAILED)
    assert failed.metadata == {"method": "totp", "reason": "replay"}
    assert _active_sessions(bastion, account) == 1


def test_the_login_token_completes_one_sign_in_only(
    bastion: Bastion, account: Account, authenticator: Authenticator
) -> None:
    challenge = bastion.challenged(account)
    bastion.second_step(challenge, "totp", bastion.code(authenticator.secret))
    bastion.clock.advance(30)

    with pytest.raises(LoginAttemptExpiredError):
        bastion.second_step(challenge, "totp", bastion.code(authenticator.secret))
    assert _active_sessions(bastion, account) == 1


def test_the_login_token_dies_after_five_minutes(
    bastion: Bastion, account: Account, authenticator: Authenticator
) -> None:
    challenge = bastion.challenged(account)
    bastion.clock.advance(LOGIN_ATTEMPT_TTL)

    with pytest.raises(LoginAttemptExpiredError):
        bastion.second_step(challenge, "totp", bastion.code(authenticator.secret))
    assert _active_sessions(bastion, account) == 0


def test_past_five_tries_even_the_right_code_is_refused(
    bastion: Bastion, account: Account, authenticator: Authenticator
) -> None:
    challenge = bastion.challenged(account)
    for _ in range(MAX_TRIES):
        with pytest.raises(InvalidSecondFactorError):
            bastion.second_step(challenge, "totp", "000000")

    with pytest.raises(LoginAttemptExpiredError):
        bastion.second_step(challenge, "totp", bastion.code(authenticator.secret))


def test_a_backup_code_signs_in_once(
    bastion: Bastion, account: Account, authenticator: Authenticator
) -> None:
    backup = authenticator.backup_codes[0]

    pair = bastion.second_step(bastion.challenged(account), "backup_code", backup.lower())

    assert bastion.authenticate(pair.access_token).methods == ("pwd", "backup")
    [used] = bastion.events(account.id, EventType.MFA_BACKUP_CODE_USED)
    assert used.metadata == {"codes_left": len(authenticator.backup_codes) - 1}
    with pytest.raises(InvalidSecondFactorError):
        bastion.second_step(bastion.challenged(account), "backup_code", backup)


def test_a_method_the_user_does_not_have_is_refused_without_judging(
    bastion: Bastion, account: Account, authenticator: Authenticator
) -> None:
    challenge = bastion.challenged(account)

    with pytest.raises(MfaMethodUnavailableError):
        bastion.second_step(challenge, "sms", "123456")

    assert bastion.events(account.id, EventType.LOGIN_MFA_FAILED) == []
    assert bastion.second_step(challenge, "totp", bastion.code(authenticator.secret))
