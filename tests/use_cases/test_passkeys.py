"""Passkeys through the use cases on the in-memory container, with a software authenticator:
registration, passwordless sign-in, the second step, the counter, management."""

from __future__ import annotations

from dataclasses import replace

import pytest

from application.auth.complete_mfa_login import CompleteMfaLoginCommand
from application.auth.sign_in_with_passkey import SignInWithPasskeyCommand
from application.auth.start_passkey_sign_in import StartPasskeySignInCommand
from application.passkeys.add_passkey import AddPasskeyCommand
from application.passkeys.remove_passkey import RemovePasskeyCommand
from application.passkeys.rename_passkey import RenamePasskeyCommand
from application.ports.messaging import NoticeKind
from application.results import MfaChallenge, PasskeySignInOptions, PasskeyView, TokenPair
from domain.errors import (
    InvalidCredentialsError,
    InvalidPasskeyCredentialError,
    LastLoginMethodError,
    NotFoundError,
    PasskeyExistsError,
)
from domain.events import EventType
from domain.passkeys import USER_HANDLE_BYTES
from domain.sessions import VerificationStatus
from tests.support.authenticator import SoftAuthenticator, b64, unb64
from tests.use_cases.conftest import LAPTOP, Account, Bastion


def register(
    bastion: Bastion, account: Account, authenticator: SoftAuthenticator | None = None
) -> SoftAuthenticator:
    authenticator = authenticator or SoftAuthenticator()
    options = bastion.container.start_passkey_registration()(account.id)
    command = AddPasskeyCommand(account.id, authenticator.create(options), "Laptop")
    bastion.container.add_passkey()(command)
    return authenticator


def options(bastion: Bastion, **body: str) -> PasskeySignInOptions:
    return bastion.container.start_passkey_sign_in()(StartPasskeySignInCommand(**body))


def passwordless(
    bastion: Bastion, authenticator: SoftAuthenticator, email: str | None = None, **bend: object
) -> TokenPair:
    start = options(bastion, **({"email": email} if email else {}))
    credential = authenticator.get(start.options, **bend)
    command = SignInWithPasskeyCommand(start.login_token, credential, LAPTOP)
    return bastion.container.sign_in_with_passkey()(command)


def test_a_registered_passkey_is_stored_recorded_and_mailed(bastion: Bastion) -> None:
    account = bastion.a_user()
    authenticator = register(bastion, account)

    [view] = bastion.container.list_passkeys()(account.id)
    assert view == PasskeyView(
        id=authenticator.id,
        name="Laptop",
        device_type="multi_device",
        backed_up=True,
        transports=("internal", "hybrid"),
        created_at=bastion.clock.now(),
        last_used_at=None,
    )
    [added] = bastion.events(account.id, EventType.PASSKEY_ADDED)
    assert added.metadata == {"device_type": "multi_device", "backed_up": True}
    assert bastion.mail.to(account.email, NoticeKind.PASSKEY_ADDED)


def test_the_user_handle_is_random_and_the_same_for_every_passkey(bastion: Bastion) -> None:
    account = bastion.a_user()
    first = bastion.container.start_passkey_registration()(account.id)
    register(bastion, account)
    second = bastion.container.start_passkey_registration()(account.id)

    handle = unb64(first["user"]["id"])
    assert len(handle) == USER_HANDLE_BYTES
    assert second["user"]["id"] == first["user"]["id"]
    assert account.id.bytes not in handle
    assert account.email.encode() not in handle
    other = bastion.container.start_passkey_registration()(bastion.a_user("bob@example.com").id)
    assert other["user"]["id"] != first["user"]["id"]


def test_new_options_exclude_the_users_passkeys(bastion: Bastion) -> None:
    account = bastion.a_user()
    authenticator = register(bastion, account)

    creation = bastion.container.start_passkey_registration()(account.id)

    assert [c["id"] for c in creation["excludeCredentials"]] == [authenticator.id]


