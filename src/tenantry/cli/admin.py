"""``tenantry apps``, ``clients`` and ``keys``: through the API when logged in; straight on
the database with ``--database`` or when not logged in (the server's machine, where the
first API client is minted before anyone can log in)."""

from __future__ import annotations

import json
import sys

import typer

from tenantry.cli import local
from tenantry.cli.api import JsonOption, api_command, client, console, credentials, show, show_secret

DatabaseOption = typer.Option(
    False,
    "--database",
    help="Work on the database directly (TENANTRY_DATABASE_URL) on the server's machine, not through the API. "
    "The default when not logged in.",
)
APP_COLUMNS = ["id", "name", "type", "redirect_uris", "post_logout_redirect_uris"]
CLIENT_COLUMNS = ["id", "name", "create_time"]


def through_api(database: bool) -> bool:
    return not database and credentials() is not None


def register(app: typer.Typer) -> None:
    app.add_typer(_apps(), name="apps")
    app.add_typer(_clients(), name="clients")
    app.add_typer(_keys(), name="keys")


def _rows(headers: list[str], rows: list[tuple[object, ...]], as_json: bool) -> None:
    if as_json:
        data = [
            dict(zip(headers, (str(v) if not isinstance(v, list) else v for v in row), strict=True)) for row in rows
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    from rich.table import Table

    table = Table()
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(" ".join(v) if isinstance(v, list) else str(v) for v in row))
    console.print(table)


def _apps() -> typer.Typer:
    apps = typer.Typer(help="OpenID Connect applications (relying parties).", no_args_is_help=True)

    @apps.command("create")
    @api_command
    def create(
        name: str = typer.Option(..., help="Shown to users and administrators."),
        redirect_uri: list[str] = typer.Option(..., "--redirect-uri", help="Exact callback URL (repeat for several)."),
        post_logout_redirect_uri: list[str] = typer.Option(
            [], "--post-logout-redirect-uri", help="Where to go after logout."
        ),
        public: bool = typer.Option(False, "--public", help="A browser or native app: no secret, PKCE required."),
        database: bool = DatabaseOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Register an application; prints its client_id (and secret, once, for confidential apps)."""
        if through_api(database):
            with client() as sdk:
                created, secret = sdk.applications.create(
                    name, redirect_uri, public=public, post_logout_redirect_uris=post_logout_redirect_uri
                )
            show_secret("client_id", created.id, secret, as_json)
        else:
            show_secret(
                "client_id", *local.create_application(name, redirect_uri, post_logout_redirect_uri, public), as_json
            )

    @apps.command("list")
    @api_command
    def list_(database: bool = DatabaseOption, as_json: bool = JsonOption) -> None:
        """List applications."""
        if through_api(database):
            with client() as sdk:
                show(sdk.applications.list(), APP_COLUMNS, as_json)
        else:
            _rows(["id", "name", "type", "redirect_uris"], list(local.list_applications()), as_json)

    @apps.command("get")
    @api_command
    def get(client_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.applications.get(client_id), APP_COLUMNS, as_json)

    @apps.command("update")
    @api_command
    def update(
        client_id: str,
        name: str = typer.Option(None),
        redirect_uri: list[str] = typer.Option([], "--redirect-uri", help="All redirect URIs (replaces them)."),
        post_logout_redirect_uri: list[str] = typer.Option(
            [], "--post-logout-redirect-uri", help="All post-logout URIs (replaces them)."
        ),
        clear_post_logout: bool = typer.Option(False, "--no-post-logout-redirect-uris"),
        as_json: bool = JsonOption,
    ) -> None:
        """Change the fields given."""
        changes: dict[str, object] = {}
        if name is not None:
            changes["name"] = name
        if redirect_uri:
            changes["redirect_uris"] = redirect_uri
        if post_logout_redirect_uri or clear_post_logout:
            changes["post_logout_redirect_uris"] = post_logout_redirect_uri
        with client() as sdk:
            show(sdk.applications.update(client_id, **changes), APP_COLUMNS, as_json)

    @apps.command("rotate-secret")
    @api_command
    def rotate_secret(client_id: str, as_json: bool = JsonOption) -> None:
        """A new client secret, shown once; the old one stops working at once."""
        with client() as sdk:
            show_secret("client_id", client_id, sdk.applications.rotate_secret(client_id), as_json)

    @apps.command("delete")
    @api_command
    def delete(client_id: str, database: bool = DatabaseOption) -> None:
        """Delete an application and revoke its tokens."""
        if through_api(database):
            with client() as sdk:
                sdk.applications.delete(client_id)
        else:
            local.delete_application(client_id)
        console.print(f"Deleted {client_id}.")

    return apps


def _clients() -> typer.Typer:
    clients = typer.Typer(
        help="Management API clients (client-credentials secrets). Through the API when logged in; "
        "on the database with --database or when not logged in (to mint the first one).",
        no_args_is_help=True,
    )

    @clients.command("create")
    @api_command
    def create(
        name: str = typer.Option("API client", help="A label for the client."),
        database: bool = DatabaseOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Mint a client id and secret for the management API. The secret is shown only now."""
        if through_api(database):
            with client() as sdk:
                created, secret = sdk.clients.create(name)
            show_secret("client_id", created.id, secret, as_json)
        else:
            show_secret("client_id", *local.create_client(name), as_json)

    @clients.command("list")
    @api_command
    def list_(database: bool = DatabaseOption, as_json: bool = JsonOption) -> None:
        """List API clients (never their secrets)."""
        if through_api(database):
            with client() as sdk:
                show(sdk.clients.list(), CLIENT_COLUMNS, as_json)
        else:
            rows = [(i, n, c.isoformat(timespec="seconds")) for i, n, c in local.list_clients()]
            _rows(["client_id", "name", "created"], list(rows), as_json)

    @clients.command("rotate-secret")
    @api_command
    def rotate_secret(client_id: str, database: bool = DatabaseOption, as_json: bool = JsonOption) -> None:
        """A new secret, shown once; the old one and its tokens stop working at once."""
        if through_api(database):
            with client() as sdk:
                secret = sdk.clients.rotate_secret(client_id)
        else:
            secret = local.rotate_client_secret(client_id)
        show_secret("client_id", client_id, secret, as_json)

    @clients.command("delete")
    @api_command
    def delete(client_id: str, database: bool = DatabaseOption) -> None:
        """Delete an API client; its tokens stop working at once."""
        if through_api(database):
            with client() as sdk:
                sdk.clients.delete(client_id)
        else:
            local.delete_client(client_id)
        console.print(f"Deleted {client_id}.")

    return clients


def _keys() -> typer.Typer:
    keys = typer.Typer(help="Token signing keys.", no_args_is_help=True)

    @keys.command("rotate")
    @api_command
    def rotate(database: bool = DatabaseOption) -> None:
        """Sign new tokens with a fresh key (the old one stays published until its tokens expire)."""
        if through_api(database):
            with client() as sdk:
                kid = sdk.signing_keys.rotate()
        else:
            kid = local.rotate_signing_key()
        console.print(f"New signing key: {kid}")

    return keys
