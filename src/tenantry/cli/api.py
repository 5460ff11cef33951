"""``tenantry login`` and the resource commands (orgs, users, members, invites, settings,
attributes, emails): the management API from a shell, through the SDK.

Credentials come from ``tenantry login`` (a profile in the user's config directory, file
mode 600) or from TENANTRY_URL / TENANTRY_CLIENT_ID / TENANTRY_CLIENT_SECRET. Output is a
table, or JSON with ``--json`` for scripts. API errors print their code and fields and
exit 1.
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


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tenantry" / "profile.json"


def client() -> Client:
    url, client_id, secret = (os.environ.get(f"TENANTRY_{name}") for name in ("URL", "CLIENT_ID", "CLIENT_SECRET"))
    if not (url and client_id and secret):
        path = config_path()
        if not path.exists():
            errors.print(
                "Not logged in: run [bold]tenantry login[/bold] or set TENANTRY_URL, "
                "TENANTRY_CLIENT_ID and TENANTRY_CLIENT_SECRET."
            )
            raise typer.Exit(2)
        profile = json.loads(path.read_text())
        url, client_id, secret = profile["url"], profile["client_id"], profile["client_secret"]
    return Client(url, client_id, secret)


def api_command(function: F) -> F:
    """Turn API errors into a readable message and exit status 1."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except TenantryError as error:
            errors.print(f"[red]{error.error_code}[/red]: {error.message}")
            for detail in error.details:
                errors.print(f"  {detail.field}: {detail.code} ({detail.message})")
            raise typer.Exit(1) from error

    return run  # type: ignore[return-value]


def show(items: Iterable[BaseModel] | BaseModel, columns: list[str], as_json: bool) -> None:
    rows = [items] if isinstance(items, BaseModel) else list(items)
    if as_json:
        data = [row.model_dump(mode="json") for row in rows]
        sys.stdout.write(json.dumps(data[0] if isinstance(items, BaseModel) else data, indent=2) + "\n")
        return
    table = Table()
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row, column) for column in columns))
    console.print(table)


def _cell(row: BaseModel, column: str) -> str:
    value: Any = row
    for part in column.split("."):
        value = getattr(value, part, None) if not isinstance(value, dict) else value.get(part)
    return "" if value is None else str(value)


def register(app: typer.Typer) -> None:
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
            errors.print(f"[red]{error.error_code}[/red]: {error.message}")
            raise typer.Exit(1) from error
        path = config_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"url": url, "client_id": client_id, "client_secret": client_secret}, handle)
        console.print(f"Logged in to {url}; profile saved in {path}.")

    app.add_typer(_orgs(), name="orgs")
    app.add_typer(_users(), name="users")
    app.add_typer(_members(), name="members")
    app.add_typer(_invites(), name="invites")
    app.add_typer(_settings(), name="settings")
    app.add_typer(_attributes(), name="attributes")
    app.add_typer(_emails(), name="emails")


ORG_COLUMNS = ["id", "display_name", "external_id", "create_time"]
USER_COLUMNS = ["id", "email", "email_verified", "user_profile.name", "external_id"]


def _orgs() -> typer.Typer:
    orgs = typer.Typer(help="Organizations.", no_args_is_help=True)

    @orgs.command("list")
    @api_command
    def list_(as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.organizations.list(), ORG_COLUMNS, as_json)

    @orgs.command("get")
    @api_command
    def get(organization_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.organizations.get(organization_id), ORG_COLUMNS, as_json)

    @orgs.command("create")
    @api_command
    def create(display_name: str, external_id: str = typer.Option(None), as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.organizations.create(display_name, external_id=external_id), ORG_COLUMNS, as_json)

    @orgs.command("delete")
    @api_command
    def delete(organization_id: str) -> None:
        with client() as sdk:
            sdk.organizations.delete(organization_id)
        console.print(f"Deleted {organization_id}.")

    @orgs.command("limit")
    @api_command
    def limit(organization_id: str, max_users: int = typer.Argument(None, help="0 or empty: no limit")) -> None:
        """Show, or set, the organization's maximum number of users."""
        with client() as sdk:
            result = (
                sdk.organizations.set_max_allowed_users(organization_id, max_users)
                if max_users is not None
                else sdk.organizations.get_user_management(organization_id)
            )
        console.print(f"max_allowed_users: {result.max_allowed_users or 'no limit'}  seats_used: {result.seats_used}")

    return orgs


