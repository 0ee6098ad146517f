"""``bastion``: the command line (run, worker, db upgrade, users ...)."""

from __future__ import annotations

import errno
import os
import socket
import sys
from typing import TYPE_CHECKING

import click

from application.account.create_admin import CreateAdminCommand
from application.auth.purge_unverified_users import PurgeUnverifiedUsersCommand
from application.sessions.purge_expired_sessions import PurgeExpiredSessionsCommand
from domain.errors import DomainError
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.serving import BaseWSGIServer

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@click.group()
@click.version_option(package_name="bastion", prog_name="bastion", message="%(prog)s %(version)s")
def main() -> None:
    """Bastion: accounts and authentication for your apps."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int, help="0: any free port.")
def run(host: str, port: int) -> None:
    """Start the development server (migrates the embedded database on first start).

    The banner is printed once the socket listens, so whoever waits for it can connect."""
    from entrypoints.http.app import create_app

    settings = _settings()
    container = build_container(settings)
    container.migrate()
    server = _listen(host, port, create_app(settings, container))
    if settings.redis_url is None:
        _start_periodic_jobs(container)
    url = f"http://[{host}]:{server.port}" if ":" in host else f"http://{host}:{server.port}"
    click.echo(f"Bastion listening on {url}  (API docs: {url}/docs)")
    click.echo(f"Account console: {_console_url(host, server.port)}")
    server.serve_forever()


def _console_url(host: str, port: int) -> str:
    """Where a person opens the account console. On this machine that is ``localhost``,
    the default relying party of passkeys (``BASTION_WEBAUTHN_RP_ID``) and host of
    ``BASTION_PUBLIC_URL``, so passkeys work and mailed links share the browser's cookies."""
    if host in _LOOPBACK_HOSTS:
        return f"http://localhost:{port}/account"
    return f"http://[{host}]:{port}/account" if ":" in host else f"http://{host}:{port}/account"


def _listen(host: str, port: int, app: WSGIApplication) -> BaseWSGIServer:
    """Werkzeug's threaded server on a socket bound and listening here, so that a taken
    or unknown address is one line naming it, not werkzeug's exit."""
    from werkzeug.serving import make_server, select_address_family

    try:
        listener = socket.create_server((host, port), family=select_address_family(host, port))
    except OSError as error:
        code = error.errno or 0  # negative: a resolver's code, whose text is in strerror
        reason = os.strerror(code) if code > 0 else (error.strerror or str(error))
        if error.errno == errno.EADDRINUSE:
            reason += " (another server holds the port: stop it, or pass another --port)"
        raise click.ClickException(f"cannot listen on {host}:{port}: {reason}") from None
    with listener:
        return make_server(host, port, app, threaded=True, fd=listener.fileno())


def _start_periodic_jobs(container: Container) -> None:
    """The embedded default has no worker: this process runs the periodic jobs."""
    from entrypoints.worker.periodic import Every

    purge = container.purge_unverified_users
    Every(3600, lambda: purge()(PurgeUnverifiedUsersCommand()), "purge-unverified").start()
    sweep = container.purge_expired_sessions
    Every(3600, lambda: sweep()(PurgeExpiredSessionsCommand()), "purge-expired-sessions").start()
    Every(3600, container.purge_deleted_tasks(), "purge-deleted-tasks").start()
    Every(3600, container.purge_expired_exports(), "purge-exports").start()
    Every(60, container.reconcile_exports(), "reconcile-exports").start()


@main.command()
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker on the exports and default queues."""
    from entrypoints.worker.main import run_worker

    run_worker(burst=burst)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    build_container(_settings()).migrate()
    click.echo("database is up to date")


@main.group()
def users() -> None:
    """User administration."""


@users.command("create-admin")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--first-name", default="Admin", show_default=True)
@click.option("--last-name", default="Bastion", show_default=True)
def create_admin(email: str, password_stdin: bool, first_name: str, last_name: str) -> None:
    """Create a verified administrator account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    command = CreateAdminCommand(email, password, first_name, last_name)
    try:
        profile = build_container(_settings()).create_admin()(command)
    except DomainError as error:
        messages = getattr(error, "errors", {})
        raise click.ClickException(
            f"{error.code}: {error.detail} {messages or ''}".strip()
        ) from None
    click.echo(f"created admin {profile.id}")


@users.command("purge-unverified")
def purge_unverified() -> None:
    """Delete accounts never verified within 7 days."""
    deleted = build_container(_settings()).purge_unverified_users()(PurgeUnverifiedUsersCommand())
    click.echo(f"deleted {deleted} unverified accounts")


@main.group()
def sessions() -> None:
    """Device sessions."""


@sessions.command("purge")
def purge_sessions() -> None:
    """Delete sessions past their absolute expiry, with their refresh tokens."""
    command = PurgeExpiredSessionsCommand()
    deleted = build_container(_settings()).purge_expired_sessions()(command)
    click.echo(f"deleted {deleted} expired sessions")


@main.group()
def tasks() -> None:
    """Tasks and their trash."""


@tasks.command("purge")
def purge_tasks() -> None:
    """Delete for good the deleted tasks past their restore window."""
    deleted = build_container(_settings()).purge_deleted_tasks()()
    click.echo(f"deleted {deleted} expired tasks from the trash")


@main.group()
def exports() -> None:
    """Data exports."""


@exports.command("purge")
def purge_exports() -> None:
    """Delete the files of exports past their expiry and mark them expired."""
    expired = build_container(_settings()).purge_expired_exports()()
    click.echo(f"expired {expired} exports")


@exports.command("reconcile")
def reconcile_exports() -> None:
    """Queue again the exports whose job was lost (a dead worker, a flushed Redis)."""
    acted = build_container(_settings()).reconcile_exports()()
    click.echo(f"reconciled {acted} exports")


@main.group()
def keys() -> None:
    """Encryption key rotation."""


@keys.command("reseal")
def reseal() -> None:
    """Re-seal every stored factor secret and provider access token under the first key of
    BASTION_ENCRYPTION_KEYS."""
    container = build_container(_settings())
    secrets = container.reseal_factor_secrets()()
    tokens = container.reseal_provider_tokens()()
    click.echo(
        f"re-sealed {secrets} factor secrets and {tokens} provider tokens under the newest key"
    )


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
