"""The HTTP layer itself: problem+json everywhere, headers, limits, docs."""

from __future__ import annotations

import io
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


def test_a_nul_character_is_refused_on_the_field_that_keeps_text_and_taken_by_secrets(
    bastion: Bastion,
) -> None:
    """Valid JSON, so never "malformed": 422 on each field that would store it (PostgreSQL
    text cannot hold U+0000); a password, only ever hashed, takes it."""
    token = bastion.signed_in("ada@example.com")["access_token"]
    for method, path, body, field in (
        ("POST", "/tasks", {"title": "a\u0000b"}, "title"),
        ("PATCH", "/me", {"first_name": "\u0000"}, "first_name"),
        (
            "POST",
            "/auth/register",
            {
                "email": "a@example.com",
                "password": "p" * 20,
                "first_name": "A\u0000",
                "last_name": "B",
            },
            "first_name",
        ),
    ):
        response = bastion.call(method, path, token=token, json=body)
        assert (response.status_code, response.json["code"]) == (422, "validation_error"), path
        assert list(response.json["errors"]) == [field], path
        assert "NUL" in response.json["errors"][field][0]
    assert bastion.call("GET", "/me", token=token).json["first_name"] == "Ada"

    nul_password = "a kettle\u0000of fish, warm"
    bastion.verified_user("nul@example.com", password=nul_password)
    assert bastion.log_in("nul@example.com", nul_password).status_code == 200
    assert bastion.log_in("nul@example.com", nul_password.replace("\u0000", "")).status_code == 401


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/tasks"])
def test_an_integer_longer_than_python_converts_is_a_field_error_not_a_500(
    bastion: Bastion, path: str
) -> None:
    token = bastion.signed_in("ada@example.com")["access_token"]
    for digits in ("1" * 4301, "-" + "9" * 10_000):
        raw = f'{{"email": "a@example.com", "password": {digits}, "title": {digits}}}'
        response = bastion.call(
            "POST", path, token=token, data=raw, content_type="application/json"
        )
        assert (response.status_code, response.json["code"]) == (422, "validation_error")
        assert {"password", "title"} & set(response.json["errors"])


def test_every_405_names_the_allowed_methods(bastion: Bastion) -> None:
    token = bastion.signed_in("ada@example.com")["access_token"]
    for method, path, allowed in (
        ("PUT", "/me", {"GET", "HEAD", "PATCH", "DELETE", "OPTIONS"}),
        ("GET", "/auth/login", {"POST", "OPTIONS"}),
        ("POST", "/me/sessions", {"GET", "HEAD", "OPTIONS"}),
    ):
        response = bastion.call(method, path, token=token)
        assert (response.status_code, response.json["code"]) == (405, "method_not_allowed")
        assert set(response.headers["Allow"].split(", ")) == allowed, path


def test_a_chunked_body_over_the_limit_is_413_not_a_malformed_body(bastion: Bastion) -> None:
    """gunicorn ends a chunked body itself (``wsgi.input_terminated``), and Werkzeug stops
    reading it at the limit: what was read is cut off, not the whole body."""
    padding = "x" * (1024 * 1024)
    body = json.dumps({"email": "a@example.com", "password": padding}).encode()
    for size, status in ((len(body), 413), (1024 * 1024 - 1, 422)):
        chunked = bastion.client.post(
            "/api/v1/auth/login",
            input_stream=io.BytesIO(body[:size] if status == 413 else b'{"email": 1}'),
            content_type="application/json",
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )
        assert chunked.status_code == status, chunked.get_data(as_text=True)[:200]


def test_a_partial_update_must_change_something_and_booleans_are_booleans(
    bastion: Bastion,
) -> None:
    token = bastion.signed_in("ada@example.com")["access_token"]
    task = bastion.call("POST", "/tasks", token=token, json={"title": "t"}).json
    for path in ("/me", f"/tasks/{task['id']}"):
        empty = bastion.call("PATCH", path, token=token, json={})
        assert (empty.status_code, empty.json["code"]) == (422, "validation_error"), path
        assert "at least one field" in empty.json["errors"]["_body"][0]
    for value in (0, 1, "true", "yes", None):
        for method, path in (("PATCH", f"/tasks/{task['id']}"), ("POST", "/tasks")):
            body = {"title": "t", "completed": value}
            response = bastion.call(method, path, token=token, json=body)
            assert response.status_code == 422, (method, value)
            assert list(response.json["errors"]) == ["completed"]
    done = bastion.call("PATCH", f"/tasks/{task['id']}", token=token, json={"completed": True})
    assert done.json["completed"] is True


