"""API commands for who is where: orgs, users, members, invites, signup, emails."""

from __future__ import annotations

import re
from typing import Any

import typer
from pydantic import BaseModel

from tenantry.cli.api import JsonOption, api_command, client, console, json_value, pairs, show
from tenantry.sdk.resources import UNSET

ORG_COLUMNS = ["id", "display_name", "external_id", "create_time"]
USER_COLUMNS = ["id", "email", "email_verified", "user_profile.name", "external_id"]
ExternalOption = typer.Option(False, "--external", help="The argument is an external_id.")
AttributeOption = typer.Option([], "--attribute", help="Custom attribute key=value (repeatable).")


def register(app: typer.Typer) -> None:
    from tenantry.cli import bulk, mfa

    app.add_typer(_orgs(), name="orgs")
    users = _users()
    bulk.register(users)
    mfa.register(users)
    app.add_typer(users, name="users")
    app.add_typer(_members(), name="members")
    app.add_typer(_invites(), name="invites")
    app.add_typer(_emails(), name="emails")

    @app.command("signup")
    @api_command
    def signup(
        email: str,
        password: str = typer.Option(..., prompt=True, hide_input=True),
        organization: str = typer.Option(None, "--org", help="Also create an organization with this name."),
        given_name: str = typer.Option(None),
        family_name: str = typer.Option(None),
        attribute: list[str] = AttributeOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Headless sign-up: a new user (and an organization they own)."""
        profile = _profile(given_name=given_name, family_name=family_name, attribute=attribute)
        with client() as sdk:
            done = sdk.signup(email, password, user_profile=profile, organization_name=organization)
        show(done.user, USER_COLUMNS, as_json)


def _profile(*, attribute: list[str] = (), **fields: Any) -> dict[str, Any]:  # type: ignore[assignment]
    """A user_profile from options: only the ones given; ``--attribute key=`` clears one."""
    profile = {name: value for name, value in fields.items() if value is not None}
    if attribute:
        profile["custom_attributes"] = {k: (v if v != "" else None) for k, v in pairs(attribute, "--attribute").items()}
    return profile


def _orgs() -> typer.Typer:
    orgs = typer.Typer(help="Organizations.", no_args_is_help=True)

    @orgs.command("list")
    @api_command
    def list_(as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.organizations.list(), ORG_COLUMNS, as_json)

    @orgs.command("get")
    @api_command
    def get(organization_id: str, external: bool = ExternalOption, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            found = (
                sdk.organizations.get_by_external_id(organization_id)
                if external
                else sdk.organizations.get(organization_id)
            )
            show(found, ORG_COLUMNS, as_json)

    @orgs.command("create")
    @api_command
    def create(
        display_name: str,
        external_id: str = typer.Option(None),
        metadata: str = typer.Option(None, help="A JSON object."),
        created_by: str = typer.Option(None, "--created-by", help="Create on behalf of this user (becomes admin)."),
        as_json: bool = JsonOption,
    ) -> None:
        meta = json_value(metadata, "--metadata") if metadata else None
        with client() as sdk:
            created = sdk.organizations.create(
                display_name, external_id=external_id, metadata=meta, created_by_user_id=created_by
            )
            show(created, ORG_COLUMNS, as_json)

    @orgs.command("update")
    @api_command
    def update(
        organization_id: str,
        display_name: str = typer.Option(None),
        external_id: str = typer.Option(None, help="'' clears it."),
        metadata: str = typer.Option(None, help="A JSON object (replaces the stored one)."),
        as_json: bool = JsonOption,
    ) -> None:
        """Change the fields given; the others stay."""
        with client() as sdk:
            updated = sdk.organizations.update(
                organization_id,
                display_name=UNSET if display_name is None else display_name,
                external_id=UNSET if external_id is None else (external_id or None),
                metadata=UNSET if metadata is None else json_value(metadata, "--metadata"),
            )
            show(updated, ORG_COLUMNS, as_json)

    @orgs.command("delete")
    @api_command
    def delete(organization_id: str) -> None:
        with client() as sdk:
            sdk.organizations.delete(organization_id)
        console.print(f"Deleted {organization_id}.")

    @orgs.command("limit")
    @api_command
    def limit(organization_id: str, max_users: int = typer.Argument(None, help="0: no limit")) -> None:
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
        filters = pairs(attribute, "--attribute")
        with client() as sdk:
            found = (
                sdk.users.list_in_organization(organization, custom_attributes=filters)
                if organization
                else sdk.users.list(custom_attributes=filters)
            )
            show(found, USER_COLUMNS, as_json)

    @users.command("get")
    @api_command
    def get(user_id: str, external: bool = ExternalOption, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.users.get_by_external_id(user_id) if external else sdk.users.get(user_id), USER_COLUMNS, as_json)

    @users.command("invite")
    @api_command
    def invite(
        organization_id: str,
        email: str,
        role: list[str] = typer.Option([], "--role", help="Repeatable; none = the default member role."),
        no_email: bool = typer.Option(False, "--no-email", help="Add as ACTIVE without an invitation e-mail."),
        inviter_email: str = typer.Option(None),
        external_id: str = typer.Option(None),
        given_name: str = typer.Option(None),
        family_name: str = typer.Option(None),
        attribute: list[str] = AttributeOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Create the user (or take the existing one) in the organization."""
        profile = _profile(given_name=given_name, family_name=family_name, attribute=attribute)
        with client() as sdk:
            created = sdk.users.create_in_organization(
                organization_id,
                email,
                roles=role,
                send_invitation_email=not no_email,
                inviter_email=inviter_email,
                external_id=external_id,
                user_profile=profile,
            )
            show(created, USER_COLUMNS, as_json)

    @users.command("update")
    @api_command
    def update(
        user_id: str,
        external_id: str = typer.Option(None, help="'' clears it."),
        metadata: str = typer.Option(None, help="A JSON object (replaces the stored one)."),
        given_name: str = typer.Option(None),
        family_name: str = typer.Option(None),
        name: str = typer.Option(None),
        phone_number: str = typer.Option(None),
        locale: str = typer.Option(None),
        picture: str = typer.Option(None),
        attribute: list[str] = typer.Option([], "--attribute", help="key=value; key= clears it (repeatable)."),
        as_json: bool = JsonOption,
    ) -> None:
        """Change the fields given; the others stay (custom attributes merge)."""
        profile = _profile(
            given_name=given_name,
            family_name=family_name,
            name=name,
            phone_number=phone_number,
            locale=locale,
            picture=picture,
            attribute=attribute,
        )
        with client() as sdk:
            updated = sdk.users.update(
                user_id,
                external_id=UNSET if external_id is None else (external_id or None),
                metadata=UNSET if metadata is None else json_value(metadata, "--metadata"),
                user_profile=profile or UNSET,
            )
            show(updated, USER_COLUMNS, as_json)

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
        role: list[str] = typer.Option([], "--role", help="Repeatable; none = the default member role."),
        no_email: bool = typer.Option(False, "--no-email", help="Add as ACTIVE without an invitation e-mail."),
        inviter_email: str = typer.Option(None),
    ) -> None:
        with client() as sdk:
            sdk.memberships.create(
                organization_id, user_id, roles=role, send_invitation_email=not no_email, inviter_email=inviter_email
            )
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
        """A new link (the old one stops working); the expiry restarts."""
        with client() as sdk:
            show(sdk.invitations.resend(organization_id, user_id), ["status", "expires_at", "resent_count"], as_json)

    # A token is URL-safe base64 and may begin with "-": taken as the token, not as an unknown option.
    @invites.command("accept", context_settings={"ignore_unknown_options": True})
    @api_command
    def accept(
        token: str,
        password: str = typer.Option(None, help="Sets the password of a new account."),
        as_json: bool = JsonOption,
    ) -> None:
        """Accept an invitation with the token from its link."""
        with client() as sdk:
            show(sdk.invitations.accept(token, password=password).user, USER_COLUMNS, as_json)

    return invites


