"""Registration and email verification through the API."""

from __future__ import annotations

from application.ports.messaging import NoticeKind
from tests.api.conftest import PASSWORD, Bastion


def test_register_answers_the_same_whether_or_not_the_email_is_taken(bastion: Bastion) -> None:
    bastion.verified_user("owner@example.com")
    taken = bastion.register("Owner@Example.com")
    fresh = bastion.register("new@example.com")
    assert taken.status_code == fresh.status_code == 202
    assert taken.json == fresh.json == {"status": "verification_sent"}
    assert [n.kind for n in bastion.mail.to("owner@example.com")][-1] is NoticeKind.ACCOUNT_EXISTS
    assert [n.kind for n in bastion.mail.to("new@example.com")] == [NoticeKind.VERIFY_EMAIL]


def test_registration_records_an_event_and_publishes_ids_only(bastion: Bastion) -> None:
    bastion.verified_user("ada@example.com")
    profile = bastion.log_in("ada@example.com").json["user"]
    assert bastion.events(profile["id"])[-2:] == ["email.verified", "user.registered"]
    published = bastion.container.publisher().messages
    created = [payload for channel, payload in published if channel == "user:created"]
    assert created == [{"id": profile["id"], "user_id": profile["id"], "at": created[0]["at"]}]


def test_re_registering_an_unverified_email_replaces_the_password_and_voids_old_codes(
    bastion: Bastion,
) -> None:
    bastion.register("ada@example.com")
    first_code = bastion.mail.last_code("ada@example.com")
    bastion.register("ada@example.com", password="another long passphrase here")
    second_code = bastion.mail.last_code("ada@example.com")
    if first_code != second_code:
        stale = bastion.call(
            "POST", "/auth/email/verify", json={"email": "ada@example.com", "code": first_code}
        )
        assert stale.status_code == 400
    ok = bastion.call(
        "POST", "/auth/email/verify", json={"email": "ada@example.com", "code": second_code}
    )
    assert ok.status_code == 200
    assert bastion.log_in("ada@example.com", PASSWORD).status_code == 401
    assert bastion.log_in("ada@example.com", "another long passphrase here").status_code == 200


def test_weak_passwords_are_refused_with_the_rule_they_break(bastion: Bastion) -> None:
    cases = {
        "short": "at least 15",
        "passwordpassword": "common",
        "ada.lovelace2026bastion": "your name or email",
    }
    for password, words in cases.items():
        response = bastion.register("ada.lovelace@example.com", password=password)
        assert response.status_code == 422, password
        assert response.json["code"] in {"weak_password", "validation_error"}
        message = " ".join(response.json["errors"]["password"]).lower()
        assert any(w in message for w in words.split()), (password, message)


def test_long_and_non_ascii_passwords_are_neither_truncated_nor_a_crash(bastion: Bastion) -> None:
    long_ascii = "x" * 60 + "correct horse battery staple" + "y" * 40
    accented = "".join(chr(0x4E00 + (i * 37) % 2000) for i in range(127)) + "🙂"  # 508 bytes
    bastion.verified_user("long@example.com", password=long_ascii)
    bastion.verified_user("accent@example.com", password=accented)
    assert bastion.log_in("long@example.com", long_ascii).status_code == 200
    assert bastion.log_in("long@example.com", long_ascii[:72] + "different tail").status_code == 401
    assert bastion.log_in("accent@example.com", accented).status_code == 200
    too_long = bastion.register("big@example.com", password=accented + "é")
    assert too_long.status_code == 422


