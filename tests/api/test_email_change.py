"""Moving an account to a new address: password, code to the new address, switch on
confirmation, notice to the old one (SECURITY EV-03)."""

from __future__ import annotations

from typing import Any

import pytest

from application.ports.messaging import NoticeKind
from tests.api.conftest import PASSWORD, Bastion, BastionFactory

OLD, NEW, BOB = "ada@example.com", "ada.lovelace@example.org", "bob@example.com"


def _request(bastion: Bastion, token: str, new: str = NEW, password: str = PASSWORD) -> Any:
    body = {"new_email": new, "password": password}
    return bastion.call("POST", "/me/email", token=token, json=body)


def _confirm(bastion: Bastion, token: str, code: str) -> Any:
    return bastion.call("POST", "/me/email/verify", token=token, json={"code": code})


def _code(bastion: Bastion, address: str = NEW) -> str:
    return bastion.mail.to(address, NoticeKind.EMAIL_CHANGE_CODE)[-1].params["code"]


def _published(bastion: Bastion, channel: str) -> list[dict[str, str]]:
    return [p for c, p in bastion.container.publisher().messages if c == channel]


@pytest.fixture
def ada(bastion: Bastion) -> dict[str, Any]:
    tokens: dict[str, Any] = bastion.signed_in(OLD)
    return tokens


def test_the_address_changes_only_once_the_code_sent_to_it_comes_back(
    bastion: Bastion, ada: dict[str, Any]
) -> None:
    token = ada["access_token"]

    requested = _request(bastion, token, new="  Ada.Lovelace@Example.ORG ")

    assert (requested.status_code, requested.json) == (202, {"status": "code_sent"})
    assert bastion.call("GET", "/me", token=token).json["email"] == OLD
    assert bastion.mail.to(OLD, NoticeKind.EMAIL_CHANGED) == []
    confirmed = _confirm(bastion, token, _code(bastion))
    assert confirmed.status_code == 200, confirmed.json
    assert (confirmed.json["email"], confirmed.json["email_verified"]) == (NEW, True)
    assert bastion.log_in(NEW).status_code == 200
    assert bastion.log_in(OLD).status_code == 401
    notice = bastion.mail.to(OLD, NoticeKind.EMAIL_CHANGED)
    assert len(notice) == 1
    assert NEW not in str(notice[0].params)
    assert "code" not in notice[0].params


def test_the_change_is_recorded_without_addresses_and_published(
    bastion: Bastion, ada: dict[str, Any]
) -> None:
    token, user_id = ada["access_token"], ada["user"]["id"]
    _request(bastion, token)
    _confirm(bastion, token, _code(bastion))

    events = bastion.call("GET", "/me/events", token=token).json["items"]

    changed = next(e for e in events if e["type"] == "email.changed")
    requested = next(e for e in events if e["type"] == "email.change_requested")
    assert changed["metadata"] == requested["metadata"] == {}
    assert changed["session_id"] == ada["session_id"]
    assert "@" not in str(events)
    assert {"id": user_id, "user_id": user_id, "at": "2026-03-01T09:00:00Z"} in _published(
        bastion, "user:updated"
    )


def test_a_wrong_password_is_refused_and_sends_nothing(
    bastion: Bastion, ada: dict[str, Any]
) -> None:
    response = _request(bastion, ada["access_token"], password="not the password at all")

    assert (response.status_code, response.json["code"]) == (401, "invalid_credentials")
    assert "WWW-Authenticate" not in response.headers
    assert bastion.mail.to(NEW) == []
    assert "email.change_requested" not in bastion.events(ada["user"]["id"])


