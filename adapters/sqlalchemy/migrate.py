"""Run the Alembic history programmatically: ``bastion db upgrade``, first start, tests."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

from alembic import command
from alembic.config import Config

from adapters.sqlalchemy.engine import build_engine


def alembic_config(url: str) -> Config:
    """A config that finds ``migrations/`` inside the installed package, from any cwd."""
    config = Config()
    config.set_main_option("script_location", str(files("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str) -> None:
    _run(url, lambda config: command.downgrade(config, revision))


def _run(url: str, action: Callable[[Config], None]) -> None:
    engine = build_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            action(config)
    finally:
        engine.dispose()
