"""``GET /me/mfa``: which second factors are on, how many passkeys and backup codes."""

from __future__ import annotations

from application.ports.persistence import UnitOfWork
from application.results import MfaStatus
from domain.factors import FactorKind, login_methods
from domain.ids import UserId


class GetMfaStatus:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, user_id: UserId) -> MfaStatus:
        with self._uow as uow:
            factors = {factor.kind: factor for factor in uow.factors.list_for_user(user_id)}
            left = uow.backup_codes.count_unused(user_id)
            passkeys = uow.passkeys.count_for_user(user_id)
        totp, sms = factors.get(FactorKind.TOTP), factors.get(FactorKind.SMS)
        return MfaStatus(
            methods=tuple(m.value for m in login_methods(list(factors.values()), left, passkeys)),
            totp_enabled=totp is not None,
            totp_enabled_at=totp.created_at if totp else None,
            sms_enabled=sms is not None,
            sms_phone=sms.phone.masked() if sms and sms.phone else None,
            sms_enabled_at=sms.created_at if sms else None,
            backup_codes_left=left if factors else 0,
            passkeys=passkeys,
        )
