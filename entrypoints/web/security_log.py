"""The security log in sentences: "New sign-in from Firefox on Linux, Berlin".

Each event type has a sentence built from its metadata (which holds no personal data by
construction) and, for a sign-in, from the device session it created while that session
is still listed. An unknown type still reads as a sentence, never as a code alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from application.results import EventItem, SessionView
from domain.events import EventType
from entrypoints.web.wording import device, place

Sessions = Mapping[str, SessionView]
_METHODS = {
    "pwd": "a password",
    "otp": "an authenticator code",
    "sms": "a text message code",
    "backup": "a backup code",
    "passkey": "a passkey",
    "oauth": "another account",
}
_REVOKED = {
    "user": "You signed a device out",
    "logout": "You signed out",
    "password_changed": "A device was signed out when the password changed",
    "password_reset": "Every device was signed out by a password reset",
    "admin": "An administrator signed a device out",
    "account_disabled": "A device was signed out when the account was disabled",
    "token_reuse": "A device was signed out because its sign-in was used twice",
    "account_deleted": "A device was signed out when the account was deleted",
    "expired": "A sign-in expired",
}
_FAILED = {
    "wrong_password": "A sign-in failed: wrong password",
    "account_disabled": "A sign-in was refused: the account is disabled",
    "account_locked": "A sign-in was refused: the account is locked",
    "email_not_verified": "A sign-in was refused: the email address was not yet confirmed",
}
_PLAIN: Mapping[str, str] = {
    EventType.USER_REGISTERED: "Account created",
    EventType.EMAIL_VERIFIED: "Email address confirmed",
    EventType.TOKEN_REUSE_DETECTED: (
        "A stolen or copied sign-in was detected and that device was signed out"
    ),
    EventType.PASSWORD_CHANGED: "Password changed",
    EventType.PASSWORD_RESET_REQUESTED: "A password reset link was requested",
    EventType.PASSWORD_RESET: "Password reset with a mailed link",
    EventType.MFA_TOTP_ENABLED: "Authenticator app turned on",
    EventType.MFA_TOTP_DISABLED: "Authenticator app turned off",
    EventType.MFA_SMS_ENABLED: "SMS codes turned on",
    EventType.MFA_SMS_DISABLED: "SMS codes turned off",
    EventType.MFA_BACKUP_CODES_REGENERATED: "New backup codes made; the old ones stopped working",
    EventType.LOGIN_MFA_CHALLENGED: "Password accepted; a second step was asked for",
    EventType.PHONE_VERIFIED: "Phone number confirmed",
    EventType.ACCOUNT_DISABLED: "Account disabled by an administrator",
    EventType.ACCOUNT_ENABLED: "Account enabled by an administrator",
    EventType.EMAIL_CHANGE_REQUESTED: "A change of email address was started",
    EventType.EMAIL_CHANGED: "Email address changed",
    EventType.EXPORT_REQUESTED: "Data export requested",
    EventType.EXPORT_COMPLETED: "Data export ready",
    EventType.EXPORT_FAILED: "Data export failed",
    EventType.EXPORT_DOWNLOADED: "Data export downloaded",
    EventType.EXPORT_EXPIRED: "Data export expired and was deleted",
    EventType.PASSKEY_ADDED: "Passkey added",
    EventType.PASSKEY_REMOVED: "Passkey removed",
    EventType.PASSKEY_COUNTER_REGRESSION: (
        "A passkey was refused: it looked copied (its counter went back)"
    ),
}


@dataclass(frozen=True, slots=True)
class Kind:
    """What sort of event a line is, as a small label beside it."""

    label: str
    style: str


_SIGN_IN = Kind("Sign-in", "badge-accent")
_CHANGE = Kind("Security", "")
_ALERT = Kind("Alert", "badge-danger")
_DATA = Kind("Your data", "")
_ACCOUNT = Kind("Account", "")
_KINDS: Mapping[str, Kind] = {
    EventType.LOGIN_SUCCEEDED: _SIGN_IN,
    EventType.SESSION_CREATED: _SIGN_IN,
    EventType.LOGIN_MFA_CHALLENGED: _SIGN_IN,
    EventType.SESSION_REVOKED: Kind("Sign-out", ""),
    EventType.LOGIN_FAILED: _ALERT,
    EventType.LOGIN_MFA_FAILED: _ALERT,
    EventType.TOKEN_REUSE_DETECTED: _ALERT,
    EventType.SESSION_SUSPICIOUS: _ALERT,
    EventType.STEP_UP_FAILED: _ALERT,
    EventType.PASSKEY_COUNTER_REGRESSION: _ALERT,
    EventType.EXPORT_REQUESTED: _DATA,
    EventType.EXPORT_COMPLETED: _DATA,
    EventType.EXPORT_FAILED: _DATA,
    EventType.EXPORT_DOWNLOADED: _DATA,
    EventType.EXPORT_EXPIRED: _DATA,
    EventType.USER_REGISTERED: _ACCOUNT,
    EventType.EMAIL_VERIFIED: _ACCOUNT,
    EventType.PROFILE_UPDATED: _ACCOUNT,
    EventType.PHONE_VERIFIED: _ACCOUNT,
    EventType.ACCOUNT_DISABLED: _ALERT,
    EventType.ACCOUNT_ENABLED: _ACCOUNT,
}


def kind(event_type: str) -> Kind:
    """Security changes (passwords, factors, passkeys, email) are the default."""
    return _KINDS.get(event_type, _CHANGE)


def describe(event: EventItem, sessions: Sessions) -> str:
    special = _SPECIAL.get(event.type)
    if special is not None:
        return special(event, sessions)
    return _PLAIN.get(event.type) or event.type.replace(".", " ").replace("_", " ").capitalize()


def _session_created(event: EventItem, sessions: Sessions) -> str:
    meta = event.metadata
    listed = sessions.get(str(event.session_id)) if event.session_id else None
    browser, os = _text(meta.get("browser")), _text(meta.get("os"))
    words = f"New sign-in from {device(browser, os)}"
    where = place(listed.location) if listed else None
    return f"{words}, {where}" if where else words


def _signed_in(event: EventItem, sessions: Sessions) -> str:
    steps = [_METHODS.get(step, step) for step in str(event.metadata.get("method", "")).split("+")]
    steps = [step for step in steps if step]
    return f"Signed in with {' and '.join(steps)}" if steps else "Signed in"


def _failed(event: EventItem, sessions: Sessions) -> str:
    return _FAILED.get(str(event.metadata.get("reason")), "A sign-in failed")


def _mfa_failed(event: EventItem, sessions: Sessions) -> str:
    if event.metadata.get("reason") == "replay":
        return "A second-step code was refused: it had been used already"
    return "A wrong second-step code was entered"


def _revoked(event: EventItem, sessions: Sessions) -> str:
    return _REVOKED.get(str(event.metadata.get("reason")), "A device was signed out")


def _suspicious(event: EventItem, sessions: Sessions) -> str:
    return f"Unusual sign-in (trust {event.metadata.get('trust_score', '?')}/100): we mailed you"


def _profile(event: EventItem, sessions: Sessions) -> str:
    fields = str(event.metadata.get("fields", "")).replace("_", " ").replace(",", ", ")
    return f"Profile changed: {fields}" if fields else "Profile changed"


def _backup_used(event: EventItem, sessions: Sessions) -> str:
    return f"A backup code was used ({event.metadata.get('codes_left', '?')} left)"


def _step_up(event: EventItem, sessions: Sessions) -> str:
    action = str(event.metadata.get("action", "a change")).replace("_", " ")
    return f"A confirmation failed ({action})"


def _deleted(event: EventItem, sessions: Sessions) -> str:
    return "Account deleted"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


_SPECIAL: Mapping[str, Callable[[EventItem, Sessions], str]] = {
    EventType.SESSION_CREATED: _session_created,
    EventType.LOGIN_SUCCEEDED: _signed_in,
    EventType.LOGIN_FAILED: _failed,
    EventType.LOGIN_MFA_FAILED: _mfa_failed,
    EventType.SESSION_REVOKED: _revoked,
    EventType.SESSION_SUSPICIOUS: _suspicious,
    EventType.PROFILE_UPDATED: _profile,
    EventType.MFA_BACKUP_CODE_USED: _backup_used,
    EventType.STEP_UP_FAILED: _step_up,
    EventType.ACCOUNT_DELETED: _deleted,
}
_LABELS: Mapping[str, str] = {
    EventType.USER_REGISTERED: "Account created",
    EventType.EMAIL_VERIFIED: "Email confirmed",
    EventType.LOGIN_SUCCEEDED: "Sign-ins",
    EventType.LOGIN_FAILED: "Failed sign-ins",
    EventType.LOGIN_MFA_CHALLENGED: "Second steps asked",
    EventType.LOGIN_MFA_FAILED: "Wrong second-step codes",
    EventType.TOKEN_REUSE_DETECTED: "Copied sign-ins detected",
    EventType.SESSION_CREATED: "New sign-ins",
    EventType.SESSION_REVOKED: "Devices signed out",
    EventType.SESSION_SUSPICIOUS: "Unusual sign-ins",
    EventType.PASSWORD_CHANGED: "Password changes",
    EventType.PASSWORD_RESET_REQUESTED: "Reset links requested",
    EventType.PASSWORD_RESET: "Password resets",
    EventType.PROFILE_UPDATED: "Profile changes",
    EventType.PHONE_VERIFIED: "Phone confirmed",
    EventType.EMAIL_CHANGE_REQUESTED: "Email changes started",
    EventType.EMAIL_CHANGED: "Email changes",
    EventType.MFA_TOTP_ENABLED: "Authenticator app on",
    EventType.MFA_TOTP_DISABLED: "Authenticator app off",
    EventType.MFA_SMS_ENABLED: "Text codes on",
    EventType.MFA_SMS_DISABLED: "Text codes off",
    EventType.MFA_BACKUP_CODES_REGENERATED: "New backup codes",
    EventType.MFA_BACKUP_CODE_USED: "Backup codes used",
    EventType.STEP_UP_FAILED: "Failed confirmations",
    EventType.PASSKEY_ADDED: "Passkeys added",
    EventType.PASSKEY_REMOVED: "Passkeys removed",
    EventType.PASSKEY_COUNTER_REGRESSION: "Copied passkeys refused",
    EventType.ACCOUNT_DISABLED: "Account disabled",
    EventType.ACCOUNT_ENABLED: "Account enabled",
    EventType.EXPORT_REQUESTED: "Exports requested",
    EventType.EXPORT_COMPLETED: "Exports ready",
    EventType.EXPORT_FAILED: "Exports failed",
    EventType.EXPORT_DOWNLOADED: "Exports downloaded",
    EventType.EXPORT_EXPIRED: "Exports expired",
}
FILTERS: tuple[tuple[str, str], ...] = tuple(
    (kind.value, _LABELS[kind]) for kind in EventType if kind in _LABELS
)
"""The types a person can filter by, with their names (a deletion's event is never seen
by the person it deleted)."""
