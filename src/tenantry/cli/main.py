"""The ``tenantry`` command: run the server and migrate here; everything else in the modules
beside this one (``api`` and the groups it registers)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import typer
from pydantic import ValidationError
from rich.console import Console

from tenantry.cli.administrators import register as register_admin_commands
from tenantry.cli.administrators import setup_link
from tenantry.cli.api import register as register_api_commands
from tenantry.cli.directories import register as register_directory_commands
from tenantry.cli.doctor import register as register_doctor
from tenantry.cli.events import register as register_event_commands
from tenantry.cli.help import tidy

if TYPE_CHECKING:
    from tenantry.server.context import Context
    from tenantry.server.settings import Settings

app = typer.Typer(help="Tenantry: self-hosted user management for multi-tenant applications.", no_args_is_help=True)
register_api_commands(app)  # login, the resource groups, and apps/clients/keys (API or --database)
register_admin_commands(app)  # dashboard administrators (database)
register_event_commands(app)  # webhooks and the audit log (API)
register_directory_commands(app)  # SCIM directories (API)
register_doctor(app)  # seat accounting checks (database)
console = Console(soft_wrap=True)  # never break lines that scripts parse
errors = Console(stderr=True, soft_wrap=True)


def _settings() -> Settings:
    from tenantry.server.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        errors.print(f"[red]Invalid configuration:[/red] {exc}")
        raise typer.Exit(2) from exc


def _migrated_context(settings: Settings | None = None) -> Context:
    from tenantry.server.context import build_context
    from tenantry.server.db.migrate import upgrade

    ctx = build_context(settings or _settings())
    upgrade(ctx.engine)
    return ctx


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Server processes (use with PostgreSQL)."),
    worker: bool | None = typer.Option(
        None, "--worker/--no-worker", help="Also run the webhook worker (default: TENANTRY_WORKER_ENABLED, true)."
    ),
) -> None:
    """Create or migrate the database, then serve the API (and everything else) on one port.
    Without TENANTRY_PUBLIC_URL, the public URL (links, OIDC issuer) is http://HOST:PORT."""
    from tenantry.server import serving

    cleanup = serving.prepare(workers)  # before the server's modules load (metrics of several processes)
    from tenantry.server.services.integration import clients

    settings = _settings().listening_on(host, port)
    os.environ["TENANTRY_PUBLIC_URL"] = settings.public_url  # what server processes started below read
    ctx = _migrated_context(settings)
    console.print(f"Tenantry {_version()} — database {ctx.engine.url.render_as_string(hide_password=True)}")
    console.print(f"Listening on http://{host}:{port}  (public URL and OIDC issuer {settings.public_url})")
    if not settings.bootstrap_client_id and not clients.list_clients(ctx):
        console.print(
            "No API client exists yet. Mint credentials with [bold]tenantry clients create[/bold] "
            "(or set TENANTRY_BOOTSTRAP_CLIENT_ID and TENANTRY_BOOTSTRAP_CLIENT_SECRET), then "
            f"POST them to {settings.public_url}/oauth/token."
        )
    _announce_setup(ctx)
    webhook_worker = settings.worker_enabled if worker is None else worker
    if webhook_worker:
        console.print("Webhook worker running (turn off with --no-worker or TENANTRY_WORKER_ENABLED=false)")
    from tenantry.server.observability.tracing import TracingUnavailable

    try:
        serving.run(ctx, host=host, port=port, workers=workers, webhook_worker=webhook_worker)
    except TracingUnavailable as exc:
        errors.print(f"[red]Invalid configuration:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        cleanup()


def _announce_setup(ctx: Context) -> None:
    """While no dashboard administrator exists, say how to create one. The one-time set-up
    link is a credential: it is printed only to a terminal, never into a log or a journal
    (`tenantry admin setup-link` prints a fresh one on demand)."""
    from tenantry.server.services.identity import admins

    if admins.list_all(ctx):
        return
    link = setup_link(ctx) if sys.stdout.isatty() else None
    if link:
        console.print(
            f"No dashboard administrator exists yet. Create the first one at (valid 24 hours, once):\n  {link}\n"
            "or run [bold]tenantry admin create --email you@example.com[/bold]."
        )
    else:
        console.print(
            "No dashboard administrator exists yet. On this machine, run [bold]tenantry admin setup-link[/bold] "
            "for a one-time set-up link, or [bold]tenantry admin create --email you@example.com[/bold]."
        )


@app.command("worker")
def worker_command() -> None:
    """Deliver webhooks (and record expired invitations) until stopped with Ctrl-C or SIGTERM.
    Run as many as you like, anywhere the database is reachable."""
    import signal
    import threading

    from tenantry.server.worker import Worker

    ctx = _migrated_context()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    runner = Worker(ctx)
    console.print(
        f"Tenantry webhook worker {runner.owner} — database {ctx.engine.url.render_as_string(hide_password=True)}"
    )
    try:
        runner.run(stop)
    finally:
        runner.close()


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest version."""
    ctx = _migrated_context()
    console.print(f"Database {ctx.engine.url.render_as_string(hide_password=True)} is up to date.")


@app.command("export")
def export_environment(
    file: Path = typer.Argument(..., help="Where to write the export (JSON); '-' for stdout."),
) -> None:
    """Write the whole environment to FILE: settings, users with password hashes and second
    factors, organizations, memberships, invitations, roles, domains, SSO and social
    connections, directories, applications, API clients, signing keys, webhooks, the audit log.
    Sessions, codes, tokens and the outbox are left out. Keep the code key (TENANTRY_CODE_KEY
    or tenantry.key) with it: recovery codes are digests under it (docs/production.md, section 8)."""
    from tenantry.server.domain.errors import TenantryError
    from tenantry.server.services.integration import backup

    ctx = _migrated_context()
    try:
        if str(file) == "-":
            exported = backup.export(ctx.engine, sys.stdout)
        else:
            with _private_file(file) as out:
                exported = backup.export(ctx.engine, out)
    except TenantryError as exc:
        if str(file) != "-":
            file.unlink(missing_ok=True)  # no half-written export left to be mistaken for one
        errors.print(f"[red]Export refused:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    errors.print(f"Exported {backup.summary(exported.counts.items())}.")
    for why in exported.keys_outside:
        errors.print(f"[yellow]Keep with the export:[/yellow] {why}.")


@app.command("import")
def import_environment(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An export made by `tenantry export`."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite an environment that already has content."),
) -> None:
    """Load an export into this database, in one transaction (all of it or nothing)."""
    from tenantry.server.domain.errors import TenantryError
    from tenantry.server.services.integration import backup

    ctx = _migrated_context()
    try:
        with file.open(encoding="utf-8") as source:
            document = backup.read(source)
        counts = backup.import_(ctx.engine, document, replace=replace)
    except (TenantryError, UnicodeDecodeError) as exc:
        errors.print(f"[red]Import refused:[/red] {getattr(exc, 'message', exc)}")
        raise typer.Exit(1) from exc
    console.print(f"Imported {backup.summary(counts.items())}.")
    for why in backup.keys_outside(document):
        errors.print(f"[yellow]This export needs a key kept outside the database:[/yellow] {why}.")


@contextmanager
def _private_file(path: Path) -> Iterator[TextIO]:
    """The export holds password hashes and signing keys: readable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        yield out


def _version() -> str:
    import tenantry

    return tenantry.__version__


if __name__ == "__main__":
    sys.exit(app())


def command() -> Any:
    """The ``tenantry`` command as click runs it, with plain ``--help`` (cli/help.py)."""
    return tidy(typer.main.get_command(app))


def main() -> None:
    """The ``tenantry`` console script."""
    command()()
