"""Second factors: an authenticator app (TOTP), SMS codes to a confirmed phone, and the
backup codes that stand in for either.

A user has at most one factor of each kind. The TOTP secret is held only sealed (the
secret box encrypts it under the newest key); ``last_step`` is the RFC 6238 time-step of
the last accepted code, kept durably so no code is accepted twice, even after the short-
lived store lost its data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.ids import BackupCodeId, FactorId, UserId
from domain.sessions import AuthMethod
from domain.values import PhoneNumber

BACKUP_CODE_COUNT = 10
BACKUP_CODE_LENGTH = 16
"""16 base32 characters, 80 bits of entropy (NIST 800-63B §3.1.2.1 asks for at least 64)."""
BACKUP_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_SEPARATORS = re.compile(r"[\s_-]+")


class FactorKind(StrEnum):
    TOTP = "totp"
    SMS = "sms"


class LoginMethod(StrEnum):
    """What ``POST /auth/login/mfa`` accepts as ``method``."""

    TOTP = "totp"
    SMS = "sms"
    BACKUP_CODE = "backup_code"
    PASSKEY = "passkey"

    @property
    def amr(self) -> AuthMethod:
        return {
            LoginMethod.TOTP: AuthMethod.OTP,
            LoginMethod.SMS: AuthMethod.SMS,
            LoginMethod.BACKUP_CODE: AuthMethod.BACKUP,
            LoginMethod.PASSKEY: AuthMethod.PASSKEY,
        }[self]


@dataclass(slots=True, kw_only=True)
class SecondFactor:
    """One enabled factor. Only confirmed factors are stored (a pending one waits in the
    short-lived store), so the seed's "verification status" is: stored means verified.
    ``secret`` is the sealed TOTP secret; ``phone`` the confirmed number for SMS (separate
    from the profile phone: changing the profile never moves codes to a new number)."""

    id: FactorId
    user_id: UserId
    kind: FactorKind
    created_at: datetime
    secret: str | None = None
    phone: PhoneNumber | None = None
    last_step: int | None = None
    last_used_at: datetime | None = None


@dataclass(slots=True, kw_only=True)
class BackupCode:
    id: BackupCodeId
    user_id: UserId
    code_hash: str
    created_at: datetime
    used_at: datetime | None = None


def normalise_backup_code(raw: str) -> str:
    """Case, spaces, dashes and underscores do not matter: ``abcd-efgh ijkl-mnop``."""
    return _SEPARATORS.sub("", raw).upper()


def display_backup_code(code: str) -> str:
    """``ABCDEFGHIJKLMNOP`` → ``ABCD-EFGH-IJKL-MNOP``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def login_methods(
    factors: list[SecondFactor], backup_codes_left: int, passkeys: int = 0
) -> list[LoginMethod]:
    """The second steps a user can take, strongest first: a passkey (phishing-resistant)
    before codes. Backup codes stand in for a factor, so they come only with one."""
    kinds = {factor.kind for factor in factors}
    methods = [LoginMethod.PASSKEY] if passkeys else []
    if FactorKind.TOTP in kinds:
        methods.append(LoginMethod.TOTP)
    if FactorKind.SMS in kinds:
        methods.append(LoginMethod.SMS)
    if methods and backup_codes_left:
        methods.append(LoginMethod.BACKUP_CODE)
    return methods