def test_the_openapi_schemas_say_what_the_api_enforces(make_bastion: BastionFactory) -> None:
    spec = make_bastion(password_min_length=20).client.get("/openapi.json").json
    schemas = spec["components"]["schemas"]
    for name, field in (
        ("RegisterRequest", "password"),
        ("ResetPasswordRequest", "new_password"),
        ("ChangePasswordRequest", "new_password"),
    ):
        bounds = schemas[name]["properties"][field]
        assert (bounds["minLength"], bounds["maxLength"]) == (20, 128), name
    assert schemas["LoginRequest"]["properties"]["password"]["minLength"] == 1  # old ones work
    for name in ("RegisterRequest", "LoginRequest", "EmailChangeRequest"):
        email = schemas[name]["properties"].get("email") or schemas[name]["properties"]["new_email"]
        assert (email["format"], email["maxLength"]) == ("email", 254)
    phone = schemas["SmsSetupRequest"]["properties"]["phone"]["pattern"]
    assert re.match(phone, "+1 (415) 555-0100")
    assert not re.match(phone, "0041 44 668 18 00")
    assert re.match(schemas["ProfileUpdateRequest"]["properties"]["phone"]["pattern"], "")
    for name in ("ProfileUpdateRequest", "TaskUpdateRequest"):
        assert schemas[name]["minProperties"] == 1
    events = spec["paths"]["/api/v1/me/events"]["get"]["parameters"]
    cursor = next(p["schema"] for p in events if p["name"] == "cursor")
    assert cursor["maxLength"] == 200
    assert re.match(cursor["pattern"], "WyJldmVudHMiXQ")
    assert not re.match(cursor["pattern"], "not a cursor!")


def test_every_operation_has_a_unique_id_markdown_text_and_loadable_examples(
    bastion: Bastion,
) -> None:
    spec = bastion.client.get("/openapi.json").json
    operations = [
        op for item in spec["paths"].values() for op in item.values() if "responses" in op
    ]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)) == len(operations)
    assert "logIn" in ids
    assert "``" not in json.dumps(spec)
    bodies = 0
    for op in operations:
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            continue
        bodies += 1
        assert "example" in content, op["operationId"]
        name = content["schema"]["$ref"].rsplit("/", 1)[1]
        schema = next(s for s in _request_schemas() if s.__name__ == name)
        schema().load(content["example"])  # every example is a body the API takes
    assert bodies >= 15
    refresh = spec["paths"]["/api/v1/auth/refresh"]["post"]["responses"]["200"]["content"]
    assert refresh["application/json"]["example"]["token_type"] == "Bearer"
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]["200"]["content"]
    assert set(login["application/json"]["examples"]) == {"signed_in", "second_factor_required"}


def _request_schemas() -> list[type]:
    from marshmallow import Schema

    from entrypoints.http.schemas import account, auth, mfa, passkeys, social, tasks

    return [
        value
        for module in (account, auth, mfa, passkeys, social, tasks)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Schema) and hasattr(value, "EXAMPLE")
    ]


def test_every_problem_type_names_a_page_that_describes_it(bastion: Bastion) -> None:
    refused = bastion.call("POST", "/auth/login", json={"email": "a@example.com", "password": "x"})
    problem_type = refused.json["type"]
    assert problem_type == "https://bastion.example/problems/invalid-credentials"
    forged = bastion.call("GET", "/nowhere", headers={"Host": "evil.example"}).json["type"]
    assert forged == "https://bastion.example/problems/not-found"
    page = bastion.client.get(problem_type.removeprefix("https://bastion.example"))
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert "invalid_credentials" in page.get_data(as_text=True)
    assert "401" in page.get_data(as_text=True)
    for code in ("weak_password", "malformed_body", "rate_limited", "method_not_allowed"):
        slug = code.replace("_", "-")
        assert bastion.client.get(f"/problems/{slug}").status_code == 200, code
    assert bastion.client.get("/problems/no-such-thing").status_code == 404
