"""What a person reads when something is refused: one sentence they can act on, for each
refusal the console's use cases raise. The API's codes stay the key; the words are
the console's. A code without a sentence here falls back to the error's own message,
which is written for people too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.errors import DomainError, RateLimitedError, UnavailableError

_WORDS: Mapping[str, str] = {
    "invalid_credentials": "That email and password don't match. Check both and try again.",
    "account_disabled": (
        "This account is disabled. Ask the administrator of this service to enable it."
    ),
    "account_locked": (
        "Too many wrong passwords locked this account. Reset your password to unlock it."
    ),
    "email_not_verified": (
        "Confirm your email address first: enter the code we mailed you, or send a new one."
    ),
    "invalid_code": "That code is wrong or has expired — send a new one.",
    "invalid_mfa_code": "That code didn't work. Check it and try again, or use another way.",
    "invalid_login_token": "This sign-in took too long or was already finished. Sign in again.",
    "mfa_method_unavailable": "That way to confirm isn't set up for this account.",
    "invalid_reset_token": (
        "This reset link is wrong, expired or already used. Ask for a new one below."
    ),
    "proof_required": "Confirm with your password or a current code.",
    "email_taken": "Another account took that address in the meantime.",
    "factor_already_enabled": "That is already turned on.",
    "factor_not_enabled": "That isn't turned on.",
    "phone_not_set": "Add a phone number to your profile first.",
    "export_in_progress": "An export is already being prepared. Wait for it to finish.",
    "export_not_ready": "This export isn't ready yet.",
    "export_expired": "This export has expired and its file is deleted. Request a new one.",
    "restore_expired": "It is too late to restore this task: it is gone for good.",
    "invalid_credential": "Your device's passkey could not be verified. Try adding it again.",
    "passkey_exists": "This passkey is already registered.",
    "invalid_image": "That file isn't a PNG, JPEG or WebP picture we can use.",
    "file_too_large": "That picture is larger than 2 MB. Choose a smaller one.",
    "not_found": "That no longer exists.",
    "forbidden": "Only an administrator may do this.",
    "provider_not_linked": "That account isn't linked any more.",
    "provider_already_linked": (
        "An account of that provider is already linked. Unlink it first to link another."
    ),
    "last_login_method": (
        "This is the only way left to sign in to your account. "
        "Set a password or add a passkey first, then unlink it."
    ),
    "recent_sign_in_required": (
        "Sign out and sign in again, then link the account within 10 minutes."
    ),
}

_PROVIDER_WORDS: Mapping[str, str] = {
    "account_exists": (
        "An account already uses that email address. Sign in with your password, "
        "then link the other account from the security page."
    ),
    "email_unverified": (
        "That account has no confirmed email address. Confirm it with the provider, "
        "or create an account here with your email."
    ),
    "identity_linked_elsewhere": (
        "That account is already linked to another account here. Sign in to that one, "
        "or unlink it there first."
    ),
    "provider_already_linked": (
        "An account of that provider is already linked. Unlink it first to link another."
    ),
    "account_not_found": "The account you were linking no longer exists. Sign in again.",
    "provider_unavailable": (
        "We couldn't reach the provider just now. Try again in a minute, or sign in "
        "with your password."
    ),
    "invalid_code": "That sign-in took too long or was already finished. Please try again.",
    "identity_rejected": (
        "The provider's answer didn't pass our checks, so we didn't sign you in. Try again."
    ),
    "access_denied": (
        "The sign-in was cancelled at the provider. Try again, or sign in another way."
    ),
}
_PROVIDER_FALLBACK = "That sign-in didn't finish. Please try again, or sign in another way."
_LINK_WORDS: Mapping[str, str] = {
    "access_denied": "Linking was cancelled, so nothing changed.",
}
"""Where a link's refusal reads otherwise than a sign-in's (cancelled on Bastion's page
that asks to confirm, or at the provider)."""


@dataclass(frozen=True, slots=True)
class Wording:
    """Titles and sentences, by problem code, where a refusal reads otherwise than in the
    console: on pages of the API that a person reaches from an app, not from the console,
    and who is sent back there."""

    titles: Mapping[str, str]
    sentences: Mapping[str, str]


CONFIRMING_LINK = Wording(
    titles={
        "invalid_state": "This link has expired",
        "csrf_failed": "Nothing was linked",
        "unknown_provider": "Not available",
    },
    sentences={
        "invalid_state": (
            "This link has expired or was already used. Go back to the app and start linking again."
        ),
        "csrf_failed": (
            "This confirmation did not come from the page Bastion showed in this browser, so "
            "nothing was linked. Start again from the app."
        ),
        "unknown_provider": (
            "Linking this kind of account is not available here, so nothing was linked. "
            "Go back to the app."
        ),
    },
)
"""The API's page that asks to confirm a link, and its form's post."""

BACK_FROM_PROVIDER = Wording(
    titles={"invalid_state": "Nothing changed", "unknown_provider": "Not available"},
    sentences={
        "invalid_state": (
            "This sign-in or link has expired, was already used or was started in another "
            "browser, so nothing changed. Go back to the app and start again."
        ),
        "unknown_provider": (
            "Signing in with this kind of account is not available here. Go back to the app."
        ),
    },
)
"""Bastion's callback, where the provider sends the browser back: a refusal there has no
app address to go back to (the state that held it is unknown or gone)."""


def describe(error: DomainError, *, wording: Wording | None = None) -> str:
    """One sentence for the person, with the wait when a limit or an outage says it;
    ``wording`` where the person came from an app rather than the console."""
    if isinstance(error, RateLimitedError):
        return f"Too many attempts. Please wait {wait(error.retry_after)} and try again."
    if isinstance(error, UnavailableError):
        return f"Bastion is busy right now. Please try again in {wait(error.retry_after)}."
    if wording is not None and error.code in wording.sentences:
        return wording.sentences[error.code]
    return _WORDS.get(error.code, error.detail)


def provider_refusal(code: str, *, linking: bool = False) -> str:
    """The sentence for an ``error`` a provider sign-in or link came back with; for a
    code we don't know, a general one (the URL's text never reaches the page)."""
    if linking and code in _LINK_WORDS:
        return _LINK_WORDS[code]
    return _PROVIDER_WORDS.get(code, _PROVIDER_FALLBACK)


def wait(seconds: int) -> str:
    """A wait in the largest unit that reads naturally: "40 seconds", "4 minutes",
    "2 hours" (rounded up, so the person never comes back too early)."""
    if seconds < 60:  # noqa: PLR2004
        return _count(max(1, seconds), "second")
    if seconds < 3600:  # noqa: PLR2004
        return _count(-(-seconds // 60), "minute")
    return _count(-(-seconds // 3600), "hour")


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"
