"""The Flask application factory."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from entrypoints import logs
from entrypoints.container import Container, build_container
from entrypoints.http import middleware
from entrypoints.http.api import CONTAINER_KEY, ProblemApi
from entrypoints.http.docs import document_partial_updates, document_password_policy
from entrypoints.http.envelope import Envelope, RequestIds
from entrypoints.http.problems import answer
from entrypoints.http.routes import (
    account,
    admin,
    auth,
    avatars,
    events,
    exports,
    mfa,
    ops,
    passkeys,
    providers,
    sessions,
    social,
    tasks,
)
from entrypoints.settings import Settings, load_settings
from entrypoints.web.console import install as install_console
from entrypoints.web.providers import ConfiguredSocialProviders

MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None, container: Container | None = None) -> Flask:
    settings = settings or (container.settings() if container else load_settings())
    container = container or build_container(settings)
    logs.configure(settings.log_level, settings.log_style)
    app = Flask("bastion")
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        BASTION_PUBLIC_URL=settings.public_url,
        API_TITLE="Bastion",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/docs/static/",
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
        },
    )
    app.extensions[CONTAINER_KEY] = container
    ids = container.ids()
    request_ids = RequestIds(lambda: ids.new().hex[-16:])
    app.wsgi_app = Envelope(  # type: ignore[method-assign]
        app.wsgi_app, request_ids, settings.cors_origin_list
    )
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    api = ProblemApi(app)
    document_password_policy(api, settings.password_min_length)
    for blueprint in (auth.blp, account.blp, mfa.blp, sessions.blp, events.blp, admin.blp):
        api.register_blueprint(blueprint)
    api.register_blueprint(avatars.blp)
    api.register_blueprint(tasks.blp)
    api.register_blueprint(exports.blp)
    api.register_blueprint(passkeys.blp)
    api.register_blueprint(social.blp)
    api.register_blueprint(providers.blp)
    document_partial_updates(api)
    app.register_blueprint(ops.blp)
    install_console(
        app, ConfiguredSocialProviders(lambda: container.identity_providers().configured())
    )
    app.register_error_handler(Exception, answer)
    middleware.install(app)
    container.hasher().warm_up()  # the dummy hash of EN-01 exists before the first request
    return app
