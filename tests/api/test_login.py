"""Password sign-in: enumeration, account states, throttling, sessions and events."""

from __future__ import annotations

import jwt

from tests.api.conftest import PASSWORD, Bastion, BastionFactory

VOLATILE = ("X-Request-ID", "Date")


def _comparable(response: object) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k not in VOLATILE}  # type: ignore[attr-defined]
    return response.status_code, response.get_data(), headers  # type: ignore[attr-defined]


def test_unknown_email_and_wrong_password_look_identical(bastion: Bastion) -> None:
    bastion.verified_user("ada@example.com")
    unknown = bastion.log_in("nobody@example.com", "wrong wrong wrong wrong")
    wrong = bastion.log_in("ada@example.com", "wrong wrong wrong wrong")
    assert unknown.status_code == 401
    assert unknown.json["code"] == "invalid_credentials"
    assert _comparable(unknown) == _comparable(wrong)


def test_unverified_and_disabled_accounts_are_told_only_after_a_correct_password(
    bastion: Bastion,
) -> None:
    bastion.register("pending@example.com")
    assert bastion.log_in("pending@example.com", "wrong wrong wrong wrong").status_code == 401
    refused = bastion.log_in("pending@example.com")
    assert (refused.status_code, refused.json["code"]) == (403, "email_not_verified")


def test_login_issues_tokens_with_exactly_the_documented_claims(bastion: Bastion) -> None:
    tokens = bastion.signed_in("ada@example.com")
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert set(claims) == {
        "iss",
        "sub",
        "aud",
        "exp",
        "nbf",
        "iat",
        "jti",
        "sid",
        "user_id",
        "user_email",
        "role",
        "amr",
    }
    assert claims["amr"] == ["pwd"]
    assert claims["sid"] == tokens["session_id"]
    assert claims["exp"] - claims["iat"] == 900
    assert jwt.get_unverified_header(tokens["access_token"])["alg"] == "HS256"


def test_login_updates_last_login_and_records_session_and_events(bastion: Bastion) -> None:
    tokens = bastion.signed_in("ada@example.com")
    me = bastion.call("GET", "/me", token=tokens["access_token"]).json
    assert me["last_login_at"].endswith("Z")
    assert bastion.events(me["id"])[:2] == ["login.succeeded", "session.created"]
    channels = [channel for channel, _ in bastion.container.publisher().messages]
    assert "session:created" in channels


def test_failed_logins_slow_the_attacker_down_but_not_the_owner(
    make_bastion: BastionFactory,
) -> None:
    from application.common.throttle import LIMITS, Rule

    bastion = make_bastion(rate_limit_scale=1)
    bastion.verified_user("ada@example.com")
    attacker = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    owner = {"environ_base": {"REMOTE_ADDR": "192.0.2.10"}}
    capacity = LIMITS[Rule.LOGIN_FAILURES].capacity
    statuses = [
        bastion.log_in("ada@example.com", "wrong wrong wrong wrong", **attacker).status_code
        for _ in range(capacity + 1)
    ]
    assert statuses == [401] * capacity + [429]
    blocked = bastion.log_in("ada@example.com", PASSWORD, **attacker)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    assert bastion.log_in("ada@example.com", PASSWORD, **owner).status_code == 200


def test_the_hard_cap_on_consecutive_failures_needs_a_password_reset(bastion: Bastion) -> None:
    from domain.users import MAX_CONSECUTIVE_LOGIN_FAILURES

    bastion.verified_user("ada@example.com")
    for n in range(MAX_CONSECUTIVE_LOGIN_FAILURES):
        spread = {"environ_base": {"REMOTE_ADDR": f"203.0.113.{n % 250}"}}
        assert (
            bastion.log_in("ada@example.com", "wrong wrong wrong wrong", **spread).status_code
            == 401
        )
    locked = bastion.log_in("ada@example.com")
    assert (locked.status_code, locked.json["code"]) == (403, "account_locked")
    assert bastion.log_in("ada@example.com", "wrong wrong wrong wrong").status_code == 401

    bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    token = bastion.mail.last_reset_token("ada@example.com")
    reset = {"token": token, "new_password": "a brand new passphrase for ada"}
    assert bastion.call("POST", "/auth/password/reset", json=reset).status_code == 204
    assert bastion.log_in("ada@example.com", "a brand new passphrase for ada").status_code == 200


def test_failed_login_is_recorded_with_the_user_when_known(bastion: Bastion) -> None:
    tokens = bastion.signed_in("ada@example.com")
    bastion.log_in("ada@example.com", "wrong wrong wrong wrong")
    assert bastion.events(tokens["user"]["id"])[0] == "login.failed"


def test_changing_the_bcrypt_cost_rehashes_on_the_next_login(make_bastion: BastionFactory) -> None:
    first = make_bastion(bcrypt_rounds=4)
    first.verified_user("ada@example.com")
    user_id = first.log_in("ada@example.com").json["user"]["id"]
    stronger = make_bastion(bcrypt_rounds=5)
    stronger.container.memory_database.override(first.container.memory_database())
    stronger.container.notifier.override(first.mail)
    assert stronger.log_in("ada@example.com").status_code == 200
    from uuid import UUID

    with stronger.container.uow() as uow:
        user = uow.users.get(UUID(user_id))
    assert user is not None
    assert user.password is not None
    assert user.password.value.startswith("$2b$05$")


def test_login_works_on_sqlite_too(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(store="sql")
    tokens = bastion.signed_in("ada@example.com")
    assert bastion.call("GET", "/me", token=tokens["access_token"]).status_code == 200


def test_a_refused_sign_in_after_a_correct_password_is_logged(bastion: Bastion) -> None:
    bastion.register("pending@example.com")
    assert bastion.log_in("pending@example.com").status_code == 403
    from domain.values import EmailAddress

    with bastion.container.uow() as uow:
        user = uow.users.get_by_email(EmailAddress.parse("pending@example.com"))
        assert user is not None
        events = uow.events.list_for_user(user.id, limit=10)
    assert events[0].type.value == "login.failed"
    assert events[0].metadata == {"reason": "email_not_verified"}


def test_a_success_clears_the_failure_count_and_the_attackers_bucket(
    make_bastion: BastionFactory,
) -> None:
    from application.common.throttle import LIMITS, Rule
    from domain.values import EmailAddress

    bastion = make_bastion(rate_limit_scale=1)
    bastion.verified_user("ada@example.com")
    here = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    for _ in range(LIMITS[Rule.LOGIN_FAILURES].capacity - 1):
        assert (
            bastion.log_in("ada@example.com", "wrong wrong wrong wrong", **here).status_code == 401
        )
    assert bastion.log_in("ada@example.com", **here).status_code == 200
    with bastion.container.uow() as uow:
        user = uow.users.get_by_email(EmailAddress.parse("ada@example.com"))
    assert user is not None
    assert user.failed_login_count == 0
    statuses = [
        bastion.log_in("ada@example.com", "wrong wrong wrong wrong", **here).status_code
        for _ in range(LIMITS[Rule.LOGIN_FAILURES].capacity)
    ]
    assert statuses == [401] * LIMITS[Rule.LOGIN_FAILURES].capacity
