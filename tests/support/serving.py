"""gunicorn's configuration as production sets it, from Bastion's settings module."""

from __future__ import annotations

from gunicorn.config import Config

from entrypoints.http import gunicorn_conf

SETTINGS = (
    "worker_class",
    "threads",
    "timeout",
    "keepalive",
    "limit_request_line",
    "limit_request_fields",
    "limit_request_field_size",
)


def production_config() -> Config:
    config = Config()
    for name in SETTINGS:
        config.set(name, getattr(gunicorn_conf, name))
    return config
