"""Second factors through the API: setup, two-step sign-in, step-up, and the attacks on
each (SECURITY MF, TO, SM, BC)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any
from uuid import UUID

import jwt
import pyotp
import pytest

from application.ports.messaging import NoticeKind
from domain.values import EmailAddress
from tests.api.conftest import PASSWORD, Bastion, BastionFactory

EMAIL = "ada@example.com"
PHONE = "+14155552671"


def _auth(bastion: Bastion) -> str:
    token: str = bastion.signed_in(EMAIL)["access_token"]
    return token


def _code(bastion: Bastion, secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(bastion.clock.now() + timedelta(seconds=30 * steps))


def _enable_totp(bastion: Bastion, token: str) -> tuple[str, list[str]]:
    setup = bastion.call("POST", "/me/mfa/totp/setup", token=token)
    assert setup.status_code == 200, setup.json
    secret = setup.json["secret"]
    confirm = bastion.call(
        "POST", "/me/mfa/totp/confirm", token=token, json={"code": _code(bastion, secret)}
    )
    assert confirm.status_code == 200, confirm.json
    bastion.clock.advance(seconds=30)  # the confirming code is spent
    return secret, confirm.json["backup_codes"]


def _challenge(bastion: Bastion, **kwargs: Any) -> dict[str, Any]:
    response = bastion.log_in(EMAIL, **kwargs)
    assert response.status_code == 200, response.json
    body: dict[str, Any] = response.json
    assert body["mfa_required"] is True
    return body


def _second_step(bastion: Bastion, login_token: str, method: str, code: str, **kw: Any) -> Any:
    body = {"login_token": login_token, "method": method, "code": code}
    return bastion.call("POST", "/auth/login/mfa", json=body, **kw)


def _amr(tokens: dict[str, Any]) -> list[str]:
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    amr: list[str] = claims["amr"]
    return amr


def _active_sessions(bastion: Bastion, user_id: str) -> int:
    with bastion.container.uow() as uow:
        return len(uow.sessions.list_active(UUID(user_id), bastion.clock.now()))  # type: ignore[arg-type]


def test_totp_setup_stays_pending_until_a_correct_code_confirms_it(bastion: Bastion) -> None:
    token = _auth(bastion)
    setup = bastion.call("POST", "/me/mfa/totp/setup", token=token).json
    assert len(setup["secret"]) >= 32
    assert setup["otpauth_uri"].startswith("otpauth://totp/Bastion:")
    assert "issuer=Bastion" in setup["otpauth_uri"]
    assert setup["qr_svg"].lstrip().startswith(("<svg", "<?xml"))
    assert "access_token" in bastion.log_in(EMAIL).json  # pending secrets gate nothing

    other = pyotp.TOTP(pyotp.random_base32()).at(bastion.clock.now())
    wrong = bastion.call("POST", "/me/mfa/totp/confirm", token=token, json={"code": other})
    assert (wrong.status_code, wrong.json["code"]) == (400, "invalid_code")
    code = _code(bastion, setup["secret"])
    done = bastion.call("POST", "/me/mfa/totp/confirm", token=token, json={"code": code})
    assert done.status_code == 200
    codes = done.json["backup_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    again = bastion.call("POST", "/me/mfa/totp/confirm", token=token, json={"code": code})
    assert again.status_code == 400

    status = bastion.call("GET", "/me/mfa", token=token).json
    assert status["methods"] == ["totp", "backup_code"]
    assert status["totp_enabled"] is True
    assert status["backup_codes_left"] == 10
    assert setup["secret"] not in str(status)
    assert bastion.mail.to(EMAIL, NoticeKind.MFA_ENABLED)
    assert "mfa.totp_enabled" in bastion.events(_user_id(bastion))


def _user_id(bastion: Bastion) -> str:
    with bastion.container.uow() as uow:
        user = uow.users.get_by_email(EmailAddress.parse(EMAIL))
        assert user is not None
        return str(user.id)


def test_a_second_setup_is_refused_while_the_authenticator_is_on(bastion: Bastion) -> None:
    token = _auth(bastion)
    _enable_totp(bastion, token)
    again = bastion.call("POST", "/me/mfa/totp/setup", token=token)
    assert (again.status_code, again.json["code"]) == (409, "factor_already_enabled")


def test_sign_in_with_totp_takes_two_steps_and_no_session_exists_in_between(
    bastion: Bastion,
) -> None:
    token = _auth(bastion)
    secret, _ = _enable_totp(bastion, token)
    user_id = _user_id(bastion)
    before = _active_sessions(bastion, user_id)

    challenge = _challenge(bastion)
    assert challenge["methods"] == ["totp", "backup_code"]
    assert challenge["expires_in"] == 300
    assert "access_token" not in challenge
    assert _active_sessions(bastion, user_id) == before
    assert "login.mfa_challenged" in bastion.events(user_id)

    done = _second_step(bastion, challenge["login_token"], "totp", _code(bastion, secret))
    assert done.status_code == 200, done.json
    assert _amr(done.json) == ["pwd", "otp"]
    assert _active_sessions(bastion, user_id) == before + 1
    with bastion.container.uow() as uow:
        session = uow.sessions.get(UUID(done.json["session_id"]))  # type: ignore[arg-type]
    assert session is not None
    assert session.verification.value == "verified"
    assert bastion.call("GET", "/me", token=done.json["access_token"]).status_code == 200
    refreshed = bastion.call(
        "POST", "/auth/refresh", json={"refresh_token": done.json["refresh_token"]}
    )
    assert _amr(refreshed.json) == ["pwd", "otp"]


def test_a_totp_code_is_accepted_once_and_older_steps_never_after_it(bastion: Bastion) -> None:
    token = _auth(bastion)
    secret, _ = _enable_totp(bastion, token)
    code = _code(bastion, secret)
    first = _second_step(bastion, _challenge(bastion)["login_token"], "totp", code)
    assert first.status_code == 200
    replay = _second_step(bastion, _challenge(bastion)["login_token"], "totp", code)
    assert (replay.status_code, replay.json["code"]) == (401, "invalid_mfa_code")
    bastion.clock.advance(seconds=30)
    older = _code(bastion, secret, steps=-1)  # still inside the ±1 window, but already used
    assert (
        _second_step(bastion, _challenge(bastion)["login_token"], "totp", older).status_code == 401
    )

    with bastion.container.uow() as uow:
        events = uow.events.list_for_user(UUID(_user_id(bastion)), limit=50)  # type: ignore[arg-type]
    failures = [e for e in events if e.type.value == "login.mfa_failed"]
    assert {e.metadata["reason"] for e in failures} == {"replay"}
    assert all(code not in str(e.metadata) for e in events)


def test_codes_outside_one_step_of_drift_are_refused(bastion: Bastion) -> None:
    token = _auth(bastion)
    secret, _ = _enable_totp(bastion, token)
    bastion.clock.advance(seconds=120)
    for steps in (-2, 2):
        attempt = _challenge(bastion)["login_token"]
        assert (
            _second_step(bastion, attempt, "totp", _code(bastion, secret, steps)).status_code == 401
        )
    attempt = _challenge(bastion)["login_token"]
    assert _second_step(bastion, attempt, "totp", _code(bastion, secret, 1)).status_code == 200


def test_the_login_token_is_single_use_short_lived_and_no_bearer_credential(
    bastion: Bastion,
) -> None:
    token = _auth(bastion)
    secret, _ = _enable_totp(bastion, token)
    login_token = _challenge(bastion)["login_token"]
    assert bastion.call("GET", "/me", token=login_token).status_code == 401
    assert _second_step(bastion, login_token, "totp", _code(bastion, secret)).status_code == 200
    bastion.clock.advance(seconds=30)
    reused = _second_step(bastion, login_token, "totp", _code(bastion, secret))
    assert (reused.status_code, reused.json["code"]) == (401, "invalid_login_token")

    expired = _challenge(bastion)["login_token"]
    bastion.clock.advance(seconds=301)
    late = _second_step(bastion, expired, "totp", _code(bastion, secret))
    assert (late.status_code, late.json["code"]) == (401, "invalid_login_token")


def test_the_sixth_try_kills_the_attempt_even_with_the_right_code(bastion: Bastion) -> None:
    token = _auth(bastion)
    secret, _ = _enable_totp(bastion, token)
    login_token = _challenge(bastion)["login_token"]
    for _ in range(5):
        assert _second_step(bastion, login_token, "totp", "000000").status_code == 401
    dead = _second_step(bastion, login_token, "totp", _code(bastion, secret))
    assert (dead.status_code, dead.json["code"]) == (401, "invalid_login_token")


def test_guesses_are_capped_per_account_across_new_login_tokens(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    token = _auth(bastion)
    secret, _ = _enable_totp(bastion, token)
    statuses: list[int] = []
    for _ in range(5):
        login_token = _challenge(bastion)["login_token"]
        statuses += [
            _second_step(bastion, login_token, "totp", "000000").status_code for _ in range(5)
        ]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    blocked = _second_step(
        bastion, _challenge(bastion)["login_token"], "totp", _code(bastion, secret)
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1


def test_a_backup_code_signs_in_once_in_any_spelling(bastion: Bastion) -> None:
    token = _auth(bastion)
    _, codes = _enable_totp(bastion, token)
    spelled = " " + codes[0].lower().replace("-", " ") + " "
    done = _second_step(bastion, _challenge(bastion)["login_token"], "backup_code", spelled)
    assert done.status_code == 200, done.json
    assert _amr(done.json) == ["pwd", "backup"]
    again = _second_step(bastion, _challenge(bastion)["login_token"], "backup_code", codes[0])
    assert again.status_code == 401
    assert bastion.call("GET", "/me/mfa", token=token).json["backup_codes_left"] == 9
    assert bastion.mail.to(EMAIL, NoticeKind.BACKUP_CODE_USED)
    assert "mfa.backup_code_used" in bastion.events(_user_id(bastion))


def test_a_method_the_user_does_not_have_is_refused(bastion: Bastion) -> None:
    token = _auth(bastion)
    _enable_totp(bastion, token)
    refused = _second_step(bastion, _challenge(bastion)["login_token"], "sms", "123456")
    assert (refused.status_code, refused.json["code"]) == (400, "mfa_method_unavailable")
    bad = _second_step(bastion, _challenge(bastion)["login_token"], "carrier-pigeon", "1")
    assert bad.status_code == 422


def test_disabling_needs_proof_beyond_the_access_token(bastion: Bastion) -> None:
    token = _auth(bastion)
    secret, _ = _enable_totp(bastion, token)
    bare = bastion.call("DELETE", "/me/mfa/totp", token=token, json={})
    assert (bare.status_code, bare.json["code"]) == (422, "proof_required")
    wrong_code = bastion.call("DELETE", "/me/mfa/totp", token=token, json={"code": "000000"})
    assert wrong_code.status_code == 401
    wrong_password = bastion.call(
        "DELETE", "/me/mfa/totp", token=token, json={"password": "not the password at all"}
    )
    assert wrong_password.status_code == 401
    assert bastion.call("GET", "/me/mfa", token=token).json["totp_enabled"] is True

    ok = bastion.call("DELETE", "/me/mfa/totp", token=token, json={"code": _code(bastion, secret)})
    assert ok.status_code == 204
    assert bastion.mail.to(EMAIL, NoticeKind.MFA_DISABLED)
    assert "mfa.totp_disabled" in bastion.events(_user_id(bastion))
    status = bastion.call("GET", "/me/mfa", token=token).json
    assert status == {**status, "methods": [], "totp_enabled": False, "backup_codes_left": 0}
    assert "access_token" in bastion.log_in(EMAIL).json
    again = bastion.call("DELETE", "/me/mfa/totp", token=token, json={"password": PASSWORD})
    assert (again.status_code, again.json["code"]) == (404, "factor_not_enabled")


def test_regenerating_backup_codes_needs_proof_and_voids_the_old_set(bastion: Bastion) -> None:
    token = _auth(bastion)
    _, old = _enable_totp(bastion, token)
    bare = bastion.call("POST", "/me/mfa/backup-codes", token=token, json={})
    assert bare.status_code == 422
    fresh = bastion.call("POST", "/me/mfa/backup-codes", token=token, json={"password": PASSWORD})
    assert fresh.status_code == 200
    new = fresh.json["backup_codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    stale = _second_step(bastion, _challenge(bastion)["login_token"], "backup_code", old[1])
    assert stale.status_code == 401
    ok = _second_step(bastion, _challenge(bastion)["login_token"], "backup_code", new[1])
    assert ok.status_code == 200
    assert bastion.mail.to(EMAIL, NoticeKind.BACKUP_CODES_REGENERATED)


def test_sms_needs_an_authenticator_first_and_a_valid_number(bastion: Bastion) -> None:
    token = _auth(bastion)
    alone = bastion.call("POST", "/me/mfa/sms/setup", token=token, json={"phone": PHONE})
    assert (alone.status_code, alone.json["code"]) == (409, "stronger_factor_required")
    _enable_totp(bastion, token)
    for malformed in ("12345", "+1", "+1415555267x", "+99912345678", "4155552671"):
        bad = bastion.call("POST", "/me/mfa/sms/setup", token=token, json={"phone": malformed})
        assert bad.status_code == 422, malformed
    assert bastion.sms.sent == []
    assert "sms" not in bastion.call("GET", "/me/mfa", token=token).json["methods"]


def _enable_sms(bastion: Bastion, token: str, phone: str = PHONE) -> None:
    body = {"phone": phone, "password": PASSWORD}
    setup = bastion.call("POST", "/me/mfa/sms/setup", token=token, json=body)
    assert setup.status_code == 202, setup.json
    code = bastion.sms.last_code(phone)
    confirm = bastion.call("POST", "/me/mfa/sms/confirm", token=token, json={"code": code})
    assert confirm.status_code == 200, confirm.json


def test_sign_in_with_an_sms_code_bound_to_its_login_token(bastion: Bastion) -> None:
    token = _auth(bastion)
    _enable_totp(bastion, token)
    _enable_sms(bastion, token)
    status = bastion.call("GET", "/me/mfa", token=token).json
    assert status["methods"] == ["totp", "sms", "backup_code"]
    assert status["sms_phone"].endswith("71")
    assert PHONE not in str(status)

    first, second = _challenge(bastion)["login_token"], _challenge(bastion)["login_token"]
    sent = bastion.call("POST", "/auth/login/sms", json={"login_token": first})
    assert sent.status_code == 202
    code = bastion.sms.last_code(PHONE)
    assert _second_step(bastion, second, "sms", code).status_code == 401  # bound to `first`
    done = _second_step(bastion, first, "sms", code)
    assert done.status_code == 200, done.json
    assert _amr(done.json) == ["pwd", "sms"]
    assert _second_step(bastion, _challenge(bastion)["login_token"], "sms", code).status_code == 401


def test_sms_sends_are_rate_limited_and_a_refused_send_sends_nothing(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    token = _auth(bastion)
    _enable_totp(bastion, token)
    bastion.clock.advance(seconds=60)
    _enable_sms(bastion, token)
    bastion.clock.advance(seconds=60)
    login_token = _challenge(bastion)["login_token"]
    before = len(bastion.sms.sent)
    assert (
        bastion.call("POST", "/auth/login/sms", json={"login_token": login_token}).status_code
        == 202
    )
    burst = bastion.call("POST", "/auth/login/sms", json={"login_token": login_token})
    assert burst.status_code == 429
    assert int(burst.headers["Retry-After"]) >= 1
    assert len(bastion.sms.sent) == before + 1


def test_a_stolen_token_cannot_move_sms_codes_to_another_phone(bastion: Bastion) -> None:
    token = _auth(bastion)
    _enable_totp(bastion, token)
    _enable_sms(bastion, token)
    attacker = "+442079460958"
    assert bastion.call("PATCH", "/me", token=token, json={"phone": attacker}).status_code == 200
    moved = bastion.call("POST", "/me/mfa/sms/setup", token=token, json={"phone": attacker})
    assert (moved.status_code, moved.json["code"]) == (422, "proof_required")
    login_token = _challenge(bastion)["login_token"]
    bastion.call("POST", "/auth/login/sms", json={"login_token": login_token})
    assert bastion.sms.to(attacker) == []
    assert len(bastion.sms.to(PHONE)) == 2


def test_the_authenticator_cannot_go_while_sms_codes_depend_on_it(bastion: Bastion) -> None:
    token = _auth(bastion)
    _enable_totp(bastion, token)
    _enable_sms(bastion, token)
    refused = bastion.call("DELETE", "/me/mfa/totp", token=token, json={"password": PASSWORD})
    assert (refused.status_code, refused.json["code"]) == (409, "factor_in_use")
    assert (
        bastion.call("DELETE", "/me/mfa/sms", token=token, json={"password": PASSWORD}).status_code
        == 204
    )
    assert (
        bastion.call("DELETE", "/me/mfa/totp", token=token, json={"password": PASSWORD}).status_code
        == 204
    )


def test_the_profile_phone_is_verified_by_an_sms_code(bastion: Bastion) -> None:
    token = _auth(bastion)
    assert bastion.call("POST", "/me/phone/verify", token=token).status_code == 409
    assert bastion.call("PATCH", "/me", token=token, json={"phone": PHONE}).status_code == 200
    assert bastion.call("POST", "/me/phone/verify", token=token).status_code == 202
    wrong = bastion.call("POST", "/me/phone/confirm", token=token, json={"code": "000000"})
    assert wrong.status_code == 400
    code = bastion.sms.last_code(PHONE)
    done = bastion.call("POST", "/me/phone/confirm", token=token, json={"code": code})
    assert done.status_code == 200
    assert done.json["phone_verified"] is True
    assert "phone.verified" in bastion.events(_user_id(bastion))


def test_a_password_reset_leaves_the_second_factor_on(bastion: Bastion) -> None:
    token = _auth(bastion)
    _enable_totp(bastion, token)
    bastion.call("POST", "/auth/password/forgot", json={"email": EMAIL})
    reset = {
        "token": bastion.mail.last_reset_token(EMAIL),
        "new_password": "a new long passphrase ok",
    }
    assert bastion.call("POST", "/auth/password/reset", json=reset).status_code == 204
    assert bastion.log_in(EMAIL, "a new long passphrase ok").json["mfa_required"] is True


@pytest.mark.parametrize("store", ["memory", "sql"])
def test_one_backup_code_sent_twenty_times_at_once_signs_in_once(
    make_bastion: BastionFactory, store: str
) -> None:
    bastion = make_bastion(store=store)
    token = _auth(bastion)
    _, codes = _enable_totp(bastion, token)
    tokens = [_challenge(bastion)["login_token"] for _ in range(20)]
    barrier = threading.Barrier(len(tokens))
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(login_token: str) -> None:
        client = bastion.app.test_client()
        barrier.wait()
        body = {"login_token": login_token, "method": "backup_code", "code": codes[0]}
        status = client.post("/api/v1/auth/login/mfa", json=body).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [401] * 19
    assert bastion.call("GET", "/me/mfa", token=token).json["backup_codes_left"] == 9


@pytest.mark.parametrize("store", ["memory", "sql"])
def test_twenty_parallel_second_steps_with_one_token_open_one_session(
    make_bastion: BastionFactory, store: str
) -> None:
    bastion = make_bastion(store=store)
    token = _auth(bastion)
    secret, _ = _enable_totp(bastion, token)
    login_token = _challenge(bastion)["login_token"]
    code = _code(bastion, secret)
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        client = bastion.app.test_client()
        barrier.wait()
        body = {"login_token": login_token, "method": "totp", "code": code}
        status = client.post("/api/v1/auth/login/mfa", json=body).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 1
    assert all(status == 401 for status in statuses if status != 200)


def test_on_sqlite_the_secret_is_stored_sealed_and_the_seed_flag_mirrors_it(
    make_bastion: BastionFactory,
) -> None:
    from sqlalchemy import text

    bastion = make_bastion(store="sql")
    token = _auth(bastion)
    secret, codes = _enable_totp(bastion, token)
    engine = bastion.container.engine()
    with engine.connect() as connection:
        enabled, plain = connection.execute(
            text("SELECT totp_enabled, totp_secret FROM users")
        ).one()
        sealed = connection.execute(text("SELECT secret FROM mfa_factors")).scalar_one()
        hashes = connection.execute(text("SELECT code_hash FROM backup_codes")).scalars().all()
    assert (bool(enabled), plain) == (True, None)
    assert secret not in sealed
    assert bastion.container.secret_box().open(sealed).decode() == secret
    assert len(hashes) == 10
    assert not {c.replace("-", "") for c in codes} & set(hashes)
    assert (
        bastion.call("DELETE", "/me/mfa/totp", token=token, json={"password": PASSWORD}).status_code
        == 204
    )
    with engine.connect() as connection:
        assert not connection.execute(text("SELECT totp_enabled FROM users")).scalar_one()
        assert connection.execute(text("SELECT count(*) FROM backup_codes")).scalar_one() == 0


def test_a_key_rotation_reseals_secrets_and_codes_still_verify(
    make_bastion: BastionFactory,
) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    bastion = make_bastion(store="sql", encryption_keys=old)
    secret, _ = _enable_totp(bastion, _auth(bastion))
    with bastion.container.uow() as uow:
        [before] = uow.factors.list_sealed(None, 10)

    rotating = make_bastion(store="sql", encryption_keys=f"{new},{old}")
    assert rotating.container.reseal_factor_secrets()() == 1
    rotated = make_bastion(store="sql", encryption_keys=new)
    with rotated.container.uow() as uow:
        [after] = uow.factors.list_sealed(None, 10)
    assert after.secret != before.secret
    assert rotated.container.secret_box().open(after.secret or "").decode() == secret
    rotated.clock.advance(seconds=60)
    answer = rotated.log_in(EMAIL).json
    done = _second_step(rotated, answer["login_token"], "totp", _code(rotated, secret))
    assert done.status_code == 200, done.json


def _race(bastion: Bastion, bodies: list[dict[str, str]]) -> list[int]:
    """Send every body to /auth/login/mfa at once, each from its own client and address."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(n: int, body: dict[str, str]) -> None:
        client = bastion.app.test_client()
        barrier.wait()
        env = {"REMOTE_ADDR": f"198.51.100.{n}"}
        status = client.post("/api/v1/auth/login/mfa", json=body, environ_base=env).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt, args=item) for item in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_parallel_guesses_cannot_outrun_the_account_budget(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    _enable_totp(bastion, _auth(bastion))
    tokens = [_challenge(bastion, environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}) for n in range(6)]
    bodies = [
        {"login_token": t["login_token"], "method": "totp", "code": f"00000{n}"}
        for t in tokens
        for n in range(5)
    ]
    statuses = _race(bastion, bodies)
    assert statuses.count(401) == 20
    assert statuses.count(429) == 10


