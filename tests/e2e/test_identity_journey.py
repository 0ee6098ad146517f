"""The whole identity journey against real processes: register, read the code from the mail,
verify, sign in, refresh, replay the old refresh token, sign out."""

from __future__ import annotations

import threading
from typing import Any

import requests

from tests.e2e.conftest import MailSink, Stack

PASSWORD = "correct horse battery staple"


def _signed_in(stack: Stack, mail_sink: MailSink, address: str) -> dict[str, Any]:
    http = requests.Session()
    body = {"email": address, "password": PASSWORD, "first_name": "Ada", "last_name": "Byron"}
    assert http.post(stack.url("/auth/register"), json=body, timeout=10).status_code == 202
    code = mail_sink.wait_for(address, r"\b(\d{6})\b")
    verified = http.post(
        stack.url("/auth/email/verify"), json={"email": address, "code": code}, timeout=10
    )
    assert verified.status_code == 200, verified.text
    login = http.post(
        stack.url("/auth/login"), json={"email": address, "password": PASSWORD}, timeout=10
    )
    assert login.status_code == 200, login.text
    tokens: dict[str, Any] = login.json()
    return tokens


def test_register_verify_sign_in_refresh_replay_and_sign_out(
    stack: Stack, mail_sink: MailSink
) -> None:
    http = requests.Session()
    tokens = _signed_in(stack, mail_sink, "journey@example.com")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert http.get(stack.url("/me"), headers=bearer, timeout=10).json()["email_verified"] is True

    refreshed = http.post(
        stack.url("/auth/refresh"), json={"refresh_token": tokens["refresh_token"]}, timeout=10
    )
    assert refreshed.status_code == 200
    child = refreshed.json()

    import time

    time.sleep(2.2)  # past BASTION_REFRESH_REUSE_GRACE: now a replay, not a racing tab
    replay = http.post(
        stack.url("/auth/refresh"), json={"refresh_token": tokens["refresh_token"]}, timeout=10
    )
    assert (replay.status_code, replay.json()["code"]) == (401, "token_reused")
    child_bearer = {"Authorization": f"Bearer {child['access_token']}"}
    assert http.get(stack.url("/me"), headers=child_bearer, timeout=10).status_code == 401

    again = requests.post(
        stack.url("/auth/login"),
        json={"email": "journey@example.com", "password": PASSWORD},
        timeout=10,
    ).json()
    again_bearer = {"Authorization": f"Bearer {again['access_token']}"}
    assert http.post(stack.url("/auth/logout"), headers=again_bearer, timeout=10).status_code == 204
    assert http.get(stack.url("/me"), headers=again_bearer, timeout=10).status_code == 401
    refresh_after = http.post(
        stack.url("/auth/refresh"), json={"refresh_token": again["refresh_token"]}, timeout=10
    )
    assert refresh_after.status_code == 401


def test_fifty_parallel_refreshes_with_one_token_succeed_once(
    stack: Stack, mail_sink: MailSink
) -> None:
    tokens = _signed_in(stack, mail_sink, "race@example.com")
    barrier = threading.Barrier(50)
    statuses: list[int] = []
    lock = threading.Lock()

    def refresh() -> None:
        session = requests.Session()
        barrier.wait()
        response = session.post(
            stack.url("/auth/refresh"), json={"refresh_token": tokens["refresh_token"]}, timeout=30
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=refresh) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 1, statuses
    assert all(status in {200, 401} for status in statuses), statuses
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(stack.url("/me"), headers=bearer, timeout=10).status_code == 200


def test_password_reset_mail_links_use_the_public_url(stack: Stack, mail_sink: MailSink) -> None:
    _signed_in(stack, mail_sink, "reset@example.com")
    response = requests.post(
        stack.url("/auth/password/forgot"),
        json={"email": "reset@example.com"},
        headers={"Host": "evil.test", "X-Forwarded-Host": "evil.test"},
        timeout=10,
    )
    assert response.status_code == 202
    link = mail_sink.wait_for("reset@example.com", r"(https?://\S+reset-password\S*)")
    assert link.startswith("https://bastion.example/")


def test_logs_hold_no_secrets(stack: Stack, mail_sink: MailSink) -> None:
    tokens = _signed_in(stack, mail_sink, "logs@example.com")
    logs = stack.logs()
    assert PASSWORD not in logs
    assert tokens["refresh_token"] not in logs
    assert "eyJ" not in logs
