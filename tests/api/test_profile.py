"""Reading and changing one's own profile."""

from __future__ import annotations

from uuid import UUID

from tests.api.conftest import Bastion


def test_me_returns_the_profile_without_secrets(bastion: Bastion) -> None:
    tokens = bastion.signed_in("ada@example.com")
    me = bastion.call("GET", "/me", token=tokens["access_token"])
    assert me.status_code == 200
    assert me.json["email"] == "ada@example.com"
    assert me.json["email_verified"] is True
    assert not {"password", "password_hash", "failed_login_count"} & set(me.json)


def test_patch_me_changes_names_and_phone_and_publishes(bastion: Bastion) -> None:
    tokens = bastion.signed_in("ada@example.com")
    response = bastion.call(
        "PATCH",
        "/me",
        token=tokens["access_token"],
        json={"first_name": "Augusta", "display_name": "Ada L.", "phone": "+44 20 7946 0958"},
    )
    assert response.status_code == 200
    assert response.json["first_name"] == "Augusta"
    assert response.json["phone"] == "+442079460958"
    assert response.json["phone_verified"] is False
    assert "profile.updated" in bastion.events(tokens["user"]["id"])
    assert "user:updated" in [c for c, _ in bastion.container.publisher().messages]
    cleared = bastion.call("PATCH", "/me", token=tokens["access_token"], json={"display_name": ""})
    assert cleared.json["display_name"] is None


def test_patch_me_refuses_protected_and_malformed_fields(bastion: Bastion) -> None:
    tokens = bastion.signed_in("ada@example.com")
    for body in ({"email_verified": True}, {"role": "admin"}, {"email": "x@example.com"}):
        response = bastion.call("PATCH", "/me", token=tokens["access_token"], json=body)
        assert response.status_code == 422, body
    bad_phone = bastion.call("PATCH", "/me", token=tokens["access_token"], json={"phone": "12"})
    assert bad_phone.status_code == 422
    assert "phone" in bad_phone.json["errors"]


def test_a_profile_change_is_logged_with_the_device_session_that_made_it(bastion: Bastion) -> None:
    tokens = bastion.signed_in("ada@example.com")
    token = tokens["access_token"]
    assert (
        bastion.call("PATCH", "/me", token=token, json={"first_name": "Augusta"}).status_code == 200
    )
    with bastion.container.uow() as uow:
        events = uow.events.list_for_user(UUID(tokens["user"]["id"]))  # type: ignore[arg-type]
    [event] = [e for e in events if e.type.value == "profile.updated"]
    assert str(event.session_id) == tokens["session_id"]
