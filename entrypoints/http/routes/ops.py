"""Liveness and readiness for orchestrators, metrics for Prometheus."""

from __future__ import annotations

import hmac
from http import HTTPStatus
from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Response, jsonify, request, send_from_directory
from markupsafe import escape

from entrypoints import metrics as prometheus
from entrypoints.http.api import container
from entrypoints.http.problems import BEARER_ERROR, catalog, problem

blp = Blueprint("ops", __name__)
SWAGGER_DIST = Path(flask_swagger_ui.__file__).parent / "dist"


@blp.get("/healthz")
def healthz() -> Response:
    """The process is up; touches no dependency."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz() -> tuple[Response, int, dict[str, str]] | Response:
    """The database and, when configured, Redis answer."""
    checks = {name: probe.ping() for name, probe in container().health_probes().items()}
    if all(checks.values()):
        return jsonify(status="ready", checks=checks)
    return jsonify(status="unavailable", checks=checks), 503, {"Retry-After": "5"}


@blp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format, every gunicorn worker counted. With ``BASTION_METRICS_TOKEN``
    set, only for ``Authorization: Bearer <token>`` (compared in constant time)."""
    services = container()
    token = services.settings().metrics_token
    if token is not None:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").encode()
        if not hmac.compare_digest(offered, token.get_secret_value().encode()):
            return problem(401, BEARER_ERROR, "Send the metrics token as a bearer token.")
    body, content_type = prometheus.render(services)
    return Response(body, content_type=content_type)


@blp.get("/problems/<slug>")
def problem_type(slug: str) -> Response:
    """The page each problem's ``type`` names: its code, status and meaning."""
    code = slug.replace("-", "_")
    found = catalog().get(code)
    if found is None:
        return problem(404, "not_found", "No such problem type.")
    status, meaning = found
    page = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(code)}</title>"
        f"<h1><code>{escape(code)}</code> ({status} {escape(HTTPStatus(status).phrase)})</h1>"
        f"<p>{escape(meaning)}</p><p>Answers with this type are RFC 9457 problem details; "
        f"<code>detail</code> says what happened this time. See <a href=/docs>the API "
        f"reference</a>.</p></html>"
    )
    return Response(page, content_type="text/html; charset=utf-8")


@blp.get("/docs/static/<path:filename>")
def swagger_assets(filename: str) -> Response:
    """Swagger UI's files, shipped with the package: the docs page loads nothing remote."""
    return send_from_directory(SWAGGER_DIST, filename, max_age=86_400)
