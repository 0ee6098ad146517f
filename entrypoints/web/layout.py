"""What every page's template can use: the signed-in person, the CSRF token, the notice
of the change just made, the navigation, the forms, and the wording filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, g
from jinja2 import pass_context
from jinja2.runtime import Context

from application.results import Principal
from domain.users import Role
from entrypoints.http.api import container, current_request
from entrypoints.web import providers, wording
from entrypoints.web.forms import Form
from entrypoints.web.notices import NOTICES


@dataclass(frozen=True, slots=True)
class NavItem:
    endpoint: str
    label: str
    section: str


_NAV = (
    NavItem("console.overview", "Account", "account"),
    NavItem("console.security", "Security", "security"),
    NavItem("console.devices", "Devices", "devices"),
    NavItem("console.security_log_page", "Security log", "log"),
    NavItem("console.your_data", "Your data", "data"),
    NavItem("console.trash", "Deleted tasks", "trash"),
)
_ADMIN_NAV = (NavItem("console.users", "Users", "users"),)


def context() -> dict[str, Any]:
    person: Principal | None = g.get("console_visitor")
    notice_key = current_request().args.get("done", "")
    settings = container().settings()
    return {
        "visitor": person,
        "profile": person.profile if person else None,
        "csrf_token": g.get("console_csrf", ""),
        "notice": NOTICES.get(notice_key),
        "notice_key": notice_key if notice_key in NOTICES else "",
        "nav": navigation(person),
        "providers": providers.configured(),
        "password_min": settings.password_min_length,
    }


def navigation(person: Principal | None) -> tuple[NavItem, ...]:
    if person is None:
        return ()
    return _NAV + (_ADMIN_NAV if person.role == Role.ADMIN.value else ())


@pass_context
def form(ctx: Context, name: str) -> Form:
    """The form ``name`` as the page shows it: the one that just failed, or a fresh one."""
    failed: Form | None = ctx.get("failed")
    return failed if failed is not None and failed.name == name else Form(name)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        console_form=form,
        device_name=wording.session_device,
        trust_class=wording.trust_class,
        trust_word=wording.trust_word,
        provider_sign_in_url=providers.sign_in_url,
    )
    app.jinja_env.filters.update(
        when=wording.when,
        day=wording.day,
        ago=wording.ago,
        days_left=wording.days_left,
        size=wording.size,
        place=wording.place,
        method_name=wording.method_name,
        avatar_path=wording.same_origin_path,
        provider_name=providers.name_of,
    )
