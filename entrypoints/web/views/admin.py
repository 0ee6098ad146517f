"""Administration, for role admin only: find accounts, view one, disable or enable it,
sign it out everywhere. The use cases check the stored role again."""

from __future__ import annotations

from uuid import UUID

from flask.typing import ResponseReturnValue

from application.admin.disable_user import DisableUserCommand
from application.admin.enable_user import EnableUserCommand
from application.admin.get_user import GetUserCommand
from application.admin.list_users import ListUsersCommand
from application.admin.revoke_user_sessions import RevokeUserSessionsCommand
from domain.errors import InvalidCursorError
from domain.ids import UserId
from domain.users import UserStatus
from entrypoints.http.api import container, current_request
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import admin_only, done, render, signed_in, who

PAGE_SIZE = 25
_QUERY_LIMIT = 254


@console.route("/admin/users", methods=["GET"])
@signed_in
@admin_only
def users() -> ResponseReturnValue:
    args = current_request().args
    query = args.get("q", "").strip()[:_QUERY_LIMIT]
    status = args.get("status", "")
    chosen = UserStatus(status) if status in {s.value for s in UserStatus} else None
    listing = container().list_users()
    command = ListUsersCommand(
        actor=who().user_id,
        email_prefix=query or None,
        status=chosen,
        cursor=args.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    try:
        page = listing(command)
    except InvalidCursorError:
        page = listing(ListUsersCommand(who().user_id, query or None, chosen, limit=PAGE_SIZE))
    return render(
        "users.html", users=page.items, next_cursor=page.next_cursor, q=query, chosen=status
    )


@console.route("/admin/users/<uuid:user_id>", methods=["GET"])
@signed_in
@admin_only
def user(user_id: UUID) -> ResponseReturnValue:
    return user_page(UserId(user_id))


def user_page(user_id: UserId, failed: Form | None = None) -> ResponseReturnValue:
    detail = container().get_user()(GetUserCommand(who().user_id, user_id))
    return render("user.html", failed=failed, detail=detail)


@console.route("/admin/users/<uuid:user_id>/disable", methods=["POST"])
@signed_in
@admin_only
def disable_user(user_id: UUID) -> ResponseReturnValue:
    form = Form("admin")
    with form:
        container().disable_user()(DisableUserCommand(who().user_id, UserId(user_id)))
        return done("console.user", "user_disabled", user_id=user_id)
    return user_page(UserId(user_id), form)


@console.route("/admin/users/<uuid:user_id>/enable", methods=["POST"])
@signed_in
@admin_only
def enable_user(user_id: UUID) -> ResponseReturnValue:
    form = Form("admin")
    with form:
        container().enable_user()(EnableUserCommand(who().user_id, UserId(user_id)))
        return done("console.user", "user_enabled", user_id=user_id)
    return user_page(UserId(user_id), form)


@console.route("/admin/users/<uuid:user_id>/sign-out", methods=["POST"])
@signed_in
@admin_only
def sign_user_out(user_id: UUID) -> ResponseReturnValue:
    form = Form("admin")
    with form:
        command = RevokeUserSessionsCommand(who().user_id, UserId(user_id))
        container().revoke_user_sessions()(command)
        return done("console.user", "user_signed_out", user_id=user_id)
    return user_page(UserId(user_id), form)
