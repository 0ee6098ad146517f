"""The HTTP layer itself: problem+json everywhere, headers, limits, docs."""

from __future__ import annotations

import json
import logging
import re

import pytest

from application.common.throttle import LIMITS, Rule
from tests.api.conftest import Bastion, BastionFactory


def test_errors_are_problem_json_with_stable_codes(bastion: Bastion) -> None:
    cases = [
        (bastion.call("GET", "/nope"), 404, "not_found"),
        (bastion.call("PUT", "/auth/login", json={}), 405, "method_not_allowed"),
        (
            bastion.call("POST", "/auth/login", data="{bad json", content_type="application/json"),
            400,
            "malformed_body",
        ),
        (
            bastion.call(
                "POST",
                "/auth/login",
                data="email=a",
                content_type="application/x-www-form-urlencoded",
            ),
            415,
            "unsupported_media_type",
        ),
        (
            bastion.call("POST", "/auth/login", json={"email": "a@example.com"}),
            422,
            "validation_error",
        ),
        (
            bastion.call(
                "POST", "/auth/login", data="[" * 2_000_000, content_type="application/json"
            ),
            413,
            "payload_too_large",
        ),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (status, response.get_data()[:200])
        assert response.mimetype == "application/problem+json"
        body = response.json
        assert {"type", "title", "status", "detail", "code"} <= set(body)
        assert (body["status"], body["code"]) == (status, code)
        text = response.get_data(as_text=True)
        for leak in ("Traceback", "sqlalchemy", "psycopg", "werkzeug"):
            assert leak not in text


def test_validation_errors_are_flattened_by_field(bastion: Bastion) -> None:
    response = bastion.call("POST", "/auth/register", json={"email": "not-an-email", "extra": 1})
    errors = response.json["errors"]
    assert {"email", "password", "first_name", "last_name", "extra"} <= set(errors)


def test_deeply_nested_json_is_a_clean_client_error(bastion: Bastion) -> None:
    body = "[" * 10_000 + "]" * 10_000
    response = bastion.call("POST", "/auth/login", data=body, content_type="application/json")
    assert response.status_code in {400, 422}
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/auth/login", "password"),
        ("/auth/refresh", "refresh_token"),
        ("/auth/login/mfa", "login_token"),
        ("/auth/login/sms", "login_token"),
        ("/auth/password/reset", "token"),
    ],
)
def test_a_lone_surrogate_is_a_malformed_body_not_a_crash(
    bastion: Bastion, path: str, field: str
) -> None:
    body = {
        "email": "a@example.com",
        "password": "x" * 20,
        "login_token": "t",
        "method": "totp",
        "code": "123456",
        "refresh_token": "r",
        "token": "t",
        "new_password": "y" * 20,
    }
    raw = json.dumps({**body, field: "\ud800"})  # the JSON text holds the escape
    response = bastion.call("POST", path, data=raw, content_type="application/json")
    assert (response.status_code, response.json["code"]) == (400, "malformed_body")