def test_the_same_totp_code_on_two_sign_ins_at_once_opens_one(bastion: Bastion) -> None:
    secret, _ = _enable_totp(bastion, _auth(bastion))
    code = _code(bastion, secret)
    bodies = [
        {"login_token": _challenge(bastion)["login_token"], "method": "totp", "code": code}
        for _ in range(2)
    ]
    assert sorted(_race(bastion, bodies)) == [200, 401]


def test_another_users_codes_do_not_work(bastion: Bastion) -> None:
    secret, _ = _enable_totp(bastion, _auth(bastion))
    other = bastion.signed_in("bob@example.com")["access_token"]
    setup = bastion.call("POST", "/me/mfa/totp/setup", token=other).json
    bob_code = _code(bastion, setup["secret"])
    confirm = bastion.call("POST", "/me/mfa/totp/confirm", token=other, json={"code": bob_code})
    bob_backup = confirm.json["backup_codes"][0]
    bastion.clock.advance(seconds=30)
    bob_now = _code(bastion, setup["secret"])
    for method, code in (("totp", bob_now), ("backup_code", bob_backup)):
        attempt = _challenge(bastion)["login_token"]
        assert _second_step(bastion, attempt, method, code).status_code == 401
    assert _code(bastion, secret) != bob_now


def test_expired_sms_setup_codes_are_refused(bastion: Bastion) -> None:
    token = _auth(bastion)
    _enable_totp(bastion, token)
    body = {"phone": PHONE, "password": PASSWORD}
    assert bastion.call("POST", "/me/mfa/sms/setup", token=token, json=body).status_code == 202
    code = bastion.sms.last_code(PHONE)
    bastion.clock.advance(seconds=601)
    late = bastion.call("POST", "/me/mfa/sms/confirm", token=token, json={"code": code})
    assert late.status_code == 400
    assert "sms" not in bastion.call("GET", "/me/mfa", token=token).json["methods"]


