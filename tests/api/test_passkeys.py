"""Passkeys over HTTP with a software authenticator: registration, management, passwordless
sign-in, the second step, and every attack of SECURITY WA-01..WA-07 (and EN-04, CC-08),
each refused with the status and code the contract names."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import replace
from typing import Any
from uuid import UUID

import jwt
import pytest

from application.account.create_admin import CreateAdminCommand
from application.ports.messaging import NoticeKind
from tests.api.conftest import PASSWORD, Bastion, BastionFactory
from tests.support.authenticator import SoftAuthenticator, b64
from tests.support.zips import strict_zip

REFUSED = {"status": 401, "code": "invalid_credentials"}

_DEEPLY_NESTED = base64.urlsafe_b64encode(b"[" * 1500 + b"]" * 1500).rstrip(b"=").decode()
"""clientDataJSON nested deeper than Python's JSON parser goes (RecursionError)."""


# --- helpers -----------------------------------------------------------------------------
def _token(bastion: Bastion, email: str = "ada@example.com") -> str:
    token: str = bastion.signed_in(email)["access_token"]
    return token


def _creation(bastion: Bastion, token: str) -> dict[str, Any]:
    response = bastion.call("POST", "/me/passkeys/options", token=token)
    assert response.status_code == 200, response.json
    options: dict[str, Any] = response.json["options"]
    return options


def _add(bastion: Bastion, token: str, credential: dict[str, Any], name: str = "Laptop") -> Any:
    body = {"credential": credential, "name": name}
    return bastion.call("POST", "/me/passkeys", token=token, json=body)


def _register(
    bastion: Bastion, token: str, authenticator: SoftAuthenticator | None = None
) -> SoftAuthenticator:
    authenticator = authenticator or SoftAuthenticator()
    response = _add(bastion, token, authenticator.create(_creation(bastion, token)))
    assert response.status_code == 201, response.json
    return authenticator


def _options(bastion: Bastion, **body: Any) -> dict[str, Any]:
    response = bastion.call("POST", "/auth/passkey/options", json=body)
    assert response.status_code == 200, response.json
    answer: dict[str, Any] = response.json
    return answer


def _verify(bastion: Bastion, login_token: str, credential: dict[str, Any]) -> Any:
    body = {"login_token": login_token, "credential": credential}
    return bastion.call("POST", "/auth/passkey/verify", json=body)


def _sign_in(
    bastion: Bastion, authenticator: SoftAuthenticator, email: str | None = None, **bend: Any
) -> Any:
    start = _options(bastion, **({"email": email} if email else {}))
    return _verify(bastion, start["login_token"], authenticator.get(start["options"], **bend))


def _amr(tokens: dict[str, Any]) -> list[str]:
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    amr: list[str] = claims["amr"]
    return amr


def _refused(response: Any) -> bool:
    return bool(
        response.status_code == REFUSED["status"] and response.json["code"] == REFUSED["code"]
    )


def _user_id(bastion: Bastion, token: str) -> str:
    user_id: str = bastion.call("GET", "/me", token=token).json["id"]
    return user_id


# --- registration and management ------------------------------------------------------------
def test_registration_answers_l3_options_and_stores_the_passkey(bastion: Bastion) -> None:
    token = _token(bastion)
    options = _creation(bastion, token)
    assert options["rp"] == {"id": "localhost", "name": "Bastion"}
    assert options["attestation"] == "none"
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -8, -257]
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"

    authenticator = SoftAuthenticator()
    added = _add(bastion, token, authenticator.create(options), "Laptop")

    assert added.status_code == 201
    assert added.json == {
        "id": authenticator.id,
        "name": "Laptop",
        "device_type": "multi_device",
        "backed_up": True,
        "transports": ["internal", "hybrid"],
        "created_at": "2026-03-01T09:00:00Z",
        "last_used_at": None,
    }
    listed = bastion.call("GET", "/me/passkeys", token=token).json
    assert listed == {"items": [added.json], "next_cursor": None}
    assert "public_key" not in json.dumps(listed)
    assert bastion.mail.to("ada@example.com", NoticeKind.PASSKEY_ADDED)
    assert "passkey.added" in bastion.events(_user_id(bastion, token))