def test_security_headers_and_request_id(bastion: Bastion) -> None:
    response = bastion.call("POST", "/auth/login", json={}, headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    hostile = bastion.call(
        "POST", "/auth/login", json={}, headers={"X-Request-ID": "a\tb" + "x" * 5000}
    )
    assert hostile.headers["X-Request-ID"] != "a\tb" + "x" * 5000
    assert len(hostile.headers["X-Request-ID"]) == 32


def test_each_response_carries_its_headers_once_and_api_answers_are_never_stored(
    bastion: Bastion,
) -> None:
    api = bastion.call("GET", "/me")
    health = bastion.client.get("/healthz")
    docs = bastion.client.get("/docs")

    for response in (api, health, docs):
        names = [name.lower() for name, _ in response.headers]
        assert len(names) == len(set(names))
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "Vary" not in response.headers  # no CORS origin is allowed here
        assert "Strict-Transport-Security" not in response.headers
    assert api.headers["Cache-Control"] == "no-store"
    assert docs.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Cache-Control" not in health.headers
    assert "'self'" in docs.headers["Content-Security-Policy"]
    assert "'self'" not in api.headers["Content-Security-Policy"]
    secure = bastion.client.get("/healthz", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def test_request_ids_are_unique_and_every_request_logs_one_line(
    bastion: Bastion, caplog: pytest.LogCaptureFixture
) -> None:
    token = bastion.signed_in("ada@example.com")["access_token"]
    caplog.clear()
    caplog.set_level(logging.INFO, logger="bastion.access")
    answers = [bastion.call("GET", "/me", token=token if n % 2 else None) for n in range(50)]

    ids = {answer.headers["X-Request-ID"] for answer in answers}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in ids)
    lines = [vars(r) for r in caplog.records if r.name == "bastion.access"]
    assert [line["request_id"] for line in lines] == [a.headers["X-Request-ID"] for a in answers]
    assert [line["status"] for line in lines] == [a.status_code for a in answers]
    assert {line["method"] for line in lines} == {"GET"}
    durations = [line["duration_ms"] for line in lines]
    assert all(isinstance(ms, float) and 0 <= ms < 10_000 for ms in durations)
    assert all(round(ms, 2) == ms for ms in durations)  # hundredths of a millisecond
    me = answers[1].json["id"]
    assert {line["user_id"] for line in lines[1::2]} == {me}
    assert {line["user_id"] for line in lines[0::2]} == {None}


def test_cors_allows_only_listed_origins(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(cors_origins="https://app.example.com")
    evil = bastion.call("OPTIONS", "/auth/login", headers={"Origin": "https://evil.test"})
    assert "Access-Control-Allow-Origin" not in evil.headers
    good = bastion.call("OPTIONS", "/auth/login", headers={"Origin": "https://app.example.com"})
    assert good.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_endpoint_limits_answer_429_with_retry_after_and_no_side_effect(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    capacity = LIMITS[Rule.FORGOT].capacity
    statuses = [
        bastion.call(
            "POST", "/auth/password/forgot", json={"email": f"u{i}@example.com"}
        ).status_code
        for i in range(capacity + 1)
    ]
    assert statuses == [202] * capacity + [429]
    refused = bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    assert refused.status_code == 429
    assert refused.json["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    bastion.clock.advance(seconds=int(refused.headers["Retry-After"]))
    again = bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    assert again.status_code == 202


def test_forwarded_headers_do_not_escape_limits_without_trusted_proxies(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    capacity = LIMITS[Rule.RESEND].capacity
    statuses = [
        bastion.call(
            "POST",
            "/auth/email/resend",
            json={"email": "a@example.com"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(capacity + 1)
    ]
    assert statuses[-1] == 429


def test_health_and_readiness(bastion: Bastion) -> None:
    assert bastion.client.get("/healthz").json == {"status": "ok"}
    ready = bastion.client.get("/readyz")
    assert ready.status_code == 200


def test_openapi_documents_every_route_and_its_errors(bastion: Bastion) -> None:
    spec = bastion.client.get("/openapi.json").json
    paths = spec["paths"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/email/verify",
        "/api/v1/auth/email/resend",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/password/forgot",
        "/api/v1/auth/password/reset",
        "/api/v1/me",
        "/api/v1/me/password",
    ):
        assert path in paths, path
    login = paths["/api/v1/auth/login"]["post"]["responses"]
    assert {"200", "401", "403", "422", "429"} <= set(login)
    me = paths["/api/v1/me"]["get"]
    assert {"200", "401", "429", "503"} <= set(me["responses"])
    assert me["responses"]["401"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ProblemResponse"
    }
    assert me["security"] == [{"bearerAuth": []}]
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    docs = bastion.client.get("/docs")
    assert docs.status_code == 200
    assert b"/docs/static/swagger-ui-bundle.js" in docs.get_data()
    assert bastion.client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


def test_a_nul_character_anywhere_in_a_body_is_a_malformed_body(bastion: Bastion) -> None:
    token = bastion.signed_in("ada@example.com")["access_token"]
    for path, body in (
        ("/tasks", {"title": "a\u0000b"}),
        ("/auth/login", {"email": "ada@example.com", "password": "x\u0000" * 10}),
        ("/me", {"first_name": "\u0000"}),
    ):
        method = "PATCH" if path == "/me" else "POST"
        response = bastion.call(method, path, token=token, json=body)
        assert (response.status_code, response.json["code"]) == (400, "malformed_body"), path