def _users() -> typer.Typer:
    users = typer.Typer(help="Users.", no_args_is_help=True)

    @users.command("list")
    @api_command
    def list_(
        organization: str = typer.Option(None, "--org", help="Only members of this organization."),
        attribute: list[str] = typer.Option([], "--attribute", help="key=value filter (repeatable)."),
        as_json: bool = JsonOption,
    ) -> None:
        filters = dict(item.split("=", 1) for item in attribute)
        with client() as sdk:
            found = (
                sdk.users.list_in_organization(organization, custom_attributes=filters)
                if organization
                else sdk.users.list(custom_attributes=filters)
            )
            show(found, USER_COLUMNS, as_json)

    @users.command("get")
    @api_command
    def get(user_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.users.get(user_id), USER_COLUMNS, as_json)

    @users.command("invite")
    @api_command
    def invite(
        organization_id: str,
        email: str,
        role: list[str] = typer.Option(["member"], "--role"),
        no_email: bool = typer.Option(False, "--no-email", help="Add as ACTIVE without an invitation e-mail."),
        as_json: bool = JsonOption,
    ) -> None:
        """Create the user (or take the existing one) in the organization."""
        with client() as sdk:
            show(
                sdk.users.create_in_organization(
                    organization_id, email, roles=role, send_invitation_email=not no_email
                ),
                USER_COLUMNS,
                as_json,
            )

    @users.command("delete")
    @api_command
    def delete(user_id: str) -> None:
        with client() as sdk:
            sdk.users.delete(user_id)
        console.print(f"Deleted {user_id}.")

    return users


def _members() -> typer.Typer:
    members = typer.Typer(help="Memberships.", no_args_is_help=True)

    @members.command("add")
    @api_command
    def add(
        organization_id: str,
        user_id: str,
        role: list[str] = typer.Option(["member"], "--role"),
        no_email: bool = typer.Option(False, "--no-email"),
    ) -> None:
        with client() as sdk:
            sdk.memberships.create(organization_id, user_id, roles=role, send_invitation_email=not no_email)
        console.print(f"Added {user_id} to {organization_id}.")

    @members.command("roles")
    @api_command
    def roles(organization_id: str, user_id: str, role: list[str] = typer.Option(..., "--role")) -> None:
        with client() as sdk:
            sdk.memberships.update(organization_id, user_id, roles=role)
        console.print(f"{user_id} in {organization_id}: {', '.join(role)}.")

    @members.command("remove")
    @api_command
    def remove(organization_id: str, user_id: str) -> None:
        """Remove a member, or revoke a pending invitation."""
        with client() as sdk:
            sdk.memberships.delete(organization_id, user_id)
        console.print(f"Removed {user_id} from {organization_id}.")

    return members


def _invites() -> typer.Typer:
    invites = typer.Typer(help="Invitations.", no_args_is_help=True)

    @invites.command("resend")
    @api_command
    def resend(organization_id: str, user_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.invitations.resend(organization_id, user_id), ["status", "expires_at", "resent_count"], as_json)

    return invites


def _settings() -> typer.Typer:
    settings = typer.Typer(help="Environment settings.", no_args_is_help=True)

    @settings.command("get")
    @api_command
    def get() -> None:
        with client() as sdk:
            sys.stdout.write(sdk.settings.get().model_dump_json(indent=2) + "\n")

    @settings.command("set")
    @api_command
    def set_(changes: list[str] = typer.Argument(..., help="name=JSON value, e.g. signup_enabled=false")) -> None:
        """Change settings: ``tenantry settings set max_organizations_per_user=3 signup_enabled=false``."""
        patch: dict[str, Any] = {}
        for change in changes:
            name, _, value = change.partition("=")
            try:
                patch[name] = json.loads(value)
            except json.JSONDecodeError:
                patch[name] = value
        with client() as sdk:
            sys.stdout.write(sdk.settings.update(**patch).model_dump_json(indent=2) + "\n")

    return settings


def _attributes() -> typer.Typer:
    attributes = typer.Typer(help="Custom user attribute definitions.", no_args_is_help=True)
    columns = ["key", "display_name", "type", "required", "collect_on_signup", "user_editable"]

    @attributes.command("list")
    @api_command
    def list_(as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.attributes.list(), columns, as_json)

    @attributes.command("create")
    @api_command
    def create(
        key: str,
        display_name: str,
        type_: str = typer.Option("string", "--type"),
        required: bool = typer.Option(False, "--required"),
        signup: bool = typer.Option(False, "--collect-on-signup"),
        option: list[str] = typer.Option([], "--option", help="Enum option (repeatable)."),
    ) -> None:
        fields: dict[str, Any] = {"required": required, "collect_on_signup": signup}
        if option:
            fields["options"] = option
        with client() as sdk:
            show(sdk.attributes.create(key, display_name, type_, **fields), columns, False)

    @attributes.command("delete")
    @api_command
    def delete(key: str) -> None:
        with client() as sdk:
            removed = sdk.attributes.delete(key)
        console.print(f"Deleted {key}; removed its value from {removed} profiles.")

    return attributes


def _emails() -> typer.Typer:
    emails = typer.Typer(help="The local outbox.", no_args_is_help=True)

    @emails.command("list")
    @api_command
    def list_(to: str = typer.Option(None), as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.emails.list(to=to), ["create_time", "to", "kind", "subject", "status"], as_json)

    return emails
