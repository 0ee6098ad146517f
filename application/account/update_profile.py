"""Change one's own names and phone. A new phone must be a valid, possible number (the
same check as SMS setup, so no text goes to a number no carrier serves) and stays
unverified until confirmed by a code."""

from __future__ import annotations

from dataclasses import dataclass, replace

from application.common.messages import announce
from application.ports.identity import PhoneNumberParser
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.errors import NotFoundError
from domain.ids import SessionId, UserId
from domain.users import ProfileChanges, UserProfile
from domain.values import PersonName

CLEAR = ""
"""An empty string clears an optional field (display name, phone)."""


@dataclass(frozen=True, slots=True)
class UpdateProfileCommand:
    user_id: UserId
    session_id: SessionId | None = None
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    phone: str | None = None

    def changes(self, phones: PhoneNumberParser) -> ProfileChanges:
        def name(value: str | None, field: str, limit: int = 50) -> PersonName | None:
            return PersonName.parse(value, field, limit) if value else None

        return ProfileChanges(
            first_name=name(self.first_name, "first_name"),
            last_name=name(self.last_name, "last_name"),
            display_name=name(self.display_name, "display_name", 100),
            clear_display_name=self.display_name == CLEAR,
            phone=phones.parse(self.phone) if self.phone else None,
            clear_phone=self.phone == CLEAR,
        )


class UpdateProfile:
    def __init__(
        self, uow: UnitOfWork, phones: PhoneNumberParser, publisher: EventPublisher, clock: Clock
    ) -> None:
        self._uow = uow
        self._phones = phones
        self._publisher = publisher
        self._clock = clock

    def __call__(self, cmd: UpdateProfileCommand) -> UserProfile:
        changes = cmd.changes(self._phones)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            event = user.update_profile(changes, now)
            if event is not None:
                uow.users.save(user)
                uow.events.add(replace(event, session_id=cmd.session_id))
                uow.after_commit(
                    lambda: announce(self._publisher, "user:updated", user.id, user.id, now)
                )
                uow.commit()
        return UserProfile.of(user)
