"""``scripts/serve`` on a machine without uv, whose python3 is a distribution's: pip refuses
to install into it (PEP 668) and, without python3-venv, it cannot make a virtualenv.

The script runs for real, on a PATH of stand-ins that log what they are asked: a python3
whose pip answers ``externally-managed-environment``, ``apt-get``, ``id`` and ``uv``, and
nothing else but the few tools the script uses. No network, no real install."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BASH = shutil.which("bash") or "/bin/bash"
TOOLS = ("dirname", "mkdir", "rm", "ln", "cp")

PYTHON3 = """\
echo "python3 $*" >> "$FAKE/log"
case "$1 $2" in
  "-c import sys;"*) echo "$PYTHON_VERSION" ;;
  "-c import ensurepip;"*)
    [ -e "$FAKE/venv-ok" ] || { echo "No module named 'ensurepip'" >&2; exit 1; } ;;
  "-m venv")
    if [ ! -e "$FAKE/venv-ok" ]; then
      echo "The virtual environment was not created successfully because ensurepip is not" >&2
      echo "available.  On Debian/Ubuntu systems, you need to install the python3-venv" >&2
      exit 1
    fi
    mkdir -p "$3/bin" && cp "$FAKE/venv-python" "$3/bin/python" ;;
  "-m pip")
    echo "error: externally-managed-environment" >&2
    echo "This environment is externally managed" >&2
    exit 1 ;;
  *) exit 2 ;;
esac
"""
VENV_PYTHON = """\
echo "venv-python $*" >> "$FAKE/log"
[ "$1 $2 $3" = "-m pip install" ] && cp "$FAKE/uv" "$(dirname "$0")/uv"
"""
UV = 'echo "uv $*" >> "$FAKE/log"\n'
APT_GET = 'echo "apt-get $*" >> "$FAKE/log"\n[ "$1" != install ] || : > "$FAKE/venv-ok"\n'
ID = 'echo "$USER_ID"\n'


@dataclass
class Machine:
    repo: Path
    fake: Path
    bin: Path

    def serve(self, *args: str, user_id: int = 1000, python: str = "3.11") -> Ran:
        env = {
            "PATH": str(self.bin),
            "HOME": str(self.fake / "home"),
            "FAKE": str(self.fake),
            "USER_ID": str(user_id),
            "PYTHON_VERSION": python,
        }
        serve = self.repo / "scripts" / "serve"
        result = subprocess.run(
            [BASH, str(serve), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        log = self.fake / "log"
        calls = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return Ran(result.returncode, result.stderr, calls)

    def stand_in(self, name: str, body: str, folder: Path | None = None) -> None:
        path = (folder or self.bin) / name
        path.write_text(f"#!{BASH}\n{body}")
        path.chmod(0o755)


@dataclass
class Ran:
    code: int
    stderr: str
    calls: list[str]


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    repo, fake, folder = tmp_path / "repo", tmp_path / "fake", tmp_path / "bin"
    for directory in (repo / "scripts", fake / "home", folder):
        directory.mkdir(parents=True)
    for script in ("_env.sh", "serve"):
        shutil.copy2(ROOT / "scripts" / script, repo / "scripts" / script)
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (folder / tool).symlink_to(found)
    made = Machine(repo, fake, folder)
    made.stand_in("python3", PYTHON3)
    made.stand_in("id", ID)
    made.stand_in("apt-get", APT_GET)
    made.stand_in("venv-python", VENV_PYTHON, fake)
    made.stand_in("uv", UV, fake)
    return made


def test_without_uv_a_distribution_python_gets_uv_in_a_private_virtualenv(
    machine: Machine,
) -> None:
    (machine.fake / "venv-ok").touch()

    ran = machine.serve("--port", "8123")

    venv = machine.repo / ".tools" / "uv"
    assert ran.code == 0, ran.stderr
    assert f"python3 -m venv {venv}" in ran.calls
    assert "venv-python -m pip install --quiet --disable-pip-version-check uv>=0.5,<1" in ran.calls
    assert not [call for call in ran.calls if call.startswith("python3 -m pip")]
    assert ran.calls[-2:] == [
        "uv sync --quiet --frozen --inexact",
        "uv run --frozen bastion run --port 8123",
    ]
    assert (machine.repo / ".tools" / "bin" / "uv").resolve() == venv / "bin" / "uv"

    again = machine.serve()
    assert again.calls == ["uv sync --quiet --frozen --inexact", "uv run --frozen bastion run"]


def test_without_python3_venv_the_user_is_told_which_package_to_install(
    machine: Machine,
) -> None:
    ran = machine.serve("--port", "8123")

    assert ran.code == 1
    assert "ensurepip is missing" in ran.stderr
    assert "apt-get install python3-venv" in ran.stderr
    assert not [call for call in ran.calls if call.startswith(("apt-get", "uv", "python3 -m"))]
    assert not (machine.repo / ".tools" / "uv").exists()


def test_as_root_the_missing_python3_venv_is_installed_with_apt_get(machine: Machine) -> None:
    ran = machine.serve("--port", "8123", user_id=0)

    assert ran.code == 0, ran.stderr
    assert "apt-get install -y -qq python3-venv" in ran.calls
    assert ran.calls[-1] == "uv run --frozen bastion run --port 8123"


def test_a_python3_older_than_3_11_is_named(machine: Machine) -> None:
    ran = machine.serve(python="3.9")

    assert ran.code == 1
    assert "python3 is Python 3.9: Bastion needs 3.11 or newer" in ran.stderr


def test_a_missing_python3_is_named_with_the_packages_to_install(machine: Machine) -> None:
    (machine.bin / "python3").unlink()

    ran = machine.serve()

    assert ran.code == 1
    assert "python3 not found: Bastion needs Python 3.11 or newer" in ran.stderr
    assert "apt-get install python3 python3-venv" in ran.stderr


def test_with_uv_on_the_path_serve_passes_its_arguments_to_bastion_run_only(
    machine: Machine,
) -> None:
    shutil.copy2(machine.fake / "uv", machine.bin / "uv")

    ran = machine.serve("--port", "8123", "--host", "0.0.0.0")  # noqa: S104 - an argument

    assert ran.code == 0, ran.stderr
    assert ran.calls == [
        "uv sync --quiet --frozen --inexact",
        "uv run --frozen bastion run --port 8123 --host 0.0.0.0",
    ]
