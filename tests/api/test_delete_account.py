"""``DELETE /me``: proof required, everything owned goes, access ends at once, only the id
is published (SECURITY EV-05)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from uuid import UUID

import pyotp
import pytest
from sqlalchemy import text

from domain.events import EventType
from tests.api.conftest import PASSWORD, Bastion, BastionFactory
from tests.support.images import picture

ADA, BOB = "ada@example.com", "bob@example.com"
OWNED_TABLES = ("sessions", "refresh_tokens", "account_events", "mfa_factors", "backup_codes")


def _delete(bastion: Bastion, token: str, **proof: str) -> Any:
    return bastion.call("DELETE", "/me", token=token, json=proof)


def _enable_totp(bastion: Bastion, token: str) -> tuple[str, list[str]]:
    enabled = bastion.enable_totp(token)
    bastion.clock.advance(seconds=30)
    return enabled


def _published(bastion: Bastion, channel: str) -> list[dict[str, str]]:
    return [p for c, p in bastion.container.publisher().messages if c == channel]


def _dead(bastion: Bastion, tokens: dict[str, Any]) -> bool:
    me = bastion.call("GET", "/me", token=tokens["access_token"])
    refresh = bastion.call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    return (me.status_code, refresh.status_code) == (401, 401)


def test_the_password_deletes_the_account_and_every_session_dies_at_once(
    bastion: Bastion,
) -> None:
    here = bastion.signed_in(ADA)
    there = bastion.log_in(ADA).json
    bob = bastion.signed_in(BOB)
    assert bastion.call("GET", "/me", token=there["access_token"]).status_code == 200  # cached

    response = _delete(bastion, here["access_token"], password=PASSWORD)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert _dead(bastion, here)
    assert _dead(bastion, there)
    assert bastion.log_in(ADA).status_code == 401
    assert bastion.call("GET", "/me", token=bob["access_token"]).status_code == 200


def test_only_ids_are_published_and_an_anonymous_deletion_event_stays(bastion: Bastion) -> None:
    here = bastion.signed_in(ADA)
    user_id = here["user"]["id"]

    _delete(bastion, here["access_token"], password=PASSWORD)

    assert _published(bastion, "user:deleted") == [
        {"id": user_id, "user_id": user_id, "at": "2026-03-01T09:00:00Z"}
    ]
    assert here["session_id"] in {p["id"] for p in _published(bastion, "session:revoked")}
    with bastion.container.uow() as uow:
        assert uow.events.list_for_user(UUID(user_id)) == []  # type: ignore[arg-type]
        deleted = uow.events.page(event_type=EventType.ACCOUNT_DELETED, limit=5)
    assert [(e.user_id, e.session_id, dict(e.metadata)) for e in deleted] == [
        (None, None, {"proof": "password"})
    ]


@pytest.mark.parametrize("proof", ["totp", "backup_code"])
def test_a_fresh_second_factor_code_also_proves_it(bastion: Bastion, proof: str) -> None:
    here = bastion.signed_in(ADA)
    secret, backup_codes = _enable_totp(bastion, here["access_token"])
    code = pyotp.TOTP(secret).at(bastion.clock.now()) if proof == "totp" else backup_codes[0]

    response = _delete(bastion, here["access_token"], code=code)

    assert response.status_code == 204
    assert _dead(bastion, here)
    with bastion.container.uow() as uow:
        event = uow.events.page(event_type=EventType.ACCOUNT_DELETED, limit=1)[0]
    assert event.metadata == {"proof": proof}


def test_a_used_totp_code_does_not_prove_it(bastion: Bastion) -> None:
    here = bastion.signed_in(ADA)
    secret, _ = _enable_totp(bastion, here["access_token"])
    stale = pyotp.TOTP(secret).at(bastion.clock.now() - timedelta(seconds=30))  # confirmed setup

    response = _delete(bastion, here["access_token"], code=stale)

    assert (response.status_code, response.json["code"]) == (401, "invalid_mfa_code")
    assert bastion.call("GET", "/me", token=here["access_token"]).status_code == 200


@pytest.mark.parametrize(
    ("proof", "status", "code"),
    [
        ({"password": "not my password, sorry"}, 401, "invalid_credentials"),
        ({"code": "123456"}, 401, "invalid_mfa_code"),
        ({}, 422, "proof_required"),
    ],
)
def test_without_a_valid_proof_nothing_is_deleted(
    bastion: Bastion, proof: dict[str, str], status: int, code: str
) -> None:
    here = bastion.signed_in(ADA)

    response = _delete(bastion, here["access_token"], **proof)

    assert (response.status_code, response.json["code"]) == (status, code)
    assert bastion.call("GET", "/me", token=here["access_token"]).status_code == 200
    assert _published(bastion, "user:deleted") == []


def test_deletion_needs_a_valid_access_token_and_a_json_body(bastion: Bastion) -> None:
    here = bastion.signed_in(ADA)

    anonymous = _delete(bastion, "", password=PASSWORD)
    form = bastion.call("DELETE", "/me", token=here["access_token"], data={"password": PASSWORD})

    assert (anonymous.status_code, anonymous.json["code"]) == (401, "invalid_token")
    assert form.status_code == 415


def test_on_the_database_no_row_references_the_user_and_the_avatar_file_is_gone(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion("sql")
    here = bastion.signed_in(ADA)
    bob = bastion.signed_in(BOB)
    _enable_totp(bastion, here["access_token"])
    bastion.log_in(ADA, "wrong password, certainly")
    upload = bastion.call(
        "PUT",
        "/me/avatar",
        token=here["access_token"],
        data={"file": (io.BytesIO(picture()), "me.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200
    files = bastion.container.settings().files_dir
    assert len([p for p in files.rglob("*") if p.is_file()]) == 1
    before = _counts(bastion, here["user"]["id"])
    assert all(before.values()), before  # every table holds something of the user's

    assert _delete(bastion, here["access_token"], password=PASSWORD).status_code == 204

    assert _counts(bastion, here["user"]["id"]) == dict.fromkeys(before, 0)
    assert _counts(bastion, bob["user"]["id"])["users"] == 1
    assert [p for p in files.rglob("*") if p.is_file()] == []
    assert _dead(bastion, here)
    assert bastion.call("GET", "/me", token=bob["access_token"]).status_code == 200


def _counts(bastion: Bastion, user_id: str) -> dict[str, int]:
    key = {"id": UUID(user_id).hex}
    counts = {}
    with bastion.container.engine().connect() as connection:
        for table, column in [("users", "id"), *((t, "user_id") for t in OWNED_TABLES)]:
            query = text(f"SELECT count(*) FROM {table} WHERE {column} = :id")  # noqa: S608
            counts[table] = int(connection.scalar(query, key) or 0)
    return counts
