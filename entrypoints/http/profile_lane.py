"""``GET /api/v1/me`` answered without Flask's request machinery.

Client apps ask "who am I" on their own requests, so this one call is most of what
Bastion serves, and its answer is a body rendered ahead (``routes.account.ME``). Around
it Flask builds a request and an application context, matches the URL, runs the hooks,
sends its signals, makes a ``Response`` and tears it all down again: in a loop through
the WSGI app that costs more than the whole check behind it.

The lane takes ``GET /api/v1/me`` and nothing else, and runs the route's own steps, in
the route's order, through the same functions:

1. the API-wide limit (``middleware.charge_api``, as the ``_admit`` hook charges it);
2. the bearer guard (``guard.prove``), which leaves the principal for the access log;
3. the profile use case and its rendered body, as ``routes.account.get_me`` sends it.

A refusal or failure at any step is answered as Flask's ``wsgi_app`` answers an error
its view raised: by the registered error handlers, inside a request context made from
the same environ, and by Flask's last-resort 500 if a handler fails in turn. So its
status, problem body, headers and log lines are the route's. Every other request goes
to Flask untouched. ``GET /me`` stays a Flask route as well: the OpenAPI document is
built from it, and it answers ``HEAD``. Not reproduced for an answered request: Flask's
request signals (none has a receiver here). A test compares the lane with the route
answer for answer, and another fails when the app gains a hook, a host check or a
decorator on ``get_me`` that the lane would have to take on too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from application.account.get_profile import GetProfileCommand
from entrypoints.http.api import CONTAINER_KEY
from entrypoints.http.envelope import ROUTE
from entrypoints.http.guard import prove
from entrypoints.http.middleware import charge_api
from entrypoints.http.rendering import RenderedOnce
from entrypoints.http.routes.account import ME

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

    from entrypoints.container import Container

PATH = "/api/v1/me"


class ProfileLane:
    def __init__(self, app: Flask, inner: WSGIApplication, bodies: RenderedOnce = ME) -> None:
        self._app = app
        self._inner = inner
        """Flask's own ``wsgi_app``: every request but ``GET /api/v1/me``."""
        self._bodies = bodies

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "GET":
            return self._inner(environ, start_response)
        environ[ROUTE] = PATH
        try:
            body = self._answer(environ)
        except Exception as error:  # answered as the route answers it
            return self._answered_by_flask(environ, start_response, error)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]

    def _answer(self, environ: WSGIEnvironment) -> bytes:
        services: Container = self._app.extensions[CONTAINER_KEY]
        charge_api(environ, services)
        who = prove(environ, services)
        profile = services.get_profile()(GetProfileCommand(who.user_id))
        body = self._bodies.cached(profile)
        if body is None:  # a new copy of the profile: rendered with Flask's JSON settings
            with self._app.app_context():
                body = self._bodies.body(profile)
        return body

    def _answered_by_flask(
        self, environ: WSGIEnvironment, start_response: StartResponse, error: Exception
    ) -> Iterable[bytes]:
        """``Flask.wsgi_app`` and ``full_dispatch_request`` on an error the view raised."""
        app = self._app
        with app.request_context(environ):
            try:
                response = app.finalize_request(app.handle_user_exception(error))
            except Exception as failed:  # a handler failed too
                response = app.handle_exception(failed)
            return response(environ, start_response)
