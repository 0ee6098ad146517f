"""Changing and resetting the password."""

from __future__ import annotations

from application.ports.messaging import NoticeKind
from tests.api.conftest import PASSWORD, Bastion

NEW = "a completely different passphrase"


def test_change_password_needs_the_current_one_and_ends_other_sessions(bastion: Bastion) -> None:
    here = bastion.signed_in("ada@example.com")
    there = bastion.log_in("ada@example.com").json
    wrong = bastion.call(
        "POST",
        "/me/password",
        token=here["access_token"],
        json={"current_password": "not my password at all", "new_password": NEW},
    )
    assert (wrong.status_code, wrong.json["code"]) == (401, "invalid_credentials")
    ok = bastion.call(
        "POST",
        "/me/password",
        token=here["access_token"],
        json={"current_password": PASSWORD, "new_password": NEW},
    )
    assert ok.status_code == 204
    assert bastion.call("GET", "/me", token=here["access_token"]).status_code == 200
    assert bastion.call("GET", "/me", token=there["access_token"]).status_code == 401
    refresh = bastion.call("POST", "/auth/refresh", json={"refresh_token": there["refresh_token"]})
    assert refresh.status_code == 401
    assert bastion.log_in("ada@example.com", NEW).status_code == 200
    assert bastion.mail.to("ada@example.com", NoticeKind.PASSWORD_CHANGED)
    assert "password.changed" in bastion.events(here["user"]["id"])


def test_change_password_applies_the_policy(bastion: Bastion) -> None:
    here = bastion.signed_in("ada@example.com")
    weak = bastion.call(
        "POST",
        "/me/password",
        token=here["access_token"],
        json={"current_password": PASSWORD, "new_password": "passwordpassword"},
    )
    assert weak.status_code == 422
    assert "new_password" in weak.json["errors"]


