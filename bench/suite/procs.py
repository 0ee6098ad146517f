"""Child processes of one bench run: each starts with its output in a log file and is
stopped (TERM, then KILL) when the run ends, however it ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

import requests
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def child(
    name: str,
    argv: Sequence[str],
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` for the length of the ``with`` block, output in ``log_dir/name.log``.

    The child gets its own session, so a Ctrl-C in the terminal reaches only this
    process, which then stops its children in order."""
    with (log_dir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            list(argv),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """TERM to the child's whole process group (gunicorn's workers too), KILL to the group
    if the child is not gone after ``STOP_SECONDS``. The group is signalled only while its
    leader is not yet reaped, so its id cannot have been reused by then."""
    if process.poll() is not None:
        return
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()


def _signal_group(group: int, signum: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(group, signum)


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until ``url`` answers 200; fails at once if ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode} at start-up")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s")


def wait_idle(base_url: str, fast: float = 0.05, timeout: float = 60) -> None:
    """Until ``/healthz`` answers within ``fast`` seconds: requests a previous run left
    queued (a wrk run ends, its requests in flight do not) are done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            answered = requests.get(f"{base_url}/healthz", timeout=timeout).ok
        except requests.RequestException:
            answered = False
        if answered and time.monotonic() - started < fast:
            return
        time.sleep(0.2)


def wait_for_hashes(base_url: str, timeout: float = 180) -> None:
    """Until no password check runs or waits in any worker (``/metrics``'
    ``bastion_cpu_work_outstanding``): a sign-in run at 64 connections leaves dozens queued,
    which ``/healthz`` cannot see (the hashes yield to it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            text = requests.get(f"{base_url}/metrics", timeout=10).text
        except requests.RequestException:
            text = ""
        outstanding = [
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "bastion_cpu_work_outstanding" and sample.labels["work"] == "bcrypt"
        ]
        if text and sum(outstanding) == 0:
            return
        time.sleep(0.2)


def stop_on_signals() -> None:
    """SIGINT, SIGTERM and SIGHUP end the run as Ctrl-C does, so every ``finally`` runs
    (SIGINT too: a shell without job control starts background jobs ignoring it)."""

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)


def clean_env() -> dict[str, str]:
    """This process's environment without any ``BASTION_*`` the caller had set."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
