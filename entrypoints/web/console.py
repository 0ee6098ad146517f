"""Adds the account console to the Flask app: its blueprint with every page, the
template helpers, and the sign-in providers it offers."""

from __future__ import annotations

from flask import Flask

from entrypoints.web import layout, providers
from entrypoints.web.blueprint import console
from entrypoints.web.providers import NoSocialProviders, SocialProviders
from entrypoints.web.views import (
    admin,
    authenticator,
    data,
    devices,
    email,
    linked,
    log,
    passkeys,
    password_reset,
    picture,
    profile,
    second_step,
    security,
    sign_in,
    sign_up,
    social,
    texts,
    trash,
)

PAGES = (
    sign_in,
    social,
    second_step,
    sign_up,
    password_reset,
    profile,
    picture,
    email,
    security,
    authenticator,
    texts,
    passkeys,
    linked,
    devices,
    log,
    data,
    trash,
    admin,
)
"""The modules whose routes the blueprint carries (importing them registers them)."""


def install(app: Flask, social: SocialProviders | None = None) -> None:
    providers.install(app.extensions, social or NoSocialProviders())
    layout.register(app)
    app.register_blueprint(console)