@pytest.mark.parametrize(
    "bend",
    [
        {"origin": "https://evil.test"},
        {"rp_id": "evil.test"},
        {"type": "webauthn.get"},
        {"up": False},
        {"be": False, "bs": True},
        {"cross_origin": True},
    ],
    ids=["wrong-origin", "wrong-rp-id", "get-type", "up-off", "bs-without-be", "cross-origin"],
)
def test_a_bent_registration_is_422_and_stores_nothing(
    bastion: Bastion, bend: dict[str, Any]
) -> None:
    token = _token(bastion)
    response = _add(bastion, token, SoftAuthenticator().create(_creation(bastion, token), **bend))

    assert response.status_code == 422
    assert response.json["code"] == "invalid_credential"
    assert bastion.call("GET", "/me/passkeys", token=token).json["items"] == []


def test_a_registration_without_options_or_with_spent_ones_is_422(bastion: Bastion) -> None:
    token = _token(bastion)
    stray = SoftAuthenticator().create({"challenge": b64(b"x" * 32), "user": {"id": b64(b"u")}})
    assert _add(bastion, token, stray).json["code"] == "invalid_credential"

    response = SoftAuthenticator().create(_creation(bastion, token))
    assert _add(bastion, token, response).status_code == 201
    assert _add(bastion, token, response).json["code"] == "invalid_credential"


def test_registering_another_users_credential_id_is_409(bastion: Bastion) -> None:
    ada, bob = _token(bastion), _token(bastion, "bob@example.com")
    authenticator = _register(bastion, ada)

    response = _add(bastion, bob, authenticator.create(_creation(bastion, bob)))

    assert response.status_code == 409
    assert response.json["code"] == "passkey_exists"
    assert bastion.call("GET", "/me/passkeys", token=bob).json["items"] == []


def test_another_users_passkey_is_404_to_rename_and_delete(bastion: Bastion) -> None:
    ada, bob = _token(bastion), _token(bastion, "bob@example.com")
    authenticator = _register(bastion, ada)
    path = f"/me/passkeys/{authenticator.id}"

    assert bastion.call("PATCH", path, token=bob, json={"name": "Mine"}).status_code == 404
    assert bastion.call("DELETE", path, token=bob).status_code == 404
    assert bastion.call("DELETE", "/me/passkeys/not-a-credential!", token=ada).status_code == 404

    renamed = bastion.call("PATCH", path, token=ada, json={"name": "Phone"})
    assert (renamed.status_code, renamed.json["name"]) == (200, "Phone")


def test_a_removed_passkey_is_mailed_and_signs_in_no_more(bastion: Bastion) -> None:
    token = _token(bastion)
    authenticator = _register(bastion, token)

    removed = bastion.call("DELETE", f"/me/passkeys/{authenticator.id}", token=token)

    assert removed.status_code == 204
    assert bastion.mail.to("ada@example.com", NoticeKind.PASSKEY_REMOVED)
    assert "passkey.removed" in bastion.events(_user_id(bastion, token))
    assert _refused(_sign_in(bastion, authenticator, "ada@example.com"))


def test_the_last_way_to_sign_in_cannot_be_removed(bastion: Bastion) -> None:
    token = _token(bastion)
    first, second = _register(bastion, token), _register(bastion, token)
    with bastion.container.uow() as uow:  # an account without a password
        user = uow.users.get(UUID(_user_id(bastion, token)))
        assert user is not None
        uow.users.save(replace(user, password=None))
        uow.commit()

    assert bastion.call("DELETE", f"/me/passkeys/{first.id}", token=token).status_code == 204
    last = bastion.call("DELETE", f"/me/passkeys/{second.id}", token=token)
    assert (last.status_code, last.json["code"]) == (409, "last_login_method")


@pytest.mark.parametrize(
    "credential",
    [
        "not an object",
        {},
        {"id": "AAAA", "rawId": "AAAA", "type": "public-key"},
        {"id": "AAAA", "rawId": "AAAA", "type": "password", "response": {}},
        {"id": "A" * 2000, "rawId": "AAAA", "type": "public-key", "response": {}},
        {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {"clientDataJSON": "%%%", "attestationObject": "AAAA"},
        },
        {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {"clientDataJSON": "A" * 9000, "attestationObject": "AAAA"},
        },
        {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {"clientDataJSON": "bm90IGpzb24", "attestationObject": "AAAA"},
        },
        {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {"clientDataJSON": _DEEPLY_NESTED, "attestationObject": "AAAA"},
        },
    ],
)
def test_malformed_or_oversized_credentials_are_422_never_500(
    bastion: Bastion, credential: Any
) -> None:
    token = _token(bastion)
    _creation(bastion, token)

    registration = _add(bastion, token, credential)
    sign_in = _verify(bastion, _options(bastion)["login_token"], credential)

    assert registration.status_code == 422, registration.json
    assert sign_in.status_code in (401, 422), sign_in.json
    assert registration.content_type == "application/problem+json"


