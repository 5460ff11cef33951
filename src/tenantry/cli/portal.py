"""API commands for admin portal links (``tenantry portal-links``)."""

from __future__ import annotations

import typer

from tenantry.cli.api import JsonOption, api_command, client, console, show

COLUMNS = ["id", "state", "features", "embeddable", "expire_time"]


def register(app: typer.Typer) -> None:
    links = typer.Typer(help="Admin portal links for organizations' IT administrators.", no_args_is_help=True)

    @links.command("create")
    @api_command
    def create(
        organization_id: str,
        feature: list[str] = typer.Option(
            None, "--feature", help="sso, directory_sync or domains (repeat it); all when left out."
        ),
        days: int = typer.Option(None, "--days", help="Valid 1 to 30 days (7 when left out)."),
        embeddable: bool = typer.Option(False, "--embeddable", help="A 5-minute, single-use link for a frame."),
        as_json: bool = JsonOption,
    ) -> None:
        """Make a link and print it (it is shown only this once)."""
        with client() as sdk:
            link = sdk.portal_links.create(
                organization_id, features=feature or None, expires_in_days=days, embeddable=embeddable
            )
        show(link, COLUMNS, as_json)
        if not as_json:
            console.print(f"Hand this link to the IT administrator: {link.location}")

    @links.command("list")
    @api_command
    def list_(organization_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.portal_links.list(organization_id), COLUMNS, as_json)

    @links.command("revoke")
    @api_command
    def revoke(
        organization_id: str,
        link_id: str = typer.Argument(None, help="The link; every link of the organization when left out."),
    ) -> None:
        """Revoke a link (or all): portal sessions opened with it end at once."""
        with client() as sdk:
            if link_id:
                sdk.portal_links.revoke(organization_id, link_id)
            else:
                sdk.portal_links.revoke_all(organization_id)
        console.print(f"Revoked {link_id or 'every portal link of ' + organization_id}.")

    app.add_typer(links, name="portal-links")