def test_wrong_passwords_count_toward_the_accounts_step_up_budget(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    token = bastion.signed_in(OLD)["access_token"]

    def delete_me() -> int:
        response = bastion.call("DELETE", "/me", token=token, json={"password": "wrong password"})
        return int(response.status_code)

    by_email = [_request(bastion, token, password=f"wrong {n}").status_code for n in range(5)]
    by_deletion = [delete_me() for _ in range(15)]

    assert by_email + by_deletion == [401] * 20
    assert delete_me() == 429  # 20 wrong proofs per account and 15 minutes, wherever made
    assert bastion.call("GET", "/me", token=token).status_code == 200


def test_a_wrong_code_is_refused_and_five_void_it(bastion: Bastion, ada: dict[str, Any]) -> None:
    token = ada["access_token"]
    _request(bastion, token)
    right = _code(bastion)
    wrong = "000000" if right != "000000" else "111111"

    first = _confirm(bastion, token, wrong)
    for _ in range(4):
        _confirm(bastion, token, wrong)
    late = _confirm(bastion, token, right)

    assert (first.status_code, first.json["code"]) == (400, "invalid_code")
    assert (late.status_code, late.json["code"]) == (429, "rate_limited")
    assert bastion.call("GET", "/me", token=token).json["email"] == OLD


def test_the_code_is_bound_to_the_account_and_the_address(
    bastion: Bastion, ada: dict[str, Any]
) -> None:
    bob = bastion.signed_in(BOB)
    _request(bastion, ada["access_token"])
    code = _code(bastion)

    stolen = _confirm(bastion, bob["access_token"], code)
    _request(bastion, ada["access_token"], new="other@example.net")
    superseded = _confirm(bastion, ada["access_token"], code)

    assert stolen.status_code == 400
    assert superseded.status_code == 400
    assert bastion.call("GET", "/me", token=ada["access_token"]).json["email"] == OLD
    assert (
        _confirm(bastion, ada["access_token"], _code(bastion, "other@example.net")).json["email"]
        == "other@example.net"
    )


def test_without_a_pending_change_any_code_is_invalid(
    bastion: Bastion, ada: dict[str, Any]
) -> None:
    response = _confirm(bastion, ada["access_token"], "123456")

    assert (response.status_code, response.json["code"]) == (400, "invalid_code")


def test_a_code_works_once(bastion: Bastion, ada: dict[str, Any]) -> None:
    token = ada["access_token"]
    _request(bastion, token)
    code = _code(bastion)

    assert _confirm(bastion, token, code).status_code == 200
    assert _confirm(bastion, token, code).status_code == 400


def test_the_code_expires_after_fifteen_minutes(bastion: Bastion, ada: dict[str, Any]) -> None:
    token = ada["access_token"]
    _request(bastion, token)
    code = _code(bastion)
    bastion.clock.advance(minutes=15, seconds=1)
    fresh = bastion.log_in(OLD).json["access_token"]

    response = _confirm(bastion, fresh, code)

    assert (response.status_code, response.json["code"]) == (400, "invalid_code")


def test_a_taken_address_answers_alike_and_its_owner_is_told_instead(
    bastion: Bastion, ada: dict[str, Any]
) -> None:
    assert bastion.register(BOB, first_name="Bob").status_code == 202
    verify = {"email": BOB, "code": bastion.mail.last_code(BOB)}
    assert bastion.call("POST", "/auth/email/verify", json=verify).status_code == 200
    before = len(bastion.mail.sent)

    response = _request(bastion, ada["access_token"], new="BOB@Example.com")

    assert (response.status_code, response.json) == (202, {"status": "code_sent"})
    sent = bastion.mail.sent[before:]
    assert [(n.kind, n.to) for n in sent] == [(NoticeKind.EMAIL_IN_USE, BOB)]
    assert "code" not in sent[0].params
    assert sent[0].params["first_name"] == "Bob"  # the owner is greeted, not the requester


def test_an_address_taken_between_request_and_confirmation_is_a_conflict(
    bastion: Bastion, ada: dict[str, Any]
) -> None:
    token = ada["access_token"]
    _request(bastion, token)
    code = _code(bastion)
    bastion.signed_in(NEW.upper())

    response = _confirm(bastion, token, code)

    assert (response.status_code, response.json["code"]) == (409, "email_taken")
    assert bastion.call("GET", "/me", token=token).json["email"] == OLD


def test_the_same_address_or_a_malformed_one_is_refused(
    bastion: Bastion, ada: dict[str, Any]
) -> None:
    token = ada["access_token"]
    cases = {
        "ADA@example.com": "new_email",
        "not-an-email": "new_email",
        "a@example.com\r\nBcc: evil@example.net": "new_email",
    }
    for address, field in cases.items():
        response = _request(bastion, token, new=address)
        assert response.status_code == 422, address
        assert field in response.json["errors"]
    missing = bastion.call("POST", "/me/email", token=token, json={"new_email": NEW})
    assert (missing.status_code, list(missing.json["errors"])) == (422, ["password"])
    assert bastion.mail.to(NEW) == []


def test_a_reset_link_sent_to_the_old_address_dies_with_the_switch(
    bastion: Bastion, ada: dict[str, Any]
) -> None:
    bastion.call("POST", "/auth/password/forgot", json={"email": OLD})
    reset_token = bastion.mail.last_reset_token(OLD)
    _request(bastion, ada["access_token"])
    _confirm(bastion, ada["access_token"], _code(bastion))

    reset = bastion.call(
        "POST",
        "/auth/password/reset",
        json={"token": reset_token, "new_password": "an entirely new passphrase"},
    )

    assert (reset.status_code, reset.json["code"]) == (400, "invalid_reset_token")


def test_mails_to_one_new_address_are_capped(bastion: Bastion, ada: dict[str, Any]) -> None:
    for _ in range(5):
        assert _request(bastion, ada["access_token"]).status_code == 202

    assert len(bastion.mail.to(NEW)) == 3


def test_email_change_needs_a_valid_access_token(bastion: Bastion) -> None:
    for path, body in [
        ("/me/email", {"new_email": NEW, "password": PASSWORD}),
        ("/me/email/verify", {"code": "123456"}),
    ]:
        response = bastion.call("POST", path, json=body)
        assert (response.status_code, response.json["code"]) == (401, "invalid_token")
