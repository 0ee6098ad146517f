"""Move the account to a new address: the password first, then a code sent to the new
address, and the switch only when that code comes back (SECURITY EV-03).

The request never tells whether the new address belongs to another account: it answers
the same either way, and an address that is taken gets a notice instead of a code (so
nobody signed in can probe who is registered). The code (6 digits, 15 minutes, 5 tries
across resends) is bound to the account and to the new address; the address waits,
sealed, beside it. Confirming records ``email.changed`` (no address in it), keeps the
account verified, tells the old address (no secret in that mail) and publishes
``user:updated``. Reset links mailed to the old address die with the switch: a reset
token is bound to the address it went to.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.codes import OneTimeCodes
from application.common.factor_checks import StepUp
from application.common.notices import NoticeBudget
from application.ports.ephemeral import ChallengeStore
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.security import SecretBox
from application.ports.system import Clock
from domain.errors import NotFoundError
from domain.events import EventDraft, EventType
from domain.ids import SessionId, UserId
from domain.profile import check_new_email
from domain.users import User
from domain.values import EmailAddress


def pending_key(user_id: UserId) -> str:
    return f"email_change_pending:{user_id}"


@dataclass(frozen=True, slots=True)
class RequestEmailChangeCommand:
    user_id: UserId
    session_id: SessionId
    new_email: str
    password: str


class RequestEmailChange:
    """A wrong password is 401 and is charged to the account's budget for step-up proofs,
    as every such proof is (``StepUp``)."""

    def __init__(
        self,
        uow: UnitOfWork,
        step_up: StepUp,
        codes: OneTimeCodes,
        store: ChallengeStore,
        box: SecretBox,
        budget: NoticeBudget,
        notifier: Notifier,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._step_up = step_up
        self._codes = codes
        self._store = store
        self._box = box
        self._budget = budget
        self._notifier = notifier
        self._clock = clock

    def __call__(self, cmd: RequestEmailChangeCommand) -> None:
        new = EmailAddress.parse(cmd.new_email, "new_email")
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            check_new_email(user, new)
            self._step_up.prove(uow, user, cmd.password, None, now, action="change_email")
            holder = uow.users.get_by_email(new)
            uow.events.add(
                EventDraft(
                    type=EventType.EMAIL_CHANGE_REQUESTED,
                    user_id=user.id,
                    session_id=cmd.session_id,
                    at=now,
                )
            )
            uow.commit()
        if self._budget.allow("email_change", new.value):
            self._notifier.send(self._notice(user, holder, new))

    def _notice(self, user: User, holder: User | None, new: EmailAddress) -> Notice:
        if holder is not None:
            return Notice(
                NoticeKind.EMAIL_IN_USE, new.value, {"first_name": holder.first_name.value}
            )
        code = self._codes.issue(str(user.id), new.value)
        sealed = self._box.seal(new.value.encode())
        self._store.put(pending_key(user.id), {"email": sealed}, self._codes.ttl_seconds)
        params = {"first_name": user.first_name.value, "code": code}
        return Notice(NoticeKind.EMAIL_CHANGE_CODE, new.value, params)
