"""Liveness and readiness for orchestrators."""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Response, jsonify, send_from_directory

from entrypoints.http.api import container

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


@blp.get("/docs/static/<path:filename>")
def swagger_assets(filename: str) -> Response:
    """Swagger UI's files, shipped with the package: the docs page loads nothing remote."""
    return send_from_directory(SWAGGER_DIST, filename, max_age=86_400)
