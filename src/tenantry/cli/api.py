"""``tenantry login`` and what every API command shares: the profile, the SDK client,
error reporting and output (a table, or JSON with ``--json``).

Credentials come from ``tenantry login`` (a profile in the user's config directory, file
mode 600) or from TENANTRY_URL / TENANTRY_CLIENT_ID / TENANTRY_CLIENT_SECRET. API errors
print their code and fields and exit 1. Nothing here imports the server.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from tenantry.sdk import Client
from tenantry.sdk.errors import TenantryError

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])
JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")
CREDENTIAL_VARIABLES = ("TENANTRY_URL", "TENANTRY_CLIENT_ID", "TENANTRY_CLIENT_SECRET")


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tenantry" / "profile.json"


def credentials() -> tuple[str, str, str] | None:
    """URL, client id and secret from the environment, else from the login profile."""
    url, client_id, secret = (os.environ.get(name) for name in CREDENTIAL_VARIABLES)
    if url and client_id and secret:
        return url, client_id, secret
    path = config_path()
    if not path.exists():
        return None
    profile = json.loads(path.read_text())
    return profile["url"], profile["client_id"], profile["client_secret"]


def client() -> Client:
    found = credentials()
    if found is None:
        errors.print(
            "Not logged in: run [bold]tenantry login[/bold] or set TENANTRY_URL, "
            "TENANTRY_CLIENT_ID and TENANTRY_CLIENT_SECRET."
        )
        raise typer.Exit(2)
    return Client(*found)


def fail(error: TenantryError) -> typer.Exit:
    """Print an API error (code, message, one line per field) and return the exit to raise."""
    errors.print(f"[red]{error.error_code}[/red]: {error.message}")
    for detail in error.details:
        errors.print(f"  {detail.field}: {detail.code} ({detail.message})")
    return typer.Exit(1)


def api_command(function: F) -> F:
    """Turn API errors into a readable message and exit status 1."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except TenantryError as error:
            raise fail(error) from error

    return run  # type: ignore[return-value]


def show(items: Iterable[BaseModel] | BaseModel, columns: list[str], as_json: bool) -> None:
    rows = [items] if isinstance(items, BaseModel) else list(items)
    if as_json:
        data = [row.model_dump(mode="json") for row in rows]
        sys.stdout.write(json.dumps(data[0] if isinstance(items, BaseModel) else data, indent=2) + "\n")
        return
    cells = [[_cell(row, column) for column in columns] for row in rows]
    table = Table()
    for index, column in enumerate(columns):
        if is_identifier(column):  # never folded: an id must stay one copyable word
            width = max([len(column), *(len(row[index]) for row in cells)])
            table.add_column(column, no_wrap=True, min_width=width)
        else:
            table.add_column(column, overflow="fold")
    for row_cells in cells:
        table.add_row(*row_cells)
    console.print(table)


def is_identifier(column: str) -> bool:
    """Columns holding ids, tokens or codes: shown whole, never wrapped."""
    name = column.rsplit(".", 1)[-1]
    return name in ("id", "code", "token") or name.endswith("_id")


def _cell(row: BaseModel, column: str) -> str:
    value: Any = row
    for part in column.split("."):
        value = getattr(value, part, None) if not isinstance(value, dict) else value.get(part)
    return "" if value is None else str(value)


def show_secret(label: str, identifier: str, secret: str | None, as_json: bool) -> None:
    """A new credential: printed once (Tenantry keeps only its hash)."""
    if as_json:
        sys.stdout.write(json.dumps({"client_id": identifier, "client_secret": secret}, indent=2) + "\n")
        return
    console.print(f"{label}:     {identifier}")
    if secret:
        console.print(f"client_secret: {secret}")
        console.print("Store the secret now: Tenantry keeps only its hash.", style="dim")


def json_value(text: str, option: str) -> Any:
    """A JSON option value, or exit 2 naming the option."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        errors.print(f"[red]{option}[/red]: not valid JSON ({error.msg})")
        raise typer.Exit(2) from error


def pairs(items: Iterable[str], option: str) -> dict[str, str]:
    """``key=value`` options as a mapping, or exit 2 naming the bad one."""
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            errors.print(f"[red]{option}[/red]: expected key=value, got {item!r}")
            raise typer.Exit(2)
        result[key] = value
    return result


def register(app: typer.Typer) -> None:
    from tenantry.cli import directory, environment, portal, roles, sso

    @app.command()
    def login(
        url: str = typer.Option(..., prompt=True, help="Tenantry's base URL, e.g. https://auth.example.com"),
        client_id: str = typer.Option(..., prompt=True),
        client_secret: str = typer.Option(..., prompt=True, hide_input=True),
    ) -> None:
        """Check API credentials and store them for the other commands (file mode 600)."""
        try:
            with Client(url, client_id, client_secret) as sdk:
                sdk.settings.get()
        except TenantryError as error:
            raise fail(error) from error
        path = config_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"url": url, "client_id": client_id, "client_secret": client_secret}, handle)
        console.print(f"Logged in to {url}; profile saved in {path}.")

    directory.register(app)
    roles.register(app)
    environment.register(app)
    sso.register(app)
    portal.register(app)
