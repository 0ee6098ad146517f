"""``/api/v1/admin``: account administration, for role ``admin`` only (403 otherwise)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.admin.disable_user import DisableUserCommand
from application.admin.enable_user import EnableUserCommand
from application.admin.get_user import GetUserCommand
from application.admin.list_events import ListEventsCommand
from application.admin.list_users import ListUsersCommand
from application.admin.revoke_user_sessions import RevokeUserSessionsCommand
from application.common.paging import Page
from application.results import EventItem, UserDetail
from domain.ids import UserId
from domain.users import UserProfile
from entrypoints.http.api import ApiBlueprint, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import admin_only, authenticated, principal
from entrypoints.http.schemas.admin import UserDetailResponse, UserPageResponse, UsersQuery
from entrypoints.http.schemas.common import UserResponse
from entrypoints.http.schemas.events import AdminEventPageResponse, AdminEventsQuery
from entrypoints.http.schemas.sessions import RevokedResponse

blp = ApiBlueprint(
    "admin", __name__, url_prefix="/api/v1/admin", description="Administration (role admin)"
)


@blp.route("/users", methods=["GET"])
@authenticated
@admin_only
@blp.arguments(UsersQuery, location="query")
@blp.response(200, UserPageResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 403, 422)
def list_users(query: dict[str, Any]) -> Page[UserProfile]:
    """Find accounts.

    Newest first, keyset-paginated. `q` matches the start of the email, ignoring case
    (`%` and `_` match only themselves); `status` is `active` or `disabled`."""
    return container().list_users()(ListUsersCommand(actor=principal().user_id, **query))


@blp.route("/users/<uuid:user_id>", methods=["GET"])
@authenticated
@admin_only
@blp.response(200, UserDetailResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 403, 404)
def get_user(user_id: UUID) -> UserDetail:
    """View one account.

    The profile, its active sessions and a factor summary (the methods and the number
    of backup codes left). No password hash, seed, factor phone number or code."""
    return container().get_user()(GetUserCommand(principal().user_id, UserId(user_id)))


@blp.route("/users/<uuid:user_id>/disable", methods=["POST"])
@authenticated
@admin_only
@blp.response(200, UserResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 403, 404)
def disable_user(user_id: UUID) -> UserProfile:
    """Disable an account.

    Every session ends at once (its access tokens fail on the next call, refresh fails)
    and sign-in answers 403 `account_disabled`. Records `account.disabled`. An
    administrator cannot disable itself: 403 `cannot_disable_self`. Disabling a disabled
    account changes nothing."""
    command = DisableUserCommand(principal().user_id, UserId(user_id))
    return container().disable_user()(command)


@blp.route("/users/<uuid:user_id>/enable", methods=["POST"])
@authenticated
@admin_only
@blp.response(200, UserResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 403, 404)
def enable_user(user_id: UUID) -> UserProfile:
    """Enable an account.

    The user may sign in again; no session comes back. Records `account.enabled`."""
    command = EnableUserCommand(principal().user_id, UserId(user_id))
    return container().enable_user()(command)


@blp.route("/users/<uuid:user_id>/sessions", methods=["DELETE"])
@authenticated
@admin_only
@blp.response(200, RevokedResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 403, 404)
def revoke_user_sessions(user_id: UUID) -> dict[str, int]:
    """Revoke every session of an account.

    The user is signed out everywhere at once; the account stays enabled. The answer is
    how many sessions ended."""
    command = RevokeUserSessionsCommand(principal().user_id, UserId(user_id))
    return {"revoked": container().revoke_user_sessions()(command)}


@blp.route("/events", methods=["GET"])
@authenticated
@admin_only
@blp.arguments(AdminEventsQuery, location="query")
@blp.response(200, AdminEventPageResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 403, 422)
def list_all_events(query: dict[str, Any]) -> Page[EventItem]:
    """Read the security log.

    Every user's events, newest first, or those of one `user_id` and/or one `type`;
    keyset-paginated like `/me/events`. Events with no user (a failed sign-in for an
    unknown email) appear when no user is named."""
    user_id = query.pop("user_id", None)
    command = ListEventsCommand(
        actor=principal().user_id, user_id=UserId(user_id) if user_id else None, **query
    )
    return container().list_events()(command)