def test_a_password_of_emoji_or_of_an_unlisted_script_is_judged_by_what_it_is(
    bastion: Bastion,
) -> None:
    """Symbols other than a keyboard's punctuation are content, not padding around nothing."""
    emoji = "🦊🌵🎻🧲🚲🍋🛶🧩🦉🌋🎲🪁🥁🧭🦔🍄"
    devanagari = "नमस्ते दुनिया मेरा घर"
    bastion.verified_user("emoji@example.com", password=emoji)
    bastion.verified_user("hindi@example.com", password=devanagari)
    assert bastion.log_in("emoji@example.com", emoji).status_code == 200
    assert bastion.log_in("hindi@example.com", devanagari).status_code == 200
    padded = bastion.register("pad@example.com", password="password🔒🔒🔒🔒🔒🔒🔒")
    assert padded.status_code == 422
    assert "common" in " ".join(padded.json["errors"]["password"]).lower()


def test_mass_assignment_and_header_injection_are_refused(bastion: Bastion) -> None:
    body = {"email": "a@example.com", "password": PASSWORD, "first_name": "A", "last_name": "B"}
    assert bastion.call("POST", "/auth/register", json={**body, "role": "admin"}).status_code == 422
    injected = {**body, "email": "a@example.com\r\nBcc: e@evil.test"}
    assert bastion.call("POST", "/auth/register", json=injected).status_code == 422
    crlf_name = {**body, "first_name": "Ada\r\nBcc: e@evil.test"}
    assert bastion.call("POST", "/auth/register", json=crlf_name).status_code == 422
    assert bastion.mail.sent == []


def test_five_wrong_codes_void_the_code_and_resends_do_not_reset_the_budget(
    bastion: Bastion,
) -> None:
    bastion.register("ada@example.com")
    for _ in range(3):
        wrong = bastion.call(
            "POST", "/auth/email/verify", json={"email": "ada@example.com", "code": "000000"}
        )
        assert wrong.status_code == 400
        assert wrong.json["code"] == "invalid_code"
    assert (
        bastion.call("POST", "/auth/email/resend", json={"email": "ada@example.com"}).status_code
        == 202
    )
    code = bastion.mail.last_code("ada@example.com")
    for _ in range(2):
        bastion.call(
            "POST", "/auth/email/verify", json={"email": "ada@example.com", "code": "000000"}
        )
    blocked = bastion.call(
        "POST", "/auth/email/verify", json={"email": "ada@example.com", "code": code}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1


def test_a_verification_code_works_once(bastion: Bastion) -> None:
    bastion.register("ada@example.com")
    body = {"email": "ada@example.com", "code": bastion.mail.last_code("ada@example.com")}
    assert bastion.call("POST", "/auth/email/verify", json=body).status_code == 200
    assert bastion.call("POST", "/auth/email/verify", json=body).status_code == 400


def test_codes_expire_after_fifteen_minutes(bastion: Bastion) -> None:
    bastion.register("ada@example.com")
    code = bastion.mail.last_code("ada@example.com")
    bastion.clock.advance(minutes=16)
    response = bastion.call(
        "POST", "/auth/email/verify", json={"email": "ada@example.com", "code": code}
    )
    assert response.status_code == 400


def test_resend_answers_the_same_for_unknown_verified_and_pending_emails(bastion: Bastion) -> None:
    bastion.verified_user("done@example.com")
    bastion.register("pending@example.com")
    before = len(bastion.mail.sent)
    answers = [
        bastion.call("POST", "/auth/email/resend", json={"email": email})
        for email in ("nobody@example.com", "done@example.com", "pending@example.com")
    ]
    assert {(r.status_code, r.get_data()) for r in answers} == {(202, answers[0].get_data())}
    assert [n.to for n in bastion.mail.sent[before:]] == ["pending@example.com"]


def test_unverified_accounts_are_purged_after_a_week(bastion: Bastion) -> None:
    from application.auth.purge_unverified_users import PurgeUnverifiedUsersCommand

    bastion.register("stale@example.com")
    bastion.verified_user("kept@example.com")
    bastion.clock.advance(days=8)
    assert bastion.container.purge_unverified_users()(PurgeUnverifiedUsersCommand()) == 1
    assert bastion.log_in("kept@example.com").status_code == 200
    assert bastion.log_in("stale@example.com").status_code == 401
