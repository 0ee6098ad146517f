"""Authenticator-app setup, first half: a new secret, pending until a code confirms it.

The pending secret waits sealed in ``pending_registration:{userId}`` for 10 minutes and
never gates sign-in (SECURITY TO-02); a new setup replaces it and its try budget.
"""

from __future__ import annotations

from application.mfa.pending import PENDING_TTL, pending_totp_key
from application.ports.ephemeral import ChallengeStore
from application.ports.persistence import UnitOfWork
from application.ports.security import QrRenderer, SecretBox, TotpAlgorithm
from application.results import TotpEnrollment
from domain.errors import FactorAlreadyEnabledError, NotFoundError
from domain.factors import FactorKind
from domain.ids import UserId

ISSUER = "Bastion"


class StartTotpSetup:
    def __init__(
        self,
        uow: UnitOfWork,
        totp: TotpAlgorithm,
        qr: QrRenderer,
        box: SecretBox,
        store: ChallengeStore,
    ) -> None:
        self._uow = uow
        self._totp = totp
        self._qr = qr
        self._box = box
        self._store = store

    def __call__(self, user_id: UserId) -> TotpEnrollment:
        with self._uow as uow:
            user = uow.users.get(user_id)
            if user is None:
                raise NotFoundError()
            if uow.factors.get(user_id, FactorKind.TOTP) is not None:
                raise FactorAlreadyEnabledError()
        secret = self._totp.new_secret()
        self._store.put(
            pending_totp_key(user_id), {"secret": self._box.seal(secret.encode())}, PENDING_TTL
        )
        self._store.delete(pending_totp_key(user_id) + ":tries")
        uri = self._totp.provisioning_uri(secret, user.email.value, ISSUER)
        return TotpEnrollment(
            secret=secret, otpauth_uri=uri, qr_svg=self._qr.svg(uri), expires_in=PENDING_TTL
        )
