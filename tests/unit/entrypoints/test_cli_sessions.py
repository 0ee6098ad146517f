"""``bastion sessions purge`` on a real (SQLite) database, configured as in production:
through ``BASTION_*`` variables."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner

from domain.ids import TaskId
from domain.tasks import Task
from entrypoints.cli import main
from entrypoints.container import build_container
from entrypoints.settings import load_settings
from tests.contracts.persistence_backends import START, a_session, a_user, store
from tests.support.settings import TEST_SECRETS


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    values = {
        "ENV": "test",
        "INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/bastion.db",
        **{key.upper(): value for key, value in TEST_SECRETS.items()},
    }
    for key, value in values.items():
        monkeypatch.setenv(f"BASTION_{key}", value)
    monkeypatch.delenv("BASTION_REDIS_URL", raising=False)
    return tmp_path


def test_sessions_purge_deletes_the_expired_ones(environment: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    container = build_container(load_settings())
    user = a_user()
    expired = replace(a_session(user), expires_at=START)
    live = replace(a_session(user), expires_at=START + timedelta(days=3650))
    store(container.uow, user, expired, live)

    result = runner.invoke(main, ["sessions", "purge"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "deleted 1 expired sessions"
    with container.uow() as uow:
        assert uow.sessions.get(expired.id) is None
        assert uow.sessions.get(live.id) is not None
    container.reset_singletons()


def test_tasks_purge_deletes_only_the_expired_trash(environment: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    container = build_container(load_settings())
    user = a_user()
    store(container.uow, user)
    expired, live = (
        Task(id=TaskId(uuid), user_id=user.id, title="t", created_at=START, updated_at=START)
        for uuid in (UUID(int=1), UUID(int=2))
    )
    with container.uow() as uow:
        for task, window in ((expired, timedelta(0)), (live, timedelta(days=3650))):
            uow.tasks.add(task)
            uow.tasks.remove(user.id, task.id)
            uow.deleted_tasks.add(task.trash(user.id, START, window))
        uow.commit()

    result = runner.invoke(main, ["tasks", "purge"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "deleted 1 expired tasks from the trash"
    with container.uow() as uow:
        assert uow.deleted_tasks.get(user.id, expired.id) is None
        assert uow.deleted_tasks.get(user.id, live.id) is not None
    container.reset_singletons()


def test_the_command_line_says_which_version_it_is() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"bastion {version('bastion')}\n"