def test_a_registration_challenge_answers_once(bastion: Bastion) -> None:
    account = bastion.a_user()
    creation = bastion.container.start_passkey_registration()(account.id)
    response = SoftAuthenticator().create(creation)
    bastion.container.add_passkey()(AddPasskeyCommand(account.id, response, "One"))

    with pytest.raises(InvalidPasskeyCredentialError):
        bastion.container.add_passkey()(AddPasskeyCommand(account.id, response, "Again"))
    assert len(bastion.container.list_passkeys()(account.id)) == 1


def test_a_credential_registered_to_one_user_cannot_be_registered_to_another(
    bastion: Bastion,
) -> None:
    ada, bob = bastion.a_user(), bastion.a_user("bob@example.com")
    authenticator = register(bastion, ada)

    creation = bastion.container.start_passkey_registration()(bob.id)
    command = AddPasskeyCommand(bob.id, authenticator.create(creation), "Stolen")
    with pytest.raises(PasskeyExistsError):
        bastion.container.add_passkey()(command)
    assert bastion.container.list_passkeys()(bob.id) == []


def test_a_passkey_alone_signs_in_with_verification_on_a_verified_session(
    bastion: Bastion,
) -> None:
    account = bastion.a_user()
    authenticator = register(bastion, account)

    start = options(bastion, email=account.email)
    assert start.options["userVerification"] == "required"
    assert [c["id"] for c in start.options["allowCredentials"]] == [authenticator.id]
    credential = authenticator.get(start.options)
    pair = bastion.container.sign_in_with_passkey()(
        SignInWithPasskeyCommand(start.login_token, credential, LAPTOP)
    )

    assert bastion.authenticate(pair.access_token).methods == ("passkey",)
    session = bastion.session(pair.session_id)
    assert session.verification is VerificationStatus.VERIFIED
    [used] = bastion.container.list_passkeys()(account.id)
    assert (used.last_used_at, used.backed_up) == (bastion.clock.now(), True)


def test_the_discoverable_flow_finds_the_account_from_the_user_handle(bastion: Bastion) -> None:
    account = bastion.a_user()
    authenticator = register(bastion, account)

    start = options(bastion)
    assert start.options["allowCredentials"] == []
    pair = passwordless(bastion, authenticator)

    assert pair.user.id == account.id


def test_a_user_with_an_authenticator_app_signs_in_with_a_passkey_in_one_step(
    bastion: Bastion,
) -> None:
    account = bastion.a_user()
    bastion.with_totp(account)
    authenticator = register(bastion, account)

    pair = passwordless(bastion, authenticator, account.email)

    assert bastion.authenticate(pair.access_token).methods == ("passkey",)


def test_a_passkey_is_the_second_step_after_a_password(bastion: Bastion) -> None:
    account = bastion.a_user()
    authenticator = register(bastion, account)

    challenge = bastion.log_in(account)
    assert isinstance(challenge, MfaChallenge)
    assert "passkey" in challenge.methods
    start = options(bastion, login_token=challenge.login_token)
    assert start.login_token == challenge.login_token
    assert start.options["userVerification"] == "preferred"
    credential = authenticator.get(start.options, uv=False)
    command = CompleteMfaLoginCommand(
        challenge.login_token, "passkey", "", LAPTOP, credential=credential
    )
    pair = bastion.container.complete_mfa_login()(command)

    assert bastion.authenticate(pair.access_token).methods == ("pwd", "passkey")


def test_a_rewound_counter_is_refused_and_recorded(bastion: Bastion) -> None:
    account = bastion.a_user()
    authenticator = register(bastion, account, SoftAuthenticator(counter=10))
    passwordless(bastion, authenticator, account.email)

    with pytest.raises(InvalidCredentialsError):
        passwordless(bastion, authenticator, account.email, counter=5)
    [regression] = bastion.events(account.id, EventType.PASSKEY_COUNTER_REGRESSION)
    assert regression.metadata == {"flow": "passwordless"}
    [stored] = bastion.container.list_passkeys()(account.id)
    assert stored.last_used_at is not None


