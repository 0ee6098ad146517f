"""docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so read them;
and the WSGI entry point they name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


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