def test_sms_cannot_be_confirmed_once_the_authenticator_is_gone(bastion: Bastion) -> None:
    token = _auth(bastion)
    _enable_totp(bastion, token)
    body = {"phone": PHONE, "password": PASSWORD}
    assert bastion.call("POST", "/me/mfa/sms/setup", token=token, json=body).status_code == 202
    code = bastion.sms.last_code(PHONE)
    off = bastion.call("DELETE", "/me/mfa/totp", token=token, json={"password": PASSWORD})
    assert off.status_code == 204
    late = bastion.call("POST", "/me/mfa/sms/confirm", token=token, json={"code": code})
    assert (late.status_code, late.json["code"]) == (409, "stronger_factor_required")
    assert bastion.call("GET", "/me/mfa", token=token).json["methods"] == []


def test_step_up_guesses_count_toward_the_account_budget(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    token = _auth(bastion)
    _enable_totp(bastion, token)
    statuses = [
        bastion.call(
            "POST",
            "/me/mfa/backup-codes",
            token=token,
            json={"code": f"{n:06d}"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        ).status_code
        for n in range(21)
    ]
    assert statuses == [401] * 20 + [429]


def test_a_backup_code_spent_as_proof_is_recorded_and_notified(bastion: Bastion) -> None:
    token = _auth(bastion)
    _, codes = _enable_totp(bastion, token)
    fresh = bastion.call("POST", "/me/mfa/backup-codes", token=token, json={"code": codes[0]})
    assert fresh.status_code == 200
    assert "mfa.backup_code_used" in bastion.events(_user_id(bastion))
    assert bastion.mail.to(EMAIL, NoticeKind.BACKUP_CODE_USED)


def test_the_profile_phone_must_be_a_real_number(bastion: Bastion) -> None:
    token = _auth(bastion)
    bad = bastion.call("PATCH", "/me", token=token, json={"phone": "+99912345678"})
    assert bad.status_code == 422
    assert bastion.sms.sent == []


def test_a_hundred_wrong_codes_lock_the_account_until_a_password_reset(bastion: Bastion) -> None:
    from domain.users import MAX_CONSECUTIVE_LOGIN_FAILURES

    secret, _ = _enable_totp(bastion, _auth(bastion))
    for _ in range(MAX_CONSECUTIVE_LOGIN_FAILURES // 5):
        login_token = _challenge(bastion)["login_token"]
        for _ in range(5):
            assert _second_step(bastion, login_token, "totp", "000000").status_code == 401
    locked = bastion.log_in(EMAIL)  # told only after a correct password, as for passwords
    assert (locked.status_code, locked.json["code"]) == (403, "account_locked")
    assert bastion.log_in(EMAIL, "not the password at all").status_code == 401

    bastion.call("POST", "/auth/password/forgot", json={"email": EMAIL})
    reset = {
        "token": bastion.mail.last_reset_token(EMAIL),
        "new_password": "a new long passphrase ok",
    }
    assert bastion.call("POST", "/auth/password/reset", json=reset).status_code == 204
    answer = bastion.log_in(EMAIL, "a new long passphrase ok").json
    assert (
        _second_step(bastion, answer["login_token"], "totp", _code(bastion, secret)).status_code
        == 200
    )


def test_resent_texts_and_new_login_tokens_never_reset_the_sms_guess_budget(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    token = _auth(bastion)
    _enable_totp(bastion, token)
    bastion.clock.advance(seconds=60)
    _enable_sms(bastion, token)
    statuses: list[int] = []
    for _ in range(6):
        bastion.clock.advance(seconds=31)  # past the per-account resend cool-down
        login_token = _challenge(bastion)["login_token"]
        sent = bastion.call("POST", "/auth/login/sms", json={"login_token": login_token})
        if sent.status_code != 202:
            statuses.append(sent.status_code)
            break
        statuses += [
            _second_step(bastion, login_token, "sms", "000000").status_code for _ in range(5)
        ]
    leaked = 6 * 31 // 45  # the bucket drains 20 units per 15 minutes, one per 45 s
    assert 429 in statuses
    assert statuses.count(401) <= 20 + leaked


def test_a_refused_step_up_is_logged_with_its_action(bastion: Bastion) -> None:
    token = _auth(bastion)
    _enable_totp(bastion, token)
    wrong = {"password": "not the password at all"}
    assert bastion.call("DELETE", "/me/mfa/totp", token=token, json=wrong).status_code == 401
    assert (
        bastion.call("DELETE", "/me/mfa/totp", token=token, json={"code": "000000"}).status_code
        == 401
    )
    assert bastion.call("DELETE", "/me", token=token, json=wrong).status_code == 401
    with bastion.container.uow() as uow:
        events = uow.events.list_for_user(UUID(_user_id(bastion)), limit=20)  # type: ignore[arg-type]
    failed = [dict(e.metadata) for e in events if e.type.value == "step_up.failed"]
    assert failed == [
        {"action": "delete_account", "reason": "wrong_password"},
        {"action": "disable_totp", "reason": "wrong_code"},
        {"action": "disable_totp", "reason": "wrong_password"},
    ]


@pytest.mark.parametrize("store", ["memory", "sql"])
def test_a_refused_step_up_answers_401_at_once_and_keeps_its_event_on_every_route(
    make_bastion: BastionFactory, store: str
) -> None:
    """The refusal is recorded after the use case's transaction lets go of the user row:
    recorded beside it, its insert would wait on that row (SQLite's write lock, or the
    foreign key's share lock on PostgreSQL) until the lock timeout, and answer 503."""
    bastion = make_bastion(store=store)
    token = _auth(bastion)
    _enable_totp(bastion, token)
    wrong = {"password": "not the password at all"}
    refused = [
        ("DELETE", "/me/mfa/totp", wrong, "disable_totp"),  # refused while SMS is on: first
        ("DELETE", "/me", wrong, "delete_account"),
        ("POST", "/me/email", {**wrong, "new_email": "new@example.com"}, "change_email"),
        ("POST", "/me/mfa/backup-codes", {"code": "000000"}, "regenerate_backup_codes"),
        ("POST", "/me/mfa/sms/setup", {**wrong, "phone": PHONE}, "bind_sms_phone"),
        ("DELETE", "/me/mfa/sms", {"code": "000000"}, "disable_sms"),
    ]
    for method, path, body, _ in refused:
        if path == "/me/mfa/sms":
            _enable_sms(bastion, token)
        response = bastion.call(method, path, token=token, json=body)
        assert response.status_code == 401, (path, response.get_data(as_text=True))
    renamed = bastion.call("PATCH", "/me", token=token, json={"first_name": "Augusta"})
    assert renamed.status_code == 200
    with bastion.container.uow() as uow:
        events = uow.events.list_for_user(UUID(_user_id(bastion)), limit=50)  # type: ignore[arg-type]
    actions = [e.metadata["action"] for e in events if e.type.value == "step_up.failed"]
    assert sorted(actions) == sorted(action for *_, action in refused)
