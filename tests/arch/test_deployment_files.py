"""docker-compose.yml, the Dockerfile and the proxy's configuration cannot be run here (no
Docker engine), so read them; and the WSGI entry point they name."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from domain.profile import AVATAR_MAX_BYTES
from entrypoints.http import gunicorn_conf
from entrypoints.http.app import MAX_BODY_BYTES
from entrypoints.http.routes.avatars import MULTIPART_OVERHEAD
from entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_SETTINGS = ["-c", "python:entrypoints.http.gunicorn_conf"]
HTTP, SERVER = ("http",), ("http", "server")
UPSTREAM = ("http", "upstream bastion")
AVATAR = ("http", "server", "location = /api/v1/me/avatar")
CONSOLE_PICTURE = ("http", "server", "location = /account/picture")


def services() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return found


def nginx() -> dict[tuple[str, ...], list[list[str]]]:
    """Every directive of ``deploy/nginx.conf`` by the blocks around it and its name: the
    arguments of each time it is given there."""
    lexer = shlex.shlex(
        (ROOT / "deploy" / "nginx.conf").read_text(), posix=True, punctuation_chars=";{}"
    )
    lexer.whitespace_split = True
    found: dict[tuple[str, ...], list[list[str]]] = {}
    blocks: list[str] = []
    words: list[str] = []
    for token in lexer:
        if token == "{":
            blocks.append(" ".join(words))
            words = []
        elif token == "}":
            blocks.pop()
        elif token == ";":
            found.setdefault((*blocks, words[0]), []).append(words[1:])
            words = []
        else:
            words.append(token)
    return found


def one(directives: dict[tuple[str, ...], list[list[str]]], *where: str) -> str:
    (arguments,) = directives[where]
    (value,) = arguments
    return value


def size(value: str) -> int:
    units = {"k": 1024, "m": 1024 * 1024}
    return int(value[:-1]) * units[value[-1]] if value[-1] in units else int(value)


def seconds(value: str) -> float:
    return float(value.removesuffix("s"))


def test_compose_declares_the_production_stack_with_health_checks() -> None:
    stack = services()
    assert set(stack) == {"postgres", "redis", "migrate", "api", "proxy", "worker"}
    for name in ("postgres", "redis", "api", "proxy", "worker"):
        assert "healthcheck" in stack[name], name
    assert stack["migrate"]["command"] == ["bastion", "db", "upgrade"]
    assert stack["api"]["command"][0] == "gunicorn"
    assert "wsgi:app" in stack["api"]["command"]
    assert stack["worker"]["command"] == ["bastion", "worker"]
    for name in ("api", "worker"):
        needs = stack[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert stack[name]["environment"]["BASTION_ENV"] == "production"


def test_only_the_proxy_publishes_a_port_and_the_api_trusts_it_for_the_client_address() -> None:
    stack = services()
    assert {name for name, service in stack.items() if "ports" in service} == {"proxy"}
    proxy = stack["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["api"]["condition"] == "service_healthy"
    assert stack["api"]["environment"]["BASTION_TRUSTED_PROXIES"] == "${BASTION_TRUSTED_PROXIES:-1}"
    assert "BASTION_TRUSTED_PROXIES" not in stack["worker"]["environment"]
    directives = nginx()
    forwarded = directives[(*SERVER, "proxy_set_header")]
    assert ["X-Forwarded-For", "$proxy_add_x_forwarded_for"] in forwarded
    assert ["X-Forwarded-Proto", "$forwarded_proto"] in forwarded
    command = stack["api"]["command"]
    bind = command[command.index("--bind") + 1]
    assert one(directives, *UPSTREAM, "server") == "api:" + bind.rpartition(":")[2]


def test_gunicorn_starts_from_its_settings_module_everywhere() -> None:
    """Flags for threads or timeouts would silently override the module."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    image_command = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    for command in (services()["api"]["command"], yaml.safe_load(image_command[4:])):
        assert command[:2] == ["gunicorn", "wsgi:app"]
        assert command[2:4] == GUNICORN_SETTINGS
        assert not {"-k", "--worker-class", "--threads", "--timeout", "--keep-alive"} & set(command)
    assert gunicorn_conf.worker_class == "entrypoints.http.gunicorn_worker.HeadBufferingWorker"


def test_the_proxy_reads_requests_whole_within_bastions_limits_and_timeouts() -> None:
    directives = nginx()
    assert size(one(directives, *HTTP, "client_max_body_size")) == MAX_BODY_BYTES
    for upload in (AVATAR, CONSOLE_PICTURE):
        assert size(one(directives, *upload, "client_max_body_size")) == (
            AVATAR_MAX_BYTES + MULTIPART_OVERHEAD
        )
    header_timeout = Settings.model_fields["header_timeout"].default
    assert seconds(one(directives, *HTTP, "client_header_timeout")) == header_timeout
    for name in ("client_body_timeout", "send_timeout"):
        assert seconds(one(directives, *HTTP, name)) <= header_timeout, name
    assert one(directives, *SERVER, "proxy_request_buffering") == "on"
    assert one(directives, *SERVER, "proxy_buffering") == "on"
    assert gunicorn_conf.timeout < seconds(one(directives, *SERVER, "proxy_read_timeout"))
    assert seconds(one(directives, *UPSTREAM, "keepalive_timeout")) < gunicorn_conf.keepalive
    assert one(directives, *SERVER, "proxy_http_version") == "1.1"
    ((_count, buffer),) = directives[(*HTTP, "large_client_header_buffers")]
    assert size(buffer) <= gunicorn_conf.limit_request_line + 2
    assert size(buffer) <= gunicorn_conf.limit_request_field_size + 2
    for location in ("location /", "location = /api/v1/me/avatar", "location = /account/picture"):
        assert one(directives, *SERVER, location, "proxy_pass") == "http://bastion"


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


def test_the_image_runs_without_build_tools() -> None:
    """The last stage copies the built virtualenv; nothing there installs or compiles."""
    _preamble, *stages = (ROOT / "Dockerfile").read_text().split("\nFROM ")
    assert len(stages) == 2
    runtime = stages[-1]
    assert "COPY --from=build /app/.venv /app/.venv" in runtime
    assert "uninstall --yes --quiet pip" in runtime
    for tool in ("uv sync", "pip install", "apt-get", "gcc"):
        assert tool not in runtime, tool
    assert "--no-editable" in stages[0]


def test_the_proxys_access_log_holds_no_query_string_and_no_client_address() -> None:
    """Providers send one-time codes and states in the callback's query string (OA-07)."""
    directives = nginx()
    assert directives[("http", "access_log")] == [["/dev/stdout", "bastion"]]
    (fields,) = directives[("http", "log_format")]
    assert fields[0] == "bastion"
    line = " ".join(fields[1:])
    for leak in ("$request ", "$request_uri", "$args", "$query_string", "$remote_addr"):
        assert leak not in line + " "
    assert "$uri" in line
