"""``./scripts/serve``, the README's first command, run as a user runs it: its arguments
reach ``bastion run``, the banner comes only once the port listens (whoever waits for the
banner can connect), and a taken port is one clear line and a non-zero exit."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from tests.e2e.conftest import ROOT, free_port

SERVE = ROOT / "scripts" / "serve"
BANNER = "Bastion listening on "


def _environment(instance: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BASTION_INSTANCE_DIR": str(instance),
        "BASTION_DATABASE_URL": f"sqlite:///{instance}/bastion.db",
    }


@contextmanager
def _serving(instance: Path, port: int) -> Iterator[tuple[subprocess.Popen[bytes], BinaryIO]]:
    """``scripts/serve --port`` in its own process group, stopped whatever happens, with
    its output on a pipe the test filled beforehand: nothing it prints gets out, and its
    print blocks, until the test reads."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    os.set_blocking(write_end, False)
    with contextlib.suppress(BlockingIOError):
        while True:
            os.write(write_end, b"-" * 4096)
    os.set_blocking(write_end, True)
    with (instance / "serve.log").open("w") as log, os.fdopen(read_end, "rb") as output:
        process = subprocess.Popen(
            ["bash", str(SERVE), "--port", str(port)],
            stdout=write_end,
            stderr=log,
            env=_environment(instance),
            start_new_session=True,
        )
        os.close(write_end)
        try:
            yield process, output
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        if _accepts(port):
            return
        time.sleep(0.1)
    raise AssertionError(
        f"port {port} never listened while the banner waited to be printed"
        f" (exit {process.poll()}); log:\n{log.read_text()[-3000:]}"
    )


def _banner(output: BinaryIO) -> str:
    for line in output:
        text = line.decode().lstrip("-")
        if text.startswith(BANNER):
            return text
    raise AssertionError("the output ended without the banner")


def test_serve_takes_a_port_and_listens_before_it_announces_it(tmp_path: Path) -> None:
    port = free_port()
    with _serving(tmp_path, port) as (serving, output):
        _listening(serving, port, tmp_path / "serve.log")
        banner = _banner(output)

        assert f"http://127.0.0.1:{port}" in banner
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert (answer.status, json.load(answer)) == (200, {"status": "ok"})
        console = output.readline().decode()
        assert console == f"Account console: http://localhost:{port}/account\n"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/account/sign-in", timeout=10) as page:
            assert page.status == 200
            assert "Sign in" in page.read().decode()


def test_serve_on_a_taken_port_says_so_and_fails(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(
            ["bash", str(SERVE), "--port", str(port)],
            capture_output=True,
            text=True,
            env=_environment(tmp_path),
            timeout=120,
            check=False,
        )

    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert BANNER not in result.stdout
