"""Read the signed-in user's own profile."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.ports.ephemeral import ProfileCache
from application.ports.persistence import UnitOfWork
from application.results import UserProfile
from domain.errors import NotFoundError
from domain.ids import UserId


@dataclass(frozen=True, slots=True)
class GetProfileCommand:
    user_id: UserId


class GetProfile:
    """``GET /me``, the hot path: one per process (a unit of work per call, not per
    instance, so threads share it). The profile comes from the profile cache, and only on
    a miss (or with the cache unreachable) from the database, which then fills it; every
    committed change to the user tombstones it (``ProfileCache.forget``), so the next
    ``GET /me`` on any process shows the change."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], cache: ProfileCache) -> None:
        self._uow_factory = uow_factory
        self._cache = cache

    def __call__(self, cmd: GetProfileCommand) -> UserProfile:
        profile = self._from_cache(cmd.user_id)
        if profile is not None:
            return profile
        with self._uow_factory() as uow:
            user = uow.users.get(cmd.user_id)
        if user is None:
            raise NotFoundError()
        profile = UserProfile.of(user)
        self._cache.remember(cmd.user_id, profile_to_json(profile))
        return profile

    def _from_cache(self, user_id: UserId) -> UserProfile | None:
        cached = self._cache.get(user_id)
        if cached is None:
            return None
        try:
            return profile_from_json(cached)
        except (ValueError, TypeError, KeyError):
            return None  # not this release's shape (or damaged): read the database instead


_TIMES = ("created_at", "updated_at", "last_login_at")


def profile_to_json(profile: UserProfile) -> str:
    fields = {f.name: getattr(profile, f.name) for f in dataclasses.fields(profile)}
    fields["id"] = str(profile.id)
    for name in _TIMES:
        moment = fields[name]
        fields[name] = moment.isoformat() if moment is not None else None
    return json.dumps(fields, separators=(",", ":"))


def profile_from_json(text: str) -> UserProfile:
    fields = json.loads(text)
    fields["id"] = UserId(UUID(fields["id"]))
    for name in _TIMES:
        moment = fields[name]
        fields[name] = datetime.fromisoformat(moment) if moment is not None else None
    return UserProfile(**fields)
