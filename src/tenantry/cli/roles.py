"""API commands for roles and permissions (``tenantry roles …``, ``tenantry permissions …``)."""

from __future__ import annotations

import typer

from tenantry.cli.api import JsonOption, api_command, client, console, show
from tenantry.sdk.resources import UNSET

ROLE_COLUMNS = ["name", "display_name", "extends", "default_creator", "default_member", "is_org_role", "id"]
PERMISSION_COLUMNS = ["name", "description", "is_scalekit_permission", "id"]
GRANT_COLUMNS = ["name", "role_name", "description"]
OrgOption = typer.Option(None, "--org", help="An organization's own roles (and the environment's).")


def register(app: typer.Typer) -> None:
    app.add_typer(_roles(), name="roles")
    app.add_typer(_permissions(), name="permissions")


def _roles() -> typer.Typer:
    roles = typer.Typer(help="Roles: environment-wide, or one organization's with --org.", no_args_is_help=True)

    @roles.command("list")
    @api_command
    def list_(org: str = OrgOption, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.roles.list(organization_id=org), ROLE_COLUMNS, as_json)

    @roles.command("get")
    @api_command
    def get(name: str, org: str = OrgOption, as_json: bool = JsonOption) -> None:
        """A role with every permission it grants (inherited ones name their role)."""
        with client() as sdk:
            role = sdk.roles.get(name, organization_id=org, include="permissions:all")
        if as_json:
            show(role, ROLE_COLUMNS, True)
            return
        show(role, ROLE_COLUMNS, False)
        show(role.permissions or [], GRANT_COLUMNS, False)

    @roles.command("create")
    @api_command
    def create(
        name: str,
        display_name: str = typer.Option(..., "--display-name"),
        description: str = typer.Option("", "--description"),
        extends: str = typer.Option(None, "--extends", help="The role whose permissions it inherits."),
        permission: list[str] = typer.Option([], "--permission", help="Repeatable."),
        org: str = OrgOption,
        as_json: bool = JsonOption,
    ) -> None:
        with client() as sdk:
            role = sdk.roles.create(
                name,
                display_name,
                description=description,
                extends=extends,
                permissions=permission,
                organization_id=org,
            )
        show(role, ROLE_COLUMNS, as_json)

    @roles.command("update")
    @api_command
    def update(
        name: str,
        rename: str = typer.Option(None, "--rename", help="A new name (members keep the role)."),
        display_name: str = typer.Option(None, "--display-name"),
        description: str = typer.Option(None, "--description"),
        extends: str = typer.Option(None, "--extends", help="A base role; '' removes it."),
        permission: list[str] = typer.Option(None, "--permission", help="Replaces the direct permissions."),
        org: str = OrgOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Change what is given; the rest stays."""
        with client() as sdk:
            role = sdk.roles.update(
                name,
                new_name=rename if rename is not None else UNSET,
                display_name=display_name if display_name is not None else UNSET,
                description=description if description is not None else UNSET,
                extends=UNSET if extends is None else (extends or None),
                permissions=permission if permission else UNSET,
                organization_id=org,
            )
        show(role, ROLE_COLUMNS, as_json)

    @roles.command("delete")
    @api_command
    def delete(
        name: str,
        reassign_to: str = typer.Option(None, "--reassign-to", help="Move the role's holders to this role."),
        org: str = OrgOption,
    ) -> None:
        with client() as sdk:
            sdk.roles.delete(name, reassign_to=reassign_to, organization_id=org)
        console.print(f"Deleted role {name}.")

    @roles.command("grant")
    @api_command
    def grant(name: str, permission: list[str] = typer.Argument(..., help="Permission names.")) -> None:
        """Add permissions to a role."""
        with client() as sdk:
            granted = sdk.roles.add_permissions(name, permission)
        console.print(f"{name}: {', '.join(p.name for p in granted)}.")

    @roles.command("revoke")
    @api_command
    def revoke(name: str, permission: str) -> None:
        """Take one permission from a role."""
        with client() as sdk:
            sdk.roles.remove_permission(name, permission)
        console.print(f"{name} no longer grants {permission}.")

    @roles.command("defaults")
    @api_command
    def defaults(
        creator: str = typer.Option(None, "--creator", help="Given to whoever creates an organization."),
        member: str = typer.Option(None, "--member", help="For invitations and additions without roles."),
    ) -> None:
        """Name the default creator and/or member role."""
        if not creator and not member:
            raise typer.BadParameter("give --creator and/or --member")
        with client() as sdk:
            both = sdk.roles.set_defaults(creator=creator, member=member)
        console.print(f"Default creator role: {both['creator'].name}; default member role: {both['member'].name}.")

    return roles


def _permissions() -> typer.Typer:
    permissions = typer.Typer(help="Permissions roles grant (tenantry: ones are built in).", no_args_is_help=True)

    @permissions.command("list")
    @api_command
    def list_(as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(list(sdk.permissions.list()), PERMISSION_COLUMNS, as_json)

    @permissions.command("create")
    @api_command
    def create(name: str, description: str = typer.Option("", "--description"), as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.permissions.create(name, description=description), PERMISSION_COLUMNS, as_json)

    @permissions.command("update")
    @api_command
    def update(
        name: str,
        description: str = typer.Option(None, "--description"),
        rename: str = typer.Option(None, "--rename"),
        as_json: bool = JsonOption,
    ) -> None:
        with client() as sdk:
            done = sdk.permissions.update(
                name,
                new_name=rename if rename is not None else UNSET,
                description=description if description is not None else UNSET,
            )
        show(done, PERMISSION_COLUMNS, as_json)

    @permissions.command("delete")
    @api_command
    def delete(name: str) -> None:
        """Delete a permission: every role loses it."""
        with client() as sdk:
            sdk.permissions.delete(name)
        console.print(f"Deleted permission {name}.")

    return permissions
