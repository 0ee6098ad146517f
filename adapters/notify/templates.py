"""Plain-text mail for each notice kind. Links start with the configured public URL, never
with anything from a request (EV-02); user-supplied text is cleaned before use (EV-04)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from string import Template
from urllib.parse import quote

from application.ports.messaging import Notice, NoticeKind

FIELD_LIMIT = 100
_LIMITS = {"first_name": FIELD_LIMIT, "name": FIELD_LIMIT}
_SIGNATURE = "\n-- \nBastion\n"
_TEMPLATES: dict[NoticeKind, tuple[str, str]] = {
    NoticeKind.VERIFY_EMAIL: (
        "Your verification code",
        "$greeting\n\nYour verification code is: $code\n\nIt expires in 15 minutes. If you did"
        " not create an account, ignore this message.\n",
    ),
    NoticeKind.ACCOUNT_EXISTS: (
        "Someone tried to register with your address",
        "$greeting\n\nSomeone tried to register with this email address, which already has an"
        " account.\n\nIf it was you, sign in at $public_url/account/sign-in or reset your"
        " password at $public_url/account/forgot-password.\nIf it was not, ignore this"
        " message: nothing changed.\n",
    ),
    NoticeKind.PASSWORD_RESET: (
        "Reset your password",
        "$greeting\n\nTo choose a new password, open this link within 30 minutes:\n\n"
        "$public_url/account/reset-password#token=$token\n\nIf you did not ask for this,"
        " ignore this message: your password stays as it is.\n",
    ),
    NoticeKind.PASSWORD_CHANGED: (
        "Your password was changed",
        "$greeting\n\nThe password of your account was just changed and your other devices"
        " were signed out.\n\nIf this was not you, reset your password now at"
        " $public_url/account/forgot-password.\n",
    ),
    NoticeKind.PASSWORD_RESET_DONE: (
        "Your password was reset",
        "$greeting\n\nThe password of your account was just reset and every device was signed"
        " out.\n\nIf this was not you, reset your password now at"
        " $public_url/account/forgot-password.\n",
    ),
    NoticeKind.MFA_ENABLED: (
        "A second factor was turned on",
        "$greeting\n\nSign-in with $factor was turned on for your account at $at (UTC)."
        "\n\nIf this was not you, reset your password at $public_url/account/forgot-password"
        " and review your security settings.\n",
    ),
    NoticeKind.MFA_DISABLED: (
        "A second factor was turned off",
        "$greeting\n\nSign-in with $factor was turned off for your account at $at (UTC)."
        "\n\nIf this was not you, reset your password at $public_url/account/forgot-password"
        " and turn it back on.\n",
    ),
    NoticeKind.BACKUP_CODES_REGENERATED: (
        "New backup codes were made",
        "$greeting\n\nA new set of backup codes was made for your account at $at (UTC); the"
        " old codes no longer work.\n\nIf this was not you, reset your password at"
        " $public_url/account/forgot-password.\n",
    ),
    NoticeKind.BACKUP_CODE_USED: (
        "A backup code was used to sign in",
        "$greeting\n\nA backup code was used to sign in to your account at $at (UTC)."
        " $codes_left codes are left.\n\nIf this was not you, reset your password at"
        " $public_url/account/forgot-password and make new backup codes.\n",
    ),
    NoticeKind.EMAIL_CHANGE_CODE: (
        "Confirm your new email address",
        "$greeting\n\nYour code to move your account to this address is: $code\n\nIt expires"
        " in 15 minutes. If you did not ask for this, ignore this message: nothing changes.\n",
    ),
    NoticeKind.EMAIL_IN_USE: (
        "Someone tried to use your address",
        "$greeting\n\nSomeone signed in to another account asked to move it to this email"
        " address, which already has an account. Nothing changed.\n\nIf it was you, sign in"
        " at $public_url/account/sign-in with this address instead.\n",
    ),
    NoticeKind.EMAIL_CHANGED: (
        "Your email address was changed",
        "$greeting\n\nThe email address of your account was changed at $at (UTC); mail for it"
        " now goes to the new address.\n\nIf this was not you, your account may be in"
        " someone else's hands: contact the administrator of this service now.\n",
    ),
    NoticeKind.NEW_SIGN_IN: (
        "New sign-in to your account",
        "$greeting\n\nYour account was just signed in to from a device or place we have not"
        " seen before:\n\n  Device: $device\n  Place: $place (approximate)\n  Time: $at (UTC)"
        "\n\nIf this was you, there is nothing to do. If not, review and end your sessions at"
        " $public_url/account/sessions and change your password.\n",
    ),
    NoticeKind.EXPORT_READY: (
        "Your data export is ready",
        "$greeting\n\nThe export of your account data you asked for is ready. Download it"
        " while signed in at $public_url/account/exports before $expires_at (UTC); after"
        " that it is deleted.\n\nIf you did not ask for it, change your password and end"
        " your other sessions.\n",
    ),
    NoticeKind.PASSKEY_ADDED: (
        "A passkey was added to your account",
        '$greeting\n\nA passkey named "$name" was added to your account at $at (UTC). It'
        " can now sign in to the account without a password.\n\nIf this was not you, remove"
        " it at $public_url/account/passkeys, reset your password at"
        " $public_url/account/forgot-password and end your other sessions.\n",
    ),
    NoticeKind.PASSKEY_REMOVED: (
        "A passkey was removed from your account",
        '$greeting\n\nThe passkey named "$name" was removed from your account at $at'
        " (UTC); it can no longer sign in.\n\nIf this was not you, reset your password at"
        " $public_url/account/forgot-password and review your security settings.\n",
    ),
    NoticeKind.PROVIDER_LINKED: (
        "A sign-in provider was linked to your account",
        "$greeting\n\nYour $provider account was linked to your account at $at (UTC). It"
        " can now sign in to the account.\n\nIf this was not you, unlink it at"
        " $public_url/account/providers, reset your password at"
        " $public_url/account/forgot-password"
        " and end your other sessions.\n",
    ),
    NoticeKind.PROVIDER_UNLINKED: (
        "A sign-in provider was unlinked from your account",
        "$greeting\n\nYour $provider account was unlinked from your account at $at (UTC);"
        " it can no longer sign in to it.\n\nIf this was not you, reset your password at"
        " $public_url/account/forgot-password and review your security settings.\n",
    ),
}


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    subject: str
    body: str


class NoticeRenderer:
    """Subjects are fixed text, so nothing a user typed reaches a mail header. The reset
    token travels in the link's fragment (``#token=``), which browsers never send to a
    server, so it cannot land in an access log; the page posts it in a JSON body (PR-01)."""

    def __init__(self, public_url: str) -> None:
        if not public_url.startswith(("https://", "http://")):
            raise ValueError("the public URL must be absolute (http or https)")
        self._public_url = public_url.rstrip("/")

    def render(self, notice: Notice) -> RenderedNotice:
        subject, body = _TEMPLATES[notice.kind]
        fields = {name: clean(value, _LIMITS.get(name)) for name, value in notice.params.items()}
        values = {
            "greeting": _greeting(fields.get("first_name", "")),
            "public_url": self._public_url,
            **_url_safe(fields, "token"),
            **{k: v for k, v in fields.items() if k not in {"token", "public_url", "greeting"}},
        }
        try:
            text = Template(body).substitute(values)
        except KeyError as exc:
            raise ValueError(f"a {notice.kind.value} notice needs {exc.args[0]!r}") from exc
        return RenderedNotice(subject=subject, body=text + _SIGNATURE)


def clean(value: str, limit: int | None = FIELD_LIMIT) -> str:
    """White space (CR, LF, tabs, line separators) becomes one space; other control and
    format characters (NUL, bidi overrides) go; names are cut at ``FIELD_LIMIT``."""
    spaced = "".join(" " if c.isspace() else c for c in str(value))
    kept = "".join(c for c in spaced if unicodedata.category(c)[0] != "C")
    return " ".join(kept.split())[:limit]


def _greeting(first_name: str) -> str:
    return f"Hello {first_name}," if first_name else "Hello,"


def _url_safe(fields: Mapping[str, str], name: str) -> dict[str, str]:
    return {name: quote(fields[name], safe="")} if name in fields else {}
