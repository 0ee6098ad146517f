"""Second factors against real processes: the authenticator code computed with pyotp, the
SMS code read from the webhook sink after the RQ worker delivered it, a backup code."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pyotp
import requests

from tests.e2e.conftest import MailSink, SmsSink, Stack
from tests.e2e.test_identity_journey import PASSWORD, _signed_in

ADDRESS = "two-steps@example.com"
PHONE = "+14155552671"


def _amr(tokens: dict[str, Any]) -> list[str]:
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    amr: list[str] = claims["amr"]
    return amr


def _challenge(http: requests.Session, stack: Stack) -> str:
    body = {"email": ADDRESS, "password": PASSWORD}
    answer = http.post(stack.url("/auth/login"), json=body, timeout=10).json()
    assert answer["mfa_required"] is True, answer
    token: str = answer["login_token"]
    return token


def _second_step(http: requests.Session, stack: Stack, token: str, method: str, code: str) -> Any:
    body = {"login_token": token, "method": method, "code": code}
    return http.post(stack.url("/auth/login/mfa"), json=body, timeout=10)


def test_sign_in_with_each_second_factor(
    stack: Stack, mail_sink: MailSink, sms_sink: SmsSink
) -> None:
    http = requests.Session()
    tokens = _signed_in(stack, mail_sink, ADDRESS)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}

    setup = http.post(stack.url("/me/mfa/totp/setup"), headers=bearer, timeout=10).json()
    totp = pyotp.TOTP(setup["secret"])
    confirm = http.post(
        stack.url("/me/mfa/totp/confirm"), headers=bearer, json={"code": totp.now()}, timeout=10
    )
    assert confirm.status_code == 200, confirm.text
    backup_codes = confirm.json()["backup_codes"]

    next_step = totp.at(time.time() + 30)  # the confirming step is spent; T+1 is in the window
    by_app = _second_step(http, stack, _challenge(http, stack), "totp", next_step)
    assert by_app.status_code == 200, by_app.text
    assert _amr(by_app.json()) == ["pwd", "otp"]

    setup_sms = http.post(
        stack.url("/me/mfa/sms/setup"),
        headers=bearer,
        json={"phone": PHONE, "password": PASSWORD},
        timeout=10,
    )
    assert setup_sms.status_code == 202, setup_sms.text
    code = sms_sink.wait_for_code(PHONE)
    enabled = http.post(
        stack.url("/me/mfa/sms/confirm"), headers=bearer, json={"code": code}, timeout=10
    )
    assert enabled.status_code == 200, enabled.text

    login_token = _challenge(http, stack)
    sent = http.post(stack.url("/auth/login/sms"), json={"login_token": login_token}, timeout=10)
    assert sent.status_code == 202
    by_text = _second_step(http, stack, login_token, "sms", sms_sink.wait_for_code(PHONE, after=1))
    assert by_text.status_code == 200, by_text.text
    assert _amr(by_text.json()) == ["pwd", "sms"]

    by_backup = _second_step(http, stack, _challenge(http, stack), "backup_code", backup_codes[0])
    assert by_backup.status_code == 200, by_backup.text
    assert _amr(by_backup.json()) == ["pwd", "backup"]
    status = http.get(stack.url("/me/mfa"), headers=bearer, timeout=10).json()
    assert status["methods"] == ["totp", "sms", "backup_code"]
    assert status["backup_codes_left"] == 9

    logs = stack.logs()
    for secret in (setup["secret"], PHONE, code, backup_codes[0]):
        assert secret not in logs
