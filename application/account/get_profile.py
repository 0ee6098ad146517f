"""Read the signed-in user's own profile."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.common.near_cache import NearCache, user_key
from application.ports.ephemeral import ProfileCache
from application.ports.persistence import UnitOfWork, UsersChanged
from application.results import UserProfile
from domain.errors import NotFoundError
from domain.ids import UserId


@dataclass(frozen=True, slots=True)
class GetProfileCommand:
    user_id: UserId


class GetProfile:
    """``GET /me``, the hot path: one per process (a unit of work per call, not per
    instance, so threads share it). The profile comes from this process's copy, else the
    profile cache, and only on a miss from the database, which then fills both; every
    committed change to the user drops them (``ForgetProfiles``)."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        cache: ProfileCache,
        near: NearCache | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._cache = cache
        self._near = near or NearCache(None)

    def __call__(self, cmd: GetProfileCommand) -> UserProfile:
        key = user_key(cmd.user_id)
        near = self._near.lookup(key)
        if isinstance(near.value, UserProfile):
            return near.value
        profile = self._from_cache(cmd.user_id)
        if profile is None:
            with self._uow_factory() as uow:
                user = uow.users.get(cmd.user_id)
            if user is None:
                raise NotFoundError()
            profile = UserProfile.of(user)
            self._cache.remember(cmd.user_id, profile_to_json(profile))
        self._near.keep(key, profile, near.token)
        return profile

    def _from_cache(self, user_id: UserId) -> UserProfile | None:
        cached = self._cache.get(user_id)
        if cached is None:
            return None
        try:
            return profile_from_json(cached)
        except (ValueError, TypeError, KeyError):
            return None  # not this release's shape (or damaged): read the database instead


class ForgetProfiles(UsersChanged):
    """Told by the units of work, after a commit, which users they changed: tombstones
    their cached profiles, drops every process's copy, and (``settle``) waits until no
    process trusts one, so the next ``GET /me`` anywhere shows the change."""

    def __init__(self, cache: ProfileCache, near: NearCache | None = None) -> None:
        self._cache = cache
        self._near = near or NearCache(None)

    def __call__(self, user_ids: frozenset[UserId], *, settle: bool) -> None:
        if not user_ids:
            return
        self._cache.forget(user_ids)
        if self._near.drop([user_key(user_id) for user_id in user_ids]) and settle:
            self._near.settle()


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
