"""A private PostgreSQL 15 for one run: ``initdb`` + ``pg_ctl`` in a temporary directory,
as the ``postgres`` (or ``nobody``) user when the run is root, stopped and deleted after.

Durability is off (``fsync``, ``synchronous_commit``, ``full_page_writes``): a commit costs
no disk flush here, where a production server would add a WAL flush to every write
(login, refresh, register, task create). Everything else is PostgreSQL's default but a
larger ``max_wal_size``, so seeding a million rows does not checkpoint every few seconds.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from suite.procs import free_port

BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"),)
DATABASE = "bastion"
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "max_wal_size": "4GB",
}


@dataclass(frozen=True)
class PostgresServer:
    url: str
    pid: int  # the postmaster: its children are the backends


@contextmanager
def private_postgres() -> Iterator[PostgresServer]:
    """Yields the ``postgresql://`` URL of a fresh, empty database. Its directory is a
    temporary one of its own (the server's user must own it), deleted afterwards."""
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="bastion-bench-pg-"))
    as_user = _unprivileged_prefix(root)
    data, port = root / "data", free_port()

    def run(program: str, *args: str | Path) -> None:
        command = [*as_user, str(bin_dir / program), *map(str, args)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr}{done.stdout}")

    run(
        "initdb",
        "-D",
        data,
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    )
    options = " ".join(f"-c {key}={value}" for key, value in SERVER_SETTINGS.items())
    run(
        "pg_ctl",
        "-D",
        data,
        "-l",
        root / "postgres.log",
        "-w",
        "-t",
        "30",
        "-o",
        f"-p {port} -k {root} {options}",
        "start",
    )
    try:
        admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        pid = int((data / "postmaster.pid").read_text().split()[0])
        yield PostgresServer(f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}", pid)
    finally:
        run("pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _bin_dir() -> Path:
    found = shutil.which("pg_ctl")
    candidates = [*BIN_DIRS, *([Path(found).resolve().parent] if found else [])]
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    raise RuntimeError("PostgreSQL 15 binaries not found: apt-get install -y postgresql-15")


def _unprivileged_prefix(owned_dir: Path) -> list[str]:
    """PostgreSQL refuses to run as root: run it as ``postgres`` through ``setpriv``."""
    if os.geteuid() != 0:
        return []
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        account = pwd.getpwnam("nobody")
    os.chown(owned_dir, account.pw_uid, account.pw_gid)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("running as root needs setpriv to start PostgreSQL as another user")
    return [setpriv, f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]