def test_a_body_over_the_limit_is_413(bastion: Bastion) -> None:
    body = {"login_token": "x", "credential": {"id": "A" * (1024 * 1024)}}
    response = bastion.call("POST", "/auth/passkey/verify", json=body)

    assert response.status_code == 413


# --- passwordless sign-in ----------------------------------------------------------------------
def test_a_passkey_alone_signs_in_with_amr_passkey_on_a_verified_session(
    bastion: Bastion,
) -> None:
    token = _token(bastion)
    authenticator = _register(bastion, token)

    start = _options(bastion, email="ada@example.com")
    assert start["options"]["userVerification"] == "required"
    assert start["options"]["rpId"] == "localhost"
    assert [c["id"] for c in start["options"]["allowCredentials"]] == [authenticator.id]
    signed_in = _verify(bastion, start["login_token"], authenticator.get(start["options"]))

    assert signed_in.status_code == 200, signed_in.json
    assert _amr(signed_in.json) == ["passkey"]
    sessions = bastion.call("GET", "/me/sessions", token=signed_in.json["access_token"]).json
    [current] = [s for s in sessions["items"] if s["current"]]
    assert current["verified"] is True
    listed = bastion.call("GET", "/me/passkeys", token=token).json["items"]
    assert listed[0]["last_used_at"] == "2026-03-01T09:00:00Z"


def test_the_discoverable_flow_offers_no_credentials_and_reads_the_user_handle(
    bastion: Bastion,
) -> None:
    authenticator = _register(bastion, _token(bastion))

    start = _options(bastion)
    assert start["options"]["allowCredentials"] == []
    signed_in = _verify(bastion, start["login_token"], authenticator.get(start["options"]))

    assert signed_in.status_code == 200
    assert signed_in.json["user"]["email"] == "ada@example.com"


def test_a_user_with_an_authenticator_app_gets_tokens_from_a_verified_passkey(
    bastion: Bastion,
) -> None:
    token = _token(bastion)
    bastion.enable_totp(token)
    authenticator = _register(bastion, token)

    signed_in = _sign_in(bastion, authenticator, "ada@example.com")

    assert signed_in.status_code == 200
    assert _amr(signed_in.json) == ["passkey"]


def test_unknown_emails_get_decoys_shaped_like_real_options_and_stable(
    bastion: Bastion,
) -> None:
    _register(bastion, _token(bastion))
    _token(bastion, "bob@example.com")  # an account without passkeys

    real = _options(bastion, email="ada@example.com")
    unknown = _options(bastion, email="nobody@example.com")
    again = _options(bastion, email="Nobody@Example.com")
    without = _options(bastion, email="bob@example.com")

    for answer in (unknown, without):
        assert set(answer) == set(real)
        assert set(answer["options"]) == set(real["options"])
        assert 1 <= len(answer["options"]["allowCredentials"]) <= 2
        for entry in answer["options"]["allowCredentials"]:
            assert set(entry) == {"id", "type", "transports"}
    assert unknown["options"]["allowCredentials"] == again["options"]["allowCredentials"]
    assert unknown["login_token"] != again["login_token"]


# --- the attacks (SECURITY WA-01..WA-06) -------------------------------------------------------
def test_a_replayed_assertion_is_refused_even_with_a_zero_counter(bastion: Bastion) -> None:
    authenticator = _register(bastion, _token(bastion), SoftAuthenticator(counting=False))
    start = _options(bastion, email="ada@example.com")
    credential = authenticator.get(start["options"])

    assert _verify(bastion, start["login_token"], credential).status_code == 200
    assert _refused(_verify(bastion, start["login_token"], credential))


def test_a_challenge_answers_once(bastion: Bastion) -> None:
    authenticator = _register(bastion, _token(bastion))
    start = _options(bastion, email="ada@example.com")

    first = _verify(bastion, start["login_token"], authenticator.get(start["options"]))
    second = _verify(bastion, start["login_token"], authenticator.get(start["options"]))

    assert first.status_code == 200
    assert _refused(second)


