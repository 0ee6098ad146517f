from __future__ import annotations

import pytest

from adapters.notify.templates import NoticeRenderer, clean
from application.ports.messaging import Notice, NoticeKind

PUBLIC_URL = "https://auth.example.com"
PARAMS = {
    NoticeKind.VERIFY_EMAIL: {"first_name": "Ann", "code": "012345"},
    NoticeKind.ACCOUNT_EXISTS: {"first_name": "Ann"},
    NoticeKind.PASSWORD_RESET: {"first_name": "Ann", "token": "tok_en-123"},
    NoticeKind.PASSWORD_CHANGED: {"first_name": "Ann"},
    NoticeKind.PASSWORD_RESET_DONE: {"first_name": "Ann"},
    NoticeKind.MFA_ENABLED: {
        "first_name": "Ann",
        "factor": "SMS codes",
        "at": "2026-03-01T09:00:00Z",
    },
    NoticeKind.MFA_DISABLED: {
        "first_name": "Ann",
        "factor": "SMS codes",
        "at": "2026-03-01T09:00:00Z",
    },
    NoticeKind.BACKUP_CODES_REGENERATED: {"first_name": "Ann", "factor": "backup codes", "at": "x"},
    NoticeKind.BACKUP_CODE_USED: {"first_name": "Ann", "codes_left": "9", "at": "x"},
    NoticeKind.EMAIL_CHANGE_CODE: {"first_name": "Ann", "code": "012345"},
    NoticeKind.EMAIL_IN_USE: {"first_name": "Ann"},
    NoticeKind.EMAIL_CHANGED: {"first_name": "Ann", "at": "2026-03-01T09:00:00Z"},
    NoticeKind.NEW_SIGN_IN: {
        "first_name": "Ann",
        "device": "Firefox on Linux",
        "place": "Berlin, DE",
        "at": "2026-03-01T09:00:00Z",
    },
    NoticeKind.EXPORT_READY: {"first_name": "Ann", "expires_at": "2026-03-08 09:00"},
    NoticeKind.PASSKEY_ADDED: {"first_name": "Ann", "name": "Laptop", "at": "x"},
    NoticeKind.PASSKEY_REMOVED: {"first_name": "Ann", "name": "Laptop", "at": "x"},
    NoticeKind.PROVIDER_LINKED: {"first_name": "Ann", "provider": "GitHub", "at": "x"},
    NoticeKind.PROVIDER_UNLINKED: {"first_name": "Ann", "provider": "GitHub", "at": "x"},
}


def render(kind: NoticeKind, **params: str) -> tuple[str, str]:
    rendered = NoticeRenderer(PUBLIC_URL + "/").render(
        Notice(kind, "ann@example.com", PARAMS[kind] | params)
    )
    return rendered.subject, rendered.body


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_kind_renders_and_every_link_starts_with_the_public_url(kind: NoticeKind) -> None:
    subject, body = render(kind)
    assert subject
    assert "\n" not in subject
    assert body.startswith("Hello Ann,")
    links = [word for word in body.split() if "://" in word]
    assert all(link.startswith(PUBLIC_URL + "/") for link in links)
    assert "//" not in body.replace("https://", "")


def test_the_verification_mail_holds_the_code_and_its_lifetime() -> None:
    _, body = render(NoticeKind.VERIFY_EMAIL)
    assert "012345" in body
    assert "15 minutes" in body


def test_the_reset_link_carries_the_token_in_the_fragment_only() -> None:
    _, body = render(NoticeKind.PASSWORD_RESET)
    assert f"{PUBLIC_URL}/account/reset-password#token=tok_en-123" in body
    assert "?token=" not in body
    assert "30 minutes" in body


def test_the_account_exists_notice_points_to_sign_in_and_reset() -> None:
    _, body = render(NoticeKind.ACCOUNT_EXISTS)
    assert f"{PUBLIC_URL}/account/sign-in" in body
    assert f"{PUBLIC_URL}/account/forgot-password" in body


def test_user_fields_lose_control_characters_and_line_breaks() -> None:
    _, body = render(NoticeKind.PASSWORD_CHANGED, first_name="Ann\r\nBcc: e@evil.test\x00\u202e")
    assert body.startswith("Hello Ann Bcc: e@evil.test,\n")
    assert "\r" not in body
    assert "\x00" not in body
    assert "\u202e" not in body


def test_params_cannot_replace_the_public_url_or_the_greeting() -> None:
    _, body = render(
        NoticeKind.PASSWORD_RESET, public_url="https://evil.test", greeting="Click here"
    )
    assert "evil.test" not in body
    assert body.startswith("Hello Ann,")
    assert f"{PUBLIC_URL}/account/reset-password#token=" in body


def test_clean_keeps_letters_and_single_spaces_only() -> None:
    assert clean("  Zoë\t\u2028 Ünal\u200b ") == "Zoë Ünal"
    assert len(clean("x" * 500)) == 100


def test_a_missing_name_gives_a_plain_greeting() -> None:
    body = NoticeRenderer(PUBLIC_URL).render(Notice(NoticeKind.PASSWORD_RESET_DONE, "a@b.c")).body
    assert body.startswith("Hello,\n")


def test_a_missing_secret_is_an_error_not_an_empty_mail() -> None:
    with pytest.raises(ValueError, match="code"):
        NoticeRenderer(PUBLIC_URL).render(Notice(NoticeKind.VERIFY_EMAIL, "a@b.c", {}))


def test_the_public_url_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="absolute"):
        NoticeRenderer("auth.example.com")


def test_the_new_sign_in_notice_names_device_place_time_and_where_to_review() -> None:
    _, body = render(NoticeKind.NEW_SIGN_IN, device="Firefox on Linux\r\nBcc: e@evil.test")

    assert "Device: Firefox on Linux Bcc: e@evil.test\n" in body
    assert "Place: Berlin, DE (approximate)" in body
    assert "Time: 2026-03-01T09:00:00Z (UTC)" in body
    assert f"{PUBLIC_URL}/account/sessions" in body


def test_the_email_change_mails_hold_a_code_only_for_the_new_address() -> None:
    _, code_mail = render(NoticeKind.EMAIL_CHANGE_CODE)
    _, changed = render(NoticeKind.EMAIL_CHANGED)
    _, in_use = render(NoticeKind.EMAIL_IN_USE)

    assert "012345" in code_mail
    assert "15 minutes" in code_mail
    assert "2026-03-01T09:00:00Z" in changed
    assert not any(ch.isdigit() for ch in in_use.replace(PUBLIC_URL, ""))
