"""The database refuses a write for reasons outside the request's control (AP-04, LO-02,
FI-15): the answer is 503 problem+json with ``Retry-After``, never a 500, no SQL leaks,
and the transaction leaves nothing behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from entrypoints.container import build_container
from entrypoints.http.app import create_app
from tests.support.notifier import RecordingNotifier
from tests.support.settings import test_settings as settings_for

REFUSAL = "refused-by-the-test-trigger"
LEAKS = (REFUSAL, "account_events", "INSERT", "SELECT", "psycopg", "sqlalchemy", "Traceback")
REGISTRATION = {
    "email": "ada@example.com",
    "password": "correct horse battery staple",
    "first_name": "Ada",
    "last_name": "Lovelace",
}


@pytest.fixture
def client(postgres_engine: Engine, postgres_url: str, tmp_path: Path) -> Iterator[FlaskClient]:
    settings = settings_for(tmp_path, database_url=postgres_url)
    container = build_container(settings, store="sql", ephemeral="memory")
    container.notifier.override(RecordingNotifier())
    app = create_app(settings, container)
    yield app.test_client()
    container.reset_singletons()


@pytest.fixture
def refuse_events(postgres_engine: Engine) -> Iterator[Callable[[str], None]]:
    """Install, for one test, a trigger that raises on every account event insert with
    the SQLSTATE the test asks for."""

    def install(sqlstate: str) -> None:
        with postgres_engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE FUNCTION test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$"
                    f" BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = '{sqlstate}'; END $$"
                )
            )
            connection.execute(
                text(
                    "CREATE TRIGGER test_refuse_event BEFORE INSERT ON account_events"
                    " FOR EACH ROW EXECUTE FUNCTION test_refuse_event()"
                )
            )

    yield install
    with postgres_engine.begin() as connection:
        connection.execute(text("DROP TRIGGER IF EXISTS test_refuse_event ON account_events"))
        connection.execute(text("DROP FUNCTION IF EXISTS test_refuse_event()"))


@pytest.mark.parametrize(
    "sqlstate",
    [
        pytest.param("P0001", id="raise_exception"),
        pytest.param("42501", id="insufficient_privilege"),
        pytest.param("25006", id="read_only_sql_transaction"),
        pytest.param("XX000", id="internal_error"),
    ],
)
def test_a_refused_event_insert_answers_503_and_leaves_no_user_behind(
    client: FlaskClient,
    refuse_events: Callable[[str], None],
    postgres_engine: Engine,
    sqlstate: str,
) -> None:
    refuse_events(sqlstate)

    response = client.post("/api/v1/auth/register", json=REGISTRATION)

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert "WWW-Authenticate" not in response.headers
    assert response.json is not None
    assert response.json["code"] == "service_unavailable"
    body = response.get_data(as_text=True)
    assert not [leak for leak in LEAKS if leak.lower() in body.lower()]
    with postgres_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM users")) == 0
        assert connection.scalar(text("SELECT count(*) FROM account_events")) == 0


def test_registration_works_again_once_the_database_accepts_the_write(
    client: FlaskClient, postgres_engine: Engine
) -> None:
    response = client.post("/api/v1/auth/register", json=REGISTRATION)

    assert response.status_code == 202
    with postgres_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM users")) == 1