def test_a_registration_challenge_does_not_sign_in(bastion: Bastion) -> None:
    token = _token(bastion)
    authenticator = _register(bastion, token)
    creation = _creation(bastion, token)  # a registration challenge, pending
    start = _options(bastion, email="ada@example.com")

    credential = authenticator.get(start["options"], challenge=creation["challenge"])

    assert _refused(_verify(bastion, start["login_token"], credential))


def test_an_expired_challenge_is_refused(bastion: Bastion) -> None:
    authenticator = _register(bastion, _token(bastion))
    start = _options(bastion, email="ada@example.com")
    bastion.clock.advance(301)

    assert _refused(_verify(bastion, start["login_token"], authenticator.get(start["options"])))


@pytest.mark.parametrize(
    "bend",
    [
        {"origin": "https://evil.test"},
        {"rp_id": "evil.test"},
        {"up": False},
        {"uv": False},
        {"type": "webauthn.create"},
        {"cross_origin": True},
    ],
    ids=["wrong-origin", "wrong-rp-id", "up-off", "uv-off", "create-type", "cross-origin"],
)
def test_a_bent_assertion_does_not_sign_in(bastion: Bastion, bend: dict[str, Any]) -> None:
    authenticator = _register(bastion, _token(bastion))

    assert _refused(_sign_in(bastion, authenticator, "ada@example.com", **bend))
    assert _sign_in(bastion, authenticator, "ada@example.com").status_code == 200


def test_a_rewound_counter_is_refused_and_recorded(bastion: Bastion) -> None:
    token = _token(bastion)
    authenticator = _register(bastion, token, SoftAuthenticator(counter=41))
    assert _sign_in(bastion, authenticator, "ada@example.com").status_code == 200

    assert _refused(_sign_in(bastion, authenticator, "ada@example.com", counter=40))
    assert _refused(_sign_in(bastion, authenticator, "ada@example.com", counter=42))  # same
    assert bastion.events(_user_id(bastion, token)).count("passkey.counter_regression") == 2
    assert _sign_in(bastion, authenticator, "ada@example.com", counter=43).status_code == 200


def test_another_users_user_handle_is_refused(bastion: Bastion) -> None:
    ada = _register(bastion, _token(bastion))
    bob = _register(bastion, _token(bastion, "bob@example.com"))

    assert _refused(_sign_in(bastion, ada, user_handle=bob.user_handle))
    assert _refused(_sign_in(bastion, ada, user_handle=None))  # discoverable needs one
    assert _sign_in(bastion, ada).status_code == 200


def test_a_credential_of_another_user_than_the_email_named_is_refused(bastion: Bastion) -> None:
    _register(bastion, _token(bastion))
    bob = _register(bastion, _token(bastion, "bob@example.com"))

    assert _refused(_sign_in(bastion, bob, "ada@example.com"))
    assert _refused(_sign_in(bastion, bob, "nobody@example.com"))
    assert _sign_in(bastion, bob, "bob@example.com").status_code == 200


