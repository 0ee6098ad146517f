"""docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so read them;
and the WSGI entry point they name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from entrypoints.http import gunicorn_conf

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_SETTINGS = ["-c", "python:entrypoints.http.gunicorn_conf"]


def test_compose_declares_the_production_stack_with_health_checks() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker"}
    for name in ("postgres", "redis", "api", "worker"):
        assert "healthcheck" in services[name], name
    assert services["migrate"]["command"] == ["bastion", "db", "upgrade"]
    assert services["api"]["command"][0] == "gunicorn"
    assert "wsgi:app" in services["api"]["command"]
    assert services["worker"]["command"] == ["bastion", "worker"]
    for name in ("api", "worker"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["BASTION_ENV"] == "production"


def test_gunicorn_starts_from_its_settings_module_everywhere() -> None:
    """Flags for threads or timeouts would silently override the module."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    image_command = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    for command in (compose["services"]["api"]["command"], yaml.safe_load(image_command[4:])):
        assert command[:2] == ["gunicorn", "wsgi:app"]
        assert command[2:4] == GUNICORN_SETTINGS
        assert not {"-k", "--worker-class", "--threads", "--timeout", "--keep-alive"} & set(command)
    assert gunicorn_conf.worker_class == "entrypoints.http.gunicorn_worker.HeadBufferingWorker"


def test_dockerfile_copies_every_package_the_app_imports() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for part in ("domain", "application", "adapters", "entrypoints", "migrations", "wsgi.py"):
        assert part in dockerfile, part
    assert "uv sync --frozen" in dockerfile


def test_a_worker_built_from_wsgi_freezes_what_start_up_made(tmp_path: Path) -> None:
    """Full collections would otherwise walk every start-up object, the whole worker stopped."""
    env = {**os.environ, "BASTION_ENV": "test", "BASTION_INSTANCE_DIR": str(tmp_path)}
    env.pop("BASTION_DATABASE_URL", None)
    env.pop("BASTION_REDIS_URL", None)
    probe = "import gc, wsgi; print(gc.get_freeze_count())"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 10_000
