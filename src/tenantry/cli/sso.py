"""API commands for organization domains (``tenantry domains``) and SSO connections
(``tenantry connections``)."""

from __future__ import annotations

import typer

from tenantry.cli.api import JsonOption, api_command, client, console, show
from tenantry.sdk.resources import UNSET
from tenantry.sdk.sso import DomainType

DOMAIN_COLUMNS = ["id", "domain", "domain_type", "verification_status", "verification_method"]


def register(app: typer.Typer) -> None:
    app.add_typer(_domains(), name="domains")


def _domains() -> typer.Typer:
    domains = typer.Typer(help="Organization domains: verification and domain join.", no_args_is_help=True)

    @domains.command("list")
    @api_command
    def list_(organization_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.domains.list(organization_id), DOMAIN_COLUMNS, as_json)

    @domains.command("add")
    @api_command
    def add(
        organization_id: str,
        domain: str,
        allowed_email: bool = typer.Option(False, "--allowed-email", help="domain_type ALLOWED_EMAIL_DOMAIN."),
        as_json: bool = JsonOption,
    ) -> None:
        """Add a pending domain and print the TXT record that proves it."""
        kind: DomainType = "ALLOWED_EMAIL_DOMAIN" if allowed_email else "ORGANIZATION_DOMAIN"
        with client() as sdk:
            created = sdk.domains.create(organization_id, domain, domain_type=kind)
        show(created, DOMAIN_COLUMNS, as_json)
        if not as_json:
            console.print(f"Publish a TXT record {created.txt_record_key} with the value {created.txt_record_secret}")
            console.print(f"then run: tenantry domains verify {organization_id} {created.id}")

    @domains.command("verify")
    @api_command
    def verify(
        organization_id: str,
        domain_id: str,
        admin: bool = typer.Option(False, "--admin", help="Verified another way: take the application's word."),
        as_json: bool = JsonOption,
    ) -> None:
        """Check the domain's TXT record now (or, with --admin, mark it verified)."""
        with client() as sdk:
            show(
                sdk.domains.verify(organization_id, domain_id, method="ADMIN" if admin else "DNS"),
                DOMAIN_COLUMNS,
                as_json,
            )

    @domains.command("remove")
    @api_command
    def remove(organization_id: str, domain_id: str) -> None:
        with client() as sdk:
            sdk.domains.delete(organization_id, domain_id)
        console.print(f"Removed {domain_id}.")

    @domains.command("settings")
    @api_command
    def settings(
        organization_id: str,
        join: str = typer.Option(None, "--join", help="Domain join: off, suggest or auto."),
        sso_required: bool = typer.Option(
            None, "--sso-required/--sso-optional", help="Domain users sign in by SSO only."
        ),
        as_json: bool = JsonOption,
    ) -> None:
        """Show (or change) domain join and SSO enforcement."""
        with client() as sdk:
            if join is None and sso_required is None:
                found = sdk.domains.get_settings(organization_id)
            else:
                found = sdk.domains.update_settings(
                    organization_id,
                    domain_join=join if join is not None else UNSET,
                    sso_required=sso_required if sso_required is not None else UNSET,
                )
        show(found, ["domain_join", "sso_required"], as_json)

    return domains