def test_parallel_assertions_with_one_counter_give_one_success(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion("sql")
    authenticator = _register(bastion, _token(bastion), SoftAuthenticator(counter=7))
    pending = [_options(bastion, email="ada@example.com") for _ in range(6)]
    credentials = [authenticator.get(p["options"], counter=8) for p in pending]
    barrier = threading.Barrier(len(pending))
    statuses: list[int] = []

    def attempt(start: dict[str, Any], credential: dict[str, Any]) -> None:
        client = bastion.app.test_client()
        barrier.wait(timeout=10)
        body = {"login_token": start["login_token"], "credential": credential}
        statuses.append(client.post("/api/v1/auth/passkey/verify", json=body).status_code)

    pairs = zip(pending, credentials, strict=True)
    threads = [threading.Thread(target=attempt, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200] + [401] * 5


# --- the second step ---------------------------------------------------------------------------
def test_a_passkey_is_the_second_step_after_a_password(bastion: Bastion) -> None:
    token = _token(bastion)
    authenticator = _register(bastion, token)

    challenge = bastion.log_in("ada@example.com").json
    assert challenge["mfa_required"] is True
    assert "passkey" in challenge["methods"]
    start = _options(bastion, login_token=challenge["login_token"])
    assert start["login_token"] == challenge["login_token"]
    assert start["options"]["userVerification"] == "preferred"
    body = {
        "login_token": challenge["login_token"],
        "method": "passkey",
        "credential": authenticator.get(start["options"], uv=False),
    }
    finished = bastion.call("POST", "/auth/login/mfa", json=body)

    assert finished.status_code == 200, finished.json
    assert _amr(finished.json) == ["pwd", "passkey"]


def test_a_second_step_passkey_must_answer_its_own_challenge(bastion: Bastion) -> None:
    token = _token(bastion)
    authenticator = _register(bastion, token)
    challenge = bastion.log_in("ada@example.com").json
    passwordless = _options(bastion, email="ada@example.com")  # not this sign-in's

    body = {
        "login_token": challenge["login_token"],
        "method": "passkey",
        "credential": authenticator.get(passwordless["options"]),
    }
    refused = bastion.call("POST", "/auth/login/mfa", json=body)
    assert (refused.status_code, refused.json["code"]) == (401, "invalid_mfa_code")
    no_credential = {"login_token": challenge["login_token"], "method": "passkey"}
    assert bastion.call("POST", "/auth/login/mfa", json=no_credential).status_code == 422
    # a second-step challenge is no passwordless sign-in either
    start = _options(bastion, login_token=challenge["login_token"])
    assert _refused(_verify(bastion, challenge["login_token"], authenticator.get(start["options"])))


def test_passkey_options_for_a_sign_in_without_passkeys_are_refused(bastion: Bastion) -> None:
    token = _token(bastion)
    bastion.enable_totp(token)
    challenge = bastion.log_in("ada@example.com").json

    response = bastion.call(
        "POST", "/auth/passkey/options", json={"login_token": challenge["login_token"]}
    )
    expired = bastion.call("POST", "/auth/passkey/options", json={"login_token": "nope"})

    assert (response.status_code, response.json["code"]) == (400, "mfa_method_unavailable")
    assert (expired.status_code, expired.json["code"]) == (401, "invalid_login_token")


# --- the rest of the product -------------------------------------------------------------------
def test_mfa_status_and_the_admin_view_count_passkeys(bastion: Bastion) -> None:
    token = _token(bastion)
    _register(bastion, token)
    _register(bastion, token)

    status = bastion.call("GET", "/me/mfa", token=token).json
    bastion.container.create_admin()(CreateAdminCommand("root@example.com", PASSWORD))
    root = bastion.log_in("root@example.com").json["access_token"]
    detail = bastion.call("GET", f"/admin/users/{_user_id(bastion, token)}", token=root).json

    assert (status["passkeys"], status["methods"]) == (2, ["passkey"])
    assert detail["factors"]["passkeys"] == 2
    assert detail["factors"]["methods"] == ["passkey"]


def test_deleting_the_account_deletes_its_passkeys(bastion: Bastion) -> None:
    token = _token(bastion)
    authenticator = _register(bastion, token)

    deleted = bastion.call("DELETE", "/me", token=token, json={"password": PASSWORD})

    assert deleted.status_code == 204
    with bastion.container.uow() as uow:
        assert uow.passkeys.get(authenticator.credential_id) is None
    assert _refused(_sign_in(bastion, authenticator))


def test_the_openapi_document_describes_the_passkey_routes(bastion: Bastion) -> None:
    spec = bastion.client.get("/openapi.json").json
    paths = spec["paths"]

    for path in (
        "/api/v1/auth/passkey/options",
        "/api/v1/auth/passkey/verify",
        "/api/v1/me/passkeys",
        "/api/v1/me/passkeys/options",
        "/api/v1/me/passkeys/{passkey_id}",
    ):
        assert path in paths
    assert "RegistrationCredentialJson" in spec["components"]["schemas"]


def test_the_export_lists_passkeys_without_their_keys(bastion: Bastion) -> None:
    token = _token(bastion)
    authenticator = _register(bastion, token)
    export_id = bastion.call("POST", "/me/exports", token=token).json["id"]
    assert bastion.exports.run_all() == 1

    data = bastion.call("GET", f"/me/exports/{export_id}/download", token=token).data
    with strict_zip(data) as archive:
        passkeys = json.loads(archive.read("passkeys.json"))
        readme = archive.read("README.txt").decode()

    assert passkeys == [
        {
            "id": authenticator.id,
            "name": "Laptop",
            "device_type": "multi_device",
            "backed_up": True,
            "transports": ["internal", "hybrid"],
            "created_at": "2026-03-01T09:00:00+00:00",
            "last_used_at": None,
        }
    ]
    assert "Never the public key" in readme