def test_synced_passkeys_that_report_no_counter_keep_working(bastion: Bastion) -> None:
    account = bastion.a_user()
    authenticator = register(bastion, account, SoftAuthenticator(counting=False))

    for _ in range(3):
        passwordless(bastion, authenticator, account.email)

    assert bastion.events(account.id, EventType.PASSKEY_COUNTER_REGRESSION) == []


def test_unknown_emails_get_stable_decoys_shaped_like_real_options(bastion: Bastion) -> None:
    account = bastion.a_user()
    register(bastion, account)

    real = options(bastion, email=account.email).options
    first = options(bastion, email="nobody@example.com").options
    again = options(bastion, email="NOBODY@example.com").options
    without = options(bastion, email=bastion.a_user("bob@example.com").email).options

    assert set(first) == set(real)
    assert first["allowCredentials"] == again["allowCredentials"]
    assert 1 <= len(first["allowCredentials"]) <= 2
    assert without["allowCredentials"] != first["allowCredentials"]
    assert first["challenge"] != again["challenge"]


def test_a_passkey_cannot_sign_in_for_an_email_it_does_not_belong_to(bastion: Bastion) -> None:
    ada, bob = bastion.a_user(), bastion.a_user("bob@example.com")
    register(bastion, bob)
    authenticator = register(bastion, ada)

    with pytest.raises(InvalidCredentialsError):
        passwordless(bastion, authenticator, bob.email)
    with pytest.raises(InvalidCredentialsError):
        passwordless(bastion, authenticator, "nobody@example.com")


def test_renaming_and_removing_are_the_owners_alone(bastion: Bastion) -> None:
    ada, bob = bastion.a_user(), bastion.a_user("bob@example.com")
    authenticator = register(bastion, ada)

    with pytest.raises(NotFoundError):
        bastion.container.rename_passkey()(RenamePasskeyCommand(bob.id, authenticator.id, "Mine"))
    with pytest.raises(NotFoundError):
        bastion.container.remove_passkey()(RemovePasskeyCommand(bob.id, authenticator.id))
    renamed = bastion.container.rename_passkey()(
        RenamePasskeyCommand(ada.id, authenticator.id, " Phone ")
    )
    assert renamed.name == "Phone"

    bastion.container.remove_passkey()(RemovePasskeyCommand(ada.id, authenticator.id))
    assert bastion.container.list_passkeys()(ada.id) == []
    assert bastion.events(ada.id, EventType.PASSKEY_REMOVED)
    assert bastion.mail.to(ada.email, NoticeKind.PASSKEY_REMOVED)
    with pytest.raises(InvalidCredentialsError):
        passwordless(bastion, authenticator, ada.email)


def test_the_last_way_to_sign_in_cannot_be_removed(bastion: Bastion) -> None:
    account = bastion.a_user()
    first, second = register(bastion, account), register(bastion, account)
    with bastion.container.uow() as uow:  # an account without a password
        user = uow.users.get(account.id)
        assert user is not None
        uow.users.save(replace(user, password=None))
        uow.commit()

    bastion.container.remove_passkey()(RemovePasskeyCommand(account.id, first.id))
    with pytest.raises(LastLoginMethodError):
        bastion.container.remove_passkey()(RemovePasskeyCommand(account.id, second.id))
    assert [p.id for p in bastion.container.list_passkeys()(account.id)] == [second.id]


def test_an_id_that_is_no_credential_id_is_not_found(bastion: Bastion) -> None:
    account = bastion.a_user()
    for junk in ("", "!!!", b64(b"x" * 1024)):
        with pytest.raises(NotFoundError):
            bastion.container.remove_passkey()(RemovePasskeyCommand(account.id, junk))


def test_a_passkey_counts_as_the_second_factor_of_the_trust_score(bastion: Bastion) -> None:
    account = bastion.a_user()
    authenticator = register(bastion, account)

    first = passwordless(bastion, authenticator, account.email)
    second = passwordless(bastion, authenticator, account.email)

    # baseline 40, +20 for the passkey; the second sign-in's device and network are known
    assert bastion.session(first.session_id).trust_score == 40 + 20
    assert bastion.session(second.session_id).trust_score == 40 + 25 + 15 + 20
