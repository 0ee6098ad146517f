"""Domain errors. Each has a kind (which HTTP status it becomes) and a stable ``code``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID = "invalid"
    VALIDATION = "validation"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    GONE = "gone"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    TOO_LARGE = "too_large"


class DomainError(Exception):
    """A refusal the client can act on. ``code`` is part of the API contract."""

    kind: ErrorKind = ErrorKind.INVALID
    code: str = "invalid_request"
    message: str = "The request was refused."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.detail = message or self.message


class ValidationFailedError(DomainError):
    """Field-level problems; ``errors`` maps a field name to its messages."""

    kind = ErrorKind.VALIDATION
    code = "validation_error"
    message = "The request has invalid fields."

    def __init__(self, errors: Mapping[str, Sequence[str]], message: str | None = None) -> None:
        super().__init__(message)
        self.errors = {field: list(messages) for field, messages in errors.items()}


class WeakPasswordError(ValidationFailedError):
    """The password breaks one rule of the policy; ``reason`` names the rule."""

    code = "weak_password"

    def __init__(self, reason: str, message: str, field: str = "password") -> None:
        super().__init__({field: [message]}, message)
        self.reason = reason


class InvalidCredentialsError(DomainError):
    kind = ErrorKind.UNAUTHORIZED
    code = "invalid_credentials"
    message = "The email or password is not correct."


class InvalidTokenError(DomainError):
    kind = ErrorKind.UNAUTHORIZED
    code = "invalid_token"
    message = "The access token is missing, malformed, expired or revoked."


class InvalidRefreshTokenError(DomainError):
    kind = ErrorKind.UNAUTHORIZED
    code = "invalid_refresh_token"
    message = "The refresh token is not valid."


class TokenRotatedError(DomainError):
    kind = ErrorKind.UNAUTHORIZED
    code = "token_rotated"
    message = "This refresh token was just rotated; use the newer one."


class TokenReusedError(DomainError):
    kind = ErrorKind.UNAUTHORIZED
    code = "token_reused"
    message = "This refresh token was already used; the session has been revoked."


class AccountDisabledError(DomainError):
    kind = ErrorKind.FORBIDDEN
    code = "account_disabled"
    message = "This account is disabled."


class AccountLockedError(DomainError):
    kind = ErrorKind.FORBIDDEN
    code = "account_locked"
    message = "Too many failed sign-ins: reset the password to unlock this account."


class EmailNotVerifiedError(DomainError):
    kind = ErrorKind.FORBIDDEN
    code = "email_not_verified"
    message = "Verify the email address before signing in."


class ForbiddenError(DomainError):
    kind = ErrorKind.FORBIDDEN
    code = "forbidden"
    message = "You may not do this."


class CannotDisableSelfError(DomainError):
    kind = ErrorKind.FORBIDDEN
    code = "cannot_disable_self"
    message = "Administrators cannot disable their own account; ask another administrator."


class InvalidCodeError(DomainError):
    kind = ErrorKind.INVALID
    code = "invalid_code"
    message = "The code is wrong, expired or already used."


class InvalidResetTokenError(DomainError):
    kind = ErrorKind.INVALID
    code = "invalid_reset_token"
    message = "The reset token is wrong, expired or already used."


class NotFoundError(DomainError):
    kind = ErrorKind.NOT_FOUND
    code = "not_found"
    message = "Not found."


class ConflictError(DomainError):
    kind = ErrorKind.CONFLICT
    code = "conflict"
    message = "The request conflicts with the current state."


class EmailTakenError(ConflictError):
    code = "email_taken"
    message = "This email address is already registered."


class RateLimitedError(DomainError):
    """Over a limit; ``retry_after`` is the whole number of seconds to wait; ``bucket``
    names the limit (for counting refusals, never shown to the client)."""

    kind = ErrorKind.RATE_LIMITED
    code = "rate_limited"
    message = "Too many requests; try again later."

    def __init__(self, retry_after: int, message: str | None = None, *, bucket: str = "") -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)
        self.bucket = bucket


class UnavailableError(DomainError):
    """A dependency is down or the process is shedding load: 503 with ``retry_after``."""

    kind = ErrorKind.UNAVAILABLE
    code = "service_unavailable"
    message = "The service is temporarily unavailable; try again shortly."

    def __init__(self, message: str | None = None, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidSecondFactorError(DomainError):
    kind = ErrorKind.UNAUTHORIZED
    code = "invalid_mfa_code"
    message = "The code is wrong, expired or already used."


class LoginAttemptExpiredError(DomainError):
    kind = ErrorKind.UNAUTHORIZED
    code = "invalid_login_token"
    message = "This sign-in has expired or was already completed: sign in again."


class MfaMethodUnavailableError(DomainError):
    kind = ErrorKind.INVALID
    code = "mfa_method_unavailable"
    message = "That second step is not available for this sign-in."


class ProofRequiredError(ValidationFailedError):
    code = "proof_required"
    message = "Confirm with your password or a current code."

    def __init__(self) -> None:
        super().__init__({"password": [self.message], "code": [self.message]}, self.message)


class FactorNotEnabledError(DomainError):
    kind = ErrorKind.NOT_FOUND
    code = "factor_not_enabled"
    message = "That second factor is not enabled."


class FactorAlreadyEnabledError(DomainError):
    kind = ErrorKind.CONFLICT
    code = "factor_already_enabled"
    message = "That second factor is already enabled: disable it first to replace it."


class StrongerFactorRequiredError(DomainError):
    kind = ErrorKind.CONFLICT
    code = "stronger_factor_required"
    message = "SMS codes are offered only alongside an authenticator app: set that up first."


class FactorInUseError(DomainError):
    kind = ErrorKind.CONFLICT
    code = "factor_in_use"
    message = "Disable SMS codes first: they are offered only alongside an authenticator app."


class PhoneNotSetError(DomainError):
    kind = ErrorKind.CONFLICT
    code = "phone_not_set"
    message = "There is no unverified phone number on the profile to verify."


class InvalidCursorError(ValidationFailedError):
    """A ``cursor`` that no listing of this API handed out (edited, truncated, foreign)."""

    code = "invalid_cursor"
    message = "The cursor is malformed; start again without one."

    def __init__(self) -> None:
        super().__init__({"cursor": [self.message]}, self.message)


class InvalidImageError(ValidationFailedError):
    """An upload that is not a PNG, JPEG or WebP picture that decodes, within the bounds."""

    code = "invalid_image"
    message = "The file is not a PNG, JPEG or WebP picture this service accepts."

    def __init__(self, reason: str | None = None) -> None:
        text = reason or self.message
        super().__init__({"file": [text]}, text)


class FileTooLargeError(DomainError):
    kind = ErrorKind.TOO_LARGE
    code = "file_too_large"
    message = "The file is too large."


class RestoreExpiredError(DomainError):
    kind = ErrorKind.GONE
    code = "restore_expired"
    message = "The restore window of this task has passed; it is gone for good."


class ExportInProgressError(ConflictError):
    code = "export_in_progress"
    message = "An export is already pending or processing; wait for it to finish."


class ExportNotReadyError(ConflictError):
    code = "export_not_ready"
    message = "This export is not complete, so there is nothing to download."


class ExportExpiredError(DomainError):
    kind = ErrorKind.GONE
    code = "export_expired"
    message = "This export has expired and its file is deleted; request a new one."


class InvalidPasskeyCredentialError(ValidationFailedError):
    """A registration that did not verify: nothing is stored, and the detail says no more
    than that (the reason goes to the log)."""

    code = "invalid_credential"
    message = "The passkey could not be verified; start the registration again."

    def __init__(self) -> None:
        super().__init__({"credential": [self.message]}, self.message)


class PasskeyExistsError(ConflictError):
    code = "passkey_exists"
    message = "This passkey is already registered."


class TooManyPasskeysError(ConflictError):
    code = "too_many_passkeys"
    message = "This account has as many passkeys as it may hold; remove one first."


class LastLoginMethodError(ConflictError):
    code = "last_login_method"
    message = "This is the last way to sign in to the account; add another one first."


class UnknownProviderError(NotFoundError):
    """A provider Bastion does not know, or one this deployment has not configured."""

    code = "unknown_provider"
    message = "This sign-in provider is not available here."


class InvalidRedirectUriError(ValidationFailedError):
    """A ``redirect_uri`` outside ``BASTION_REDIRECT_ALLOWLIST`` (SECURITY OA-06)."""

    code = "invalid_redirect_uri"
    message = "The redirect_uri is not on this service's allow-list."

    def __init__(self) -> None:
        super().__init__({"redirect_uri": [self.message]}, self.message)


class InvalidStateError(DomainError):
    """A provider callback whose state is unknown, expired, used, for another provider
    or from another browser: nothing happens (SECURITY OA-01, OA-04)."""

    kind = ErrorKind.INVALID
    code = "invalid_state"
    message = "This sign-in is unknown, expired or already used; start it again."


class LinkNotConfirmedError(DomainError):
    """A link's confirmation that did not come from the page Bastion showed in this
    browser (its cookie missing, or the form's value not made for it): a cross-site form,
    or a page from another browser. Nothing happens; the ticket is left as it was."""

    kind = ErrorKind.FORBIDDEN
    code = "csrf_failed"
    message = (
        "This link can only be confirmed from the page Bastion showed in this browser; "
        "open the link again."
    )


class ProviderLinkExistsError(ConflictError):
    """The (provider, subject) identity is linked already, to some account."""

    code = "identity_linked_elsewhere"
    message = "This provider identity is already linked to an account."


class ProviderAlreadyLinkedError(ConflictError):
    code = "provider_already_linked"
    message = "An identity at this provider is linked already; unlink it first."


class ProviderNotLinkedError(NotFoundError):
    code = "provider_not_linked"
    message = "No identity at this provider is linked to the account."


class RecentSignInRequiredError(ValidationFailedError):
    """An account with neither password nor second factor proves presence by a sign-in
    made less than ten minutes ago; this one is older."""

    code = "recent_sign_in_required"
    message = "Sign in again (within the last 10 minutes) to confirm this change."

    def __init__(self) -> None:
        super().__init__({"session": [self.message]}, self.message)
