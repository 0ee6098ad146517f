"""A passkey's life against real processes (gunicorn, the RQ worker, PostgreSQL, Redis):
register one, sign out, sign in with it alone, use it as the second step after the
password, remove it. The browser's side is the software authenticator."""

from __future__ import annotations

from typing import Any

import jwt
import requests

from tests.e2e.conftest import MailSink, Stack
from tests.e2e.test_identity_journey import PASSWORD, _signed_in
from tests.support.authenticator import SoftAuthenticator

ADDRESS = "passkey-journey@example.com"


def _amr(tokens: dict[str, Any]) -> list[str]:
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    amr: list[str] = claims["amr"]
    return amr


def _post(http: requests.Session, stack: Stack, path: str, body: Any = None, **kw: Any) -> Any:
    return http.post(stack.url(path), json=body, timeout=10, **kw)


def test_register_sign_out_sign_in_alone_then_as_second_step_and_remove(
    stack: Stack, mail_sink: MailSink
) -> None:
    http = requests.Session()
    authenticator = SoftAuthenticator()
    tokens = _signed_in(stack, mail_sink, ADDRESS)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}

    options = _post(http, stack, "/me/passkeys/options", headers=bearer).json()["options"]
    body = {"credential": authenticator.create(options), "name": "Laptop"}
    added = _post(http, stack, "/me/passkeys", body, headers=bearer)
    assert added.status_code == 201, added.text
    assert mail_sink.wait_for(ADDRESS, r"(A passkey named \"Laptop\" was added)")
    assert _post(http, stack, "/auth/logout", headers=bearer).status_code == 204

    start = _post(http, stack, "/auth/passkey/options", {"email": ADDRESS}).json()
    assert start["options"]["userVerification"] == "required"
    credential = authenticator.get(start["options"])
    alone = _post(
        http,
        stack,
        "/auth/passkey/verify",
        {"login_token": start["login_token"], "credential": credential},
    )
    assert alone.status_code == 200, alone.text
    assert _amr(alone.json()) == ["passkey"]
    replayed = _post(
        http,
        stack,
        "/auth/passkey/verify",
        {"login_token": start["login_token"], "credential": credential},
    )
    assert replayed.status_code == 401

    challenge = _post(http, stack, "/auth/login", {"email": ADDRESS, "password": PASSWORD}).json()
    assert challenge["mfa_required"] is True
    assert "passkey" in challenge["methods"]
    second = _post(http, stack, "/auth/passkey/options", {"login_token": challenge["login_token"]})
    body = {
        "login_token": challenge["login_token"],
        "method": "passkey",
        "credential": authenticator.get(second.json()["options"]),
    }
    both = _post(http, stack, "/auth/login/mfa", body)
    assert both.status_code == 200, both.text
    assert _amr(both.json()) == ["pwd", "passkey"]

    bearer = {"Authorization": f"Bearer {both.json()['access_token']}"}
    removed = http.delete(stack.url(f"/me/passkeys/{authenticator.id}"), headers=bearer, timeout=10)
    assert removed.status_code == 204
    assert mail_sink.wait_for(ADDRESS, r"(The passkey named \"Laptop\" was removed)")
    start = _post(http, stack, "/auth/passkey/options", {"email": ADDRESS}).json()
    gone = _post(
        http,
        stack,
        "/auth/passkey/verify",
        {"login_token": start["login_token"], "credential": authenticator.get(start["options"])},
    )
    assert gone.status_code == 401
    after = _post(http, stack, "/auth/login", {"email": ADDRESS, "password": PASSWORD}).json()
    assert "access_token" in after  # no second factor left: the password alone signs in