_CODE = re.compile(r"\b(\d{6})\b")
_LINK = re.compile(r"https?://\S+")


class OutboxRow(BaseModel):
    create_time: str
    to: str
    kind: str
    code: str
    status: str


def outbox_action(text: str) -> tuple[str | None, str | None]:
    """The code or the link an e-mail's reader acts on (the first link: the action's)."""
    link = _LINK.search(text)
    code = _CODE.search(text)
    return (code.group(1) if code and not link else None), (link.group(0) if link else None)


def _emails() -> typer.Typer:
    emails = typer.Typer(help="The local outbox.", no_args_is_help=True)

    @emails.command("list")
    @api_command
    def list_(to: str = typer.Option(None, help="Only e-mails to this address."), as_json: bool = JsonOption) -> None:
        """E-mails, oldest first. From the local outbox (no SMTP), each shows what its reader
        would act on: the sign-in or verification code, or the link (listed in full below the
        table, so it copies in one piece)."""
        with client() as sdk:
            found = list(sdk.emails.list(to=to))
        if as_json:
            show(found, [], True)
            return
        rows, links = [], []
        for email in found:
            code, link = outbox_action(email.text or "")
            if link:
                links.append(link)
            rows.append(
                OutboxRow(
                    create_time=email.create_time.strftime("%Y-%m-%d %H:%M"),
                    to=email.to,
                    kind=email.kind,
                    code=code or (f"[{len(links)}] link" if link else ""),
                    status=email.status,
                )
            )
        show(rows, ["create_time", "to", "kind", "code", "status"], False)
        for number, link in enumerate(links, 1):
            console.print(f"[{number}] {link}", highlight=False, markup=False)

    return emails
