"""``tenantry directories …``: an organization's SCIM directories from a shell, through the
SDK: create one, generate or rotate its bearer token, map groups to roles and attributes,
and see the users and groups its identity provider pushed, and its provisioning log."""

from __future__ import annotations

from itertools import islice

import typer

from tenantry.cli.api import JsonOption, api_command, client, console, show
from tenantry.sdk.directories import DirectorySecretCreated

DIRECTORY_COLUMNS = ["id", "name", "directory_provider", "enabled", "directory_endpoint", "total_users", "total_groups"]
USER_COLUMNS = ["id", "preferred_username", "email", "active", "user_id"]
GROUP_COLUMNS = ["id", "display_name", "total_users"]
LOG_COLUMNS = ["create_time", "operation", "resource_type", "subject", "outcome"]  # --json: all fields


def register(app: typer.Typer) -> None:
    app.add_typer(_directories(), name="directories")


def _secret(created: DirectorySecretCreated, as_json: bool) -> None:
    if as_json:
        console.print_json(created.model_dump_json())
        return
    console.print(f"Bearer token (shown only now; paste it into the identity provider): {created.plain_secret}")


def _directories() -> typer.Typer:
    directories = typer.Typer(help="SCIM directories of an organization (directory sync).", no_args_is_help=True)

    @directories.command("list")
    @api_command
    def list_(organization_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.directories.list(organization_id), DIRECTORY_COLUMNS, as_json)

    @directories.command("get")
    @api_command
    def get(organization_id: str, directory_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.directories.get(organization_id, directory_id), DIRECTORY_COLUMNS, as_json)

    @directories.command("create")
    @api_command
    def create(
        organization_id: str,
        provider: str = typer.Option("CUSTOM", help="OKTA, MICROSOFT_AD, GOOGLE, ONELOGIN, JUMPCLOUD, … or CUSTOM"),
        name: str | None = typer.Option(None, help="A name for administrators."),
        as_json: bool = JsonOption,
    ) -> None:
        """Create a directory and its bearer token (printed once) with its SCIM base URL."""
        with client() as sdk:
            found = sdk.directories.create(organization_id, provider=provider, name=name)
            created = sdk.directories.create_secret(organization_id, found.id)
        if as_json:
            console.print_json(created.model_dump_json())
            return
        show(found, DIRECTORY_COLUMNS, False)
        console.print(f"SCIM base URL: {found.directory_endpoint}")
        _secret(created, False)

    @directories.command("rotate-token")
    @api_command
    def rotate_token(organization_id: str, directory_id: str, as_json: bool = JsonOption) -> None:
        """A new bearer token (printed once); the old one stops working at once."""
        with client() as sdk:
            _secret(sdk.directories.regenerate_secret(organization_id, directory_id), as_json)

    @directories.command("enable")
    @api_command
    def enable(organization_id: str, directory_id: str) -> None:
        with client() as sdk:
            sdk.directories.enable(organization_id, directory_id)
        console.print(f"Enabled {directory_id}.")

    @directories.command("disable")
    @api_command
    def disable(organization_id: str, directory_id: str) -> None:
        """Refuse every SCIM call (403) until enabled again."""
        with client() as sdk:
            sdk.directories.disable(organization_id, directory_id)
        console.print(f"Disabled {directory_id}.")

    @directories.command("delete")
    @api_command
    def delete(organization_id: str, directory_id: str) -> None:
        """Delete the directory, its users and groups; the organization's members stay."""
        with client() as sdk:
            sdk.directories.delete(organization_id, directory_id)
        console.print(f"Deleted {directory_id}.")

    @directories.command("map-role")
    @api_command
    def map_role(
        organization_id: str,
        directory_id: str,
        assignment: list[str] = typer.Argument(..., help="GROUP_ID=ROLE_NAME (repeat); replaces the mapping"),
    ) -> None:
        """Give the members of directory groups these roles (others get the default member role)."""
        pairs = []
        for item in assignment:
            group, _, role = item.partition("=")
            if not group or not role:
                raise typer.BadParameter(f"{item!r}: write GROUP_ID=ROLE_NAME")
            pairs.append((group, role))
        with client() as sdk:
            saved = sdk.directories.assign_roles(organization_id, directory_id, pairs)
        for row in saved:
            console.print(f"{row.group_id} -> {row.role_name}")

    @directories.command("users")
    @api_command
    def users(organization_id: str, directory_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.directories.users(organization_id, directory_id), USER_COLUMNS, as_json)

    @directories.command("groups")
    @api_command
    def groups(organization_id: str, directory_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.directories.groups(organization_id, directory_id), GROUP_COLUMNS, as_json)

    @directories.command("log")
    @api_command
    def log(
        organization_id: str,
        directory_id: str,
        outcome: list[str] = typer.Option([], help="created, updated, … or a refusal's code (repeat)."),
        operation: list[str] = typer.Option([], help="CREATE, REPLACE, UPDATE or DELETE (repeat)."),
        resource_type: list[str] = typer.Option([], help="USER or GROUP (repeat)."),
        failed: bool | None = typer.Option(None, "--failed/--succeeded", help="Only refused, or only done, calls."),
        since: str | None = typer.Option(None, help="At or after this ISO 8601 time; without an offset, UTC."),
        until: str | None = typer.Option(None, help="Before this ISO 8601 time; without an offset, UTC."),
        limit: int = typer.Option(50, min=1, help="Show at most this many entries."),
        as_json: bool = JsonOption,
    ) -> None:
        """The provisioning log, newest first: the SCIM writes of the identity provider and
        how each ended (kept 30 days)."""
        with client() as sdk:
            rows = sdk.directories.operations(
                organization_id,
                directory_id,
                outcomes=outcome,
                operations=operation,
                resource_types=resource_type,
                succeeded=None if failed is None else not failed,
                since=since,
                until=until,
                page_size=min(limit, 100),
            )
            show(list(islice(rows, limit)), LOG_COLUMNS, as_json)

    return directories
