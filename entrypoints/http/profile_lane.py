"""``GET /api/v1/me`` answered without Flask's request machinery.

Client apps ask "who am I" on their own requests, so this one call is most of what
Bastion serves, and its answer is a body rendered ahead (``routes.account.ME``). Around
it Flask builds a request and an application context, matches the URL, runs the hooks,
sends six signals, makes a ``Response`` and tears it all down again: in a loop through
the WSGI app that costs more than the whole check behind it.

The lane takes ``GET /api/v1/me`` and nothing else, and runs the route's own steps, in
the route's order, with the same objects:

1. the API-wide limit, as ``middleware._admit`` charges it;
2. the bearer guard (``guard.prove``), which leaves the principal for the access log;
3. the profile use case and its rendered body, as ``routes.account.get_me`` sends it.

A refusal or failure at any step is answered by Flask's own error handlers, inside a
request context made from the same environ, so its problem body, headers and logging are
the route's. Every other request goes to Flask untouched. ``GET /me`` stays a Flask route
as well: the OpenAPI document is built from it, and it answers ``HEAD``. A test compares
the lane with the route answer for answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from application.account.get_profile import GetProfileCommand
from application.common.throttle import Rule
from entrypoints.http.api import CONTAINER_KEY, remote_address
from entrypoints.http.guard import prove
from entrypoints.http.routes.account import ME

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

    from entrypoints.container import Container

PATH = "/api/v1/me"


class ProfileLane:
    def __init__(self, flask: Flask, inner: WSGIApplication) -> None:
        self._flask = flask
        self.inner = inner
        """Flask's own ``wsgi_app``: every request but ``GET /api/v1/me``."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "GET":
            return self.inner(environ, start_response)
        try:
            body = self._answer(environ)
        except Exception as error:  # answered as the route answers it
            return self._answered_by_flask(environ, start_response, error)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]

    def _answer(self, environ: WSGIEnvironment) -> bytes:
        services: Container = self._flask.extensions[CONTAINER_KEY]
        services.throttle().charge(Rule.API, remote_address(environ))
        who = prove(environ, services)
        profile = services.get_profile()(GetProfileCommand(who.user_id))
        body = ME.cached(profile)
        if body is None:  # a new copy of the profile: rendered with Flask's JSON settings
            with self._flask.app_context():
                body = ME.body(profile)
        return body

    def _answered_by_flask(
        self, environ: WSGIEnvironment, start_response: StartResponse, error: Exception
    ) -> Iterable[bytes]:
        """What ``Flask.full_dispatch_request`` does with an error its view raised."""
        flask = self._flask
        with flask.request_context(environ):
            response = flask.finalize_request(flask.handle_user_exception(error))
        return response(environ, start_response)
