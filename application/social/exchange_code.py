"""``POST /auth/oauth/exchange``: trade the callback's one-time code for the sign-in.

The code (256 bits, 60 s) is taken atomically, so of parallel exchanges one gets it
(SECURITY OA-07, CC-07). The account must still be allowed to sign in (disabled, locked
and, where required, unverified accounts are refused as after a correct password). Then
the sign-in goes through the same gate as a password: a user with a second factor gets
``mfa_required`` and no tokens, and finishing at ``/auth/login/mfa`` gives ``amr:
["oauth", ...]`` (MF-02); a user without one gets tokens, ``amr: ["oauth"]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.client import ClientContext
from application.common.refusals import check_may_sign_in
from application.common.sign_in import SignInGate
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.results import MfaChallenge, TokenPair
from application.social.flows import ProviderFlows
from domain.errors import InvalidCodeError
from domain.sessions import AuthMethod


@dataclass(frozen=True, slots=True)
class ExchangeProviderCodeCommand:
    code: str
    client: ClientContext


class ExchangeProviderCode:
    def __init__(
        self,
        uow: UnitOfWork,
        flows: ProviderFlows,
        gate: SignInGate,
        clock: Clock,
        require_verified_email: bool,
    ) -> None:
        self._uow = uow
        self._flows = flows
        self._gate = gate
        self._clock = clock
        self._require_verified_email = require_verified_email

    def __call__(self, cmd: ExchangeProviderCodeCommand) -> TokenPair | MfaChallenge:
        user_id, _provider = self._flows.take_code(cmd.code)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(user_id, for_update=True)
            if user is None:
                raise InvalidCodeError()
            check_may_sign_in(
                uow, user, require_verified_email=self._require_verified_email, at=now
            )
            outcome = self._gate.after_first_step(
                uow, user, cmd.client, first_step=(AuthMethod.OAUTH,), at=now
            )
            uow.commit()
        return outcome