def test_reset_flow_revokes_every_session_and_issues_no_tokens(bastion: Bastion) -> None:
    one = bastion.signed_in("ada@example.com")
    two = bastion.log_in("ada@example.com").json
    assert (
        bastion.call("POST", "/auth/password/forgot", json={"email": "ADA@example.com"}).status_code
        == 202
    )
    token = bastion.mail.last_reset_token("ada@example.com")
    reset = bastion.call("POST", "/auth/password/reset", json={"token": token, "new_password": NEW})
    assert reset.status_code == 204
    assert reset.get_data() == b""
    for tokens in (one, two):
        assert bastion.call("GET", "/me", token=tokens["access_token"]).status_code == 401
        refresh = bastion.call(
            "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refresh.status_code == 401
    assert bastion.log_in("ada@example.com", PASSWORD).status_code == 401
    assert bastion.log_in("ada@example.com", NEW).status_code == 200
    assert bastion.mail.to("ada@example.com", NoticeKind.PASSWORD_RESET_DONE)
    events = bastion.events(one["user"]["id"])
    assert "password.reset" in events
    assert "password.reset_requested" in events


def test_a_reset_token_works_once_and_expires(bastion: Bastion) -> None:
    bastion.verified_user("ada@example.com")
    bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    token = bastion.mail.last_reset_token("ada@example.com")
    assert (
        bastion.call(
            "POST", "/auth/password/reset", json={"token": token, "new_password": NEW}
        ).status_code
        == 204
    )
    again = bastion.call(
        "POST", "/auth/password/reset", json={"token": token, "new_password": NEW + "!"}
    )
    assert (again.status_code, again.json["code"]) == (400, "invalid_reset_token")
    bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    late = bastion.mail.last_reset_token("ada@example.com")
    bastion.clock.advance(minutes=31)
    assert (
        bastion.call(
            "POST", "/auth/password/reset", json={"token": late, "new_password": NEW}
        ).status_code
        == 400
    )


def test_a_newer_reset_request_voids_the_older_token(bastion: Bastion) -> None:
    bastion.verified_user("ada@example.com")
    bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    older = bastion.mail.last_reset_token("ada@example.com")
    bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    newer = bastion.mail.last_reset_token("ada@example.com")
    assert (
        bastion.call(
            "POST", "/auth/password/reset", json={"token": older, "new_password": NEW}
        ).status_code
        == 400
    )
    assert (
        bastion.call(
            "POST", "/auth/password/reset", json={"token": newer, "new_password": NEW}
        ).status_code
        == 204
    )


def test_a_refused_new_password_does_not_burn_the_token(bastion: Bastion) -> None:
    bastion.verified_user("ada@example.com")
    bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    token = bastion.mail.last_reset_token("ada@example.com")
    weak = bastion.call(
        "POST", "/auth/password/reset", json={"token": token, "new_password": "short"}
    )
    assert weak.status_code == 422
    assert (
        bastion.call(
            "POST", "/auth/password/reset", json={"token": token, "new_password": NEW}
        ).status_code
        == 204
    )


def test_forgot_password_answers_alike_and_mails_only_real_accounts(bastion: Bastion) -> None:
    bastion.verified_user("ada@example.com")
    before = len(bastion.mail.sent)
    answers = [
        bastion.call("POST", "/auth/password/forgot", json={"email": email})
        for email in ("nobody@example.com", "ada@example.com")
    ]
    assert answers[0].status_code == answers[1].status_code == 202
    assert answers[0].get_data() == answers[1].get_data()
    assert [n.to for n in bastion.mail.sent[before:]] == ["ada@example.com"]


def test_reset_mail_to_one_address_is_capped(bastion: Bastion) -> None:
    bastion.verified_user("ada@example.com")
    for _ in range(10):
        assert (
            bastion.call(
                "POST", "/auth/password/forgot", json={"email": "ada@example.com"}
            ).status_code
            == 202
        )
    assert len(bastion.mail.to("ada@example.com", NoticeKind.PASSWORD_RESET)) == 3


def test_only_the_newest_reset_token_works_even_if_an_older_record_survived(
    bastion: Bastion,
) -> None:
    from application.auth.request_password_reset import reset_key

    bastion.verified_user("ada@example.com")
    store, digester = bastion.container.challenges(), bastion.container.digester()
    bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    older = bastion.mail.last_reset_token("ada@example.com")
    record = store.get(reset_key(digester.digest(older)))
    assert record is not None
    bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    newer = bastion.mail.last_reset_token("ada@example.com")
    store.put(reset_key(digester.digest(older)), record, 1800)  # as two racing requests leave it
    stale = bastion.call("POST", "/auth/password/reset", json={"token": older, "new_password": NEW})
    assert stale.status_code == 400
    fresh = bastion.call("POST", "/auth/password/reset", json={"token": newer, "new_password": NEW})
    assert fresh.status_code == 204


def test_forgot_and_resend_cost_the_same_for_every_kind_of_email(bastion: Bastion) -> None:
    from domain.users import UserStatus
    from domain.values import EmailAddress

    bastion.verified_user("verified@example.com")
    bastion.verified_user("disabled@example.com")
    bastion.register("pending@example.com")
    with bastion.container.uow() as uow:
        user = uow.users.get_by_email(EmailAddress.parse("disabled@example.com"))
        assert user is not None
        user.status = UserStatus.DISABLED
        uow.users.save(user)
        uow.commit()
    emails = ("nobody@example.com", "pending@example.com", "verified@example.com")
    for path in ("/auth/password/forgot", "/auth/email/resend"):
        answers, tasks = [], set()
        for email in (*emails, "disabled@example.com"):
            before = len(bastion.tasks.deferred)
            response = bastion.call("POST", path, json={"email": email})
            answers.append((response.status_code, response.json, response.headers["Cache-Control"]))
            [(task, payload)] = bastion.tasks.deferred[before:]  # one queued task, nothing else
            assert payload == {"email": email}
            tasks.add(task)
        assert len(set(map(str, answers))) == 1, answers
        assert len(tasks) == 1
    assert [n.to for n in bastion.mail.sent[-2:]] == ["verified@example.com", "pending@example.com"]


def test_register_change_and_reset_refuse_the_same_weak_passwords_alike(bastion: Bastion) -> None:
    tokens = bastion.signed_in("ada.lovelace@example.com")
    bastion.call("POST", "/auth/password/forgot", json={"email": "ada.lovelace@example.com"})
    reset_token = bastion.mail.last_reset_token("ada.lovelace@example.com")
    for weak in ("passwordpassword", "lovelace2026bastion"):
        answers = [
            bastion.register("ada.lovelace@example.org", password=weak),
            bastion.call(
                "POST",
                "/me/password",
                token=tokens["access_token"],
                json={"current_password": PASSWORD, "new_password": weak},
            ),
            bastion.call(
                "POST", "/auth/password/reset", json={"token": reset_token, "new_password": weak}
            ),
        ]
        codes = {(a.status_code, a.json["code"]) for a in answers}
        assert codes == {(422, "weak_password")}, (weak, codes)
