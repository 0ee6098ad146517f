"""The framework floor: bare Flask, one JSON endpoint, no middleware, no database.

Served by gunicorn with the same workers and threads as Bastion and loaded with the same
wrk parameters, it shows what the least Flask endpoint costs on this machine: the HTTP
server, Flask's request machinery and routing, and a JSON body of the same shape.
``ceiling_app.py`` adds to it what every authenticated request must do.

    gunicorn --chdir bench floor_app:app
"""

from __future__ import annotations

from flask import Flask, Response, jsonify

app = Flask("floor")
PROFILE = {
    "id": "0194f5d2-7c3b-7a41-9e2f-3b6f0c1d2e4f",
    "email": "floor@bench.example",
    "email_verified": True,
    "first_name": "Floor",
    "last_name": "Bench",
    "display_name": None,
    "phone": None,
    "phone_verified": False,
    "avatar_url": None,
    "role": "user",
    "status": "active",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "last_login_at": "2026-01-01T00:00:00Z",
}


@app.get("/api/v1/me")
def me() -> Response:
    return jsonify(PROFILE)


@app.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")
