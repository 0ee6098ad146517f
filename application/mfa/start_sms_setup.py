"""SMS codes as a second factor, first half: text a code to the number to confirm.

SMS is a restricted authenticator (NIST 800-63B §3.1.3.3): it is offered only alongside
an authenticator app (SECURITY SM-03), and binding a number — the first or a new one —
needs the password or a current code (MF-04). The number is validated before anything is
sent; it is kept pending only once the text was accepted for sending, and an enabled
factor keeps its old number until the new one is confirmed (SM-04).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.client import ClientContext
from application.common.codes import OneTimeCodes
from application.common.factor_checks import StepUp
from application.common.texting import SmsCodes
from application.mfa.pending import PENDING_TTL, pending_sms_key
from application.ports.ephemeral import ChallengeStore
from application.ports.identity import PhoneNumberParser
from application.ports.persistence import UnitOfWork
from application.ports.security import SecretBox
from application.ports.system import Clock
from domain.errors import NotFoundError, StrongerFactorRequiredError
from domain.factors import FactorKind
from domain.ids import UserId


@dataclass(frozen=True, slots=True)
class StartSmsSetupCommand:
    user_id: UserId
    phone: str
    client: ClientContext
    password: str | None = None
    code: str | None = None


class StartSmsSetup:
    def __init__(
        self,
        uow: UnitOfWork,
        phones: PhoneNumberParser,
        step_up: StepUp,
        codes: OneTimeCodes,
        sms: SmsCodes,
        box: SecretBox,
        store: ChallengeStore,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._phones = phones
        self._step_up = step_up
        self._codes = codes
        self._sms = sms
        self._box = box
        self._store = store
        self._clock = clock

    def __call__(self, cmd: StartSmsSetupCommand) -> None:
        phone = self._phones.parse(cmd.phone)
        with self._uow as uow:
            user = uow.users.get(cmd.user_id)
            if user is None:
                raise NotFoundError()
            if uow.factors.get(user.id, FactorKind.TOTP) is None:
                raise StrongerFactorRequiredError()
            now = self._clock.now()
            self._step_up.prove(uow, user, cmd.password, cmd.code, now, action="bind_sms_phone")
            uow.commit()  # a code used as proof is spent
        self._sms.send(
            self._codes,
            subject=str(user.id),
            phone=phone,
            user_id=user.id,
            client=cmd.client,
            purpose="verification",
        )
        sealed = self._box.seal(phone.value.encode())
        self._store.put(pending_sms_key(user.id), {"phone": sealed}, PENDING_TTL)
