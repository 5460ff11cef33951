"""The ``tenantry`` command: run the server, migrate, mint API credentials."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from tenantry.cli.api import register as register_api_commands

if TYPE_CHECKING:
    from tenantry.server.context import Context
    from tenantry.server.settings import Settings

app = typer.Typer(help="Tenantry: self-hosted user management for multi-tenant applications.", no_args_is_help=True)
clients_app = typer.Typer(help="Management API clients (client-credentials secrets).", no_args_is_help=True)
app.add_typer(clients_app, name="clients")
apps_app = typer.Typer(help="OpenID Connect applications (relying parties).", no_args_is_help=True)
app.add_typer(apps_app, name="apps")
keys_app = typer.Typer(help="Token signing keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
register_api_commands(app)
console = Console(soft_wrap=True)  # never break lines that scripts parse
errors = Console(stderr=True, soft_wrap=True)


def _settings() -> Settings:
    from tenantry.server.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        errors.print(f"[red]Invalid configuration:[/red] {exc}")
        raise typer.Exit(2) from exc


def _migrated_context() -> Context:
    from tenantry.server.context import build_context
    from tenantry.server.db.migrate import upgrade

    ctx = build_context(_settings())
    upgrade(ctx.engine)
    return ctx


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Server processes (use with PostgreSQL)."),
) -> None:
    """Create or migrate the database, then serve the API (and everything else) on one port."""
    import uvicorn

    from tenantry.server.app import create_app
    from tenantry.server.services import clients

    ctx = _migrated_context()
    settings = ctx.settings
    console.print(f"Tenantry {_version()} — database {ctx.engine.url.render_as_string(hide_password=True)}")
    console.print(f"Listening on http://{host}:{port}  (public URL {settings.public_url})")
    if not settings.bootstrap_client_id and not clients.list_clients(ctx):
        console.print(
            "No API client exists yet. Mint credentials with [bold]tenantry clients create[/bold] "
            "(or set TENANTRY_BOOTSTRAP_CLIENT_ID and TENANTRY_BOOTSTRAP_CLIENT_SECRET), then "
            f"POST them to {settings.public_url}/oauth/token."
        )
    if workers > 1:
        ctx.engine.dispose()
        uvicorn.run("tenantry.server.app:create_app_from_env", factory=True, host=host, port=port, workers=workers)
    else:
        uvicorn.run(create_app(context=ctx), host=host, port=port)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest version."""
    ctx = _migrated_context()
    console.print(f"Database {ctx.engine.url.render_as_string(hide_password=True)} is up to date.")


@clients_app.command("create")
def clients_create(name: str = typer.Option("API client", help="A label for the client.")) -> None:
    """Mint a client id and secret for the management API. The secret is shown only now."""
    from tenantry.server.services import clients

    client = clients.create_client(_migrated_context(), name)
    console.print(f"client_id:     {client.id}")
    console.print(f"client_secret: {client.secret}")
    console.print("Store the secret now: Tenantry keeps only its hash.", style="dim")


@clients_app.command("list")
def clients_list() -> None:
    """List API clients."""
    from tenantry.server.services import clients

    table = _table("client_id", "name", "created")
    for client in clients.list_clients(_migrated_context()):
        table.add_row(client.id, client.name, client.created_at.isoformat(timespec="seconds"))
    console.print(table)


@clients_app.command("delete")
def clients_delete(client_id: str) -> None:
    """Delete an API client; its tokens stop working at once."""
    from tenantry.server.domain.errors import NotFound
    from tenantry.server.services import clients

    try:
        clients.delete_client(_migrated_context(), client_id)
    except NotFound as exc:
        errors.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"Deleted {client_id}.")


@apps_app.command("create")
def apps_create(
    name: str = typer.Option(..., help="Shown to users and administrators."),
    redirect_uri: list[str] = typer.Option(..., "--redirect-uri", help="Exact callback URL (repeat for several)."),
    post_logout_redirect_uri: list[str] = typer.Option(
        [], "--post-logout-redirect-uri", help="Where to go after logout."
    ),
    public: bool = typer.Option(False, "--public", help="A browser or native app: no secret, PKCE required."),
) -> None:
    """Register an application; prints its client_id (and secret, once, for confidential apps)."""
    from pydantic import ValidationError

    from tenantry.server.services import applications

    try:
        command = applications.CreateApplication(
            name=name,
            type="public" if public else "confidential",
            redirect_uris=redirect_uri,
            post_logout_redirect_uris=post_logout_redirect_uri,
        )
    except ValidationError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    created = applications.create(_migrated_context(), command)
    console.print(f"client_id:     {created.application.id}")
    if created.client_secret:
        console.print(f"client_secret: {created.client_secret}")
        console.print("Store the secret now: Tenantry keeps only its hash.", style="dim")


@apps_app.command("list")
def apps_list() -> None:
    """List applications."""
    from tenantry.server.services import applications

    table = _table("client_id", "name", "type", "redirect URIs")
    for view in applications.list_all(_migrated_context()):
        table.add_row(view.id, view.name, view.type, " ".join(view.redirect_uris))
    console.print(table)


@apps_app.command("delete")
def apps_delete(client_id: str) -> None:
    """Delete an application and revoke its tokens."""
    from tenantry.server.domain.errors import NotFound
    from tenantry.server.services import applications

    try:
        applications.delete_(_migrated_context(), client_id)
    except NotFound as exc:
        errors.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"Deleted {client_id}.")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Sign new tokens with a fresh key (the old one stays published until its tokens expire)."""
    from tenantry.server.services import signing_keys

    console.print(f"New signing key: {signing_keys.rotate(_migrated_context())}")


@app.command("export")
def export_environment(
    file: Path = typer.Argument(..., help="Where to write the export (JSON); '-' for stdout."),
) -> None:
    """Write the whole environment (settings, attributes, users with password hashes,
    organizations, memberships, invitations, applications, API clients, signing keys) to FILE."""
    from tenantry.server.services import backup

    ctx = _migrated_context()
    if str(file) == "-":
        counts = backup.export(ctx.engine, sys.stdout)
    else:
        with _private_file(file) as out:
            counts = backup.export(ctx.engine, out)
    errors.print(f"Exported {backup.summary(counts.items())}.")


@app.command("import")
def import_environment(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An export made by `tenantry export`."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite an environment that already has content."),
) -> None:
    """Load an export into this database, in one transaction (all of it or nothing)."""
    from tenantry.server.domain.errors import TenantryError
    from tenantry.server.services import backup

    ctx = _migrated_context()
    try:
        with file.open(encoding="utf-8") as source:
            counts = backup.import_(ctx.engine, source, replace=replace)
    except (TenantryError, UnicodeDecodeError) as exc:
        errors.print(f"[red]Import refused:[/red] {getattr(exc, 'message', exc)}")
        raise typer.Exit(1) from exc
    console.print(f"Imported {backup.summary(counts.items())}.")


@contextmanager
def _private_file(path: Path) -> Iterator[TextIO]:
    """The export holds password hashes and signing keys: readable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        yield out


def _table(*columns: str) -> Table:
    """A table whose cells wrap rather than get cut: ids must stay copyable."""
    table = Table()
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _version() -> str:
    import tenantry

    return tenantry.__version__


if __name__ == "__main__":
    sys.exit(app())
