"""API commands for organization domains (``tenantry domains``), SSO connections
(``tenantry connections``) and the environment's social connections (``tenantry social``)."""

from __future__ import annotations

import typer

from tenantry.cli.api import JsonOption, api_command, client, console, pairs, show
from tenantry.sdk.resources import UNSET
from tenantry.sdk.sso import DomainType

DOMAIN_COLUMNS = ["id", "domain", "domain_type", "verification_status", "verification_method"]


CONNECTION_COLUMNS = ["id", "type", "provider", "status", "enabled"]
SOCIAL_COLUMNS = ["id", "provider", "type", "status", "enabled", "ui_button_title"]


def register(app: typer.Typer) -> None:
    app.add_typer(_domains(), name="domains")
    app.add_typer(_connections(), name="connections")
    app.add_typer(_social(), name="social")


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


def _connections() -> typer.Typer:
    connections = typer.Typer(help="SSO connections (SAML 2.0 and OpenID Connect).", no_args_is_help=True)

    @connections.command("list")
    @api_command
    def list_(organization_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.connections.list(organization_id), CONNECTION_COLUMNS, as_json)

    @connections.command("get")
    @api_command
    def get(organization_id: str, connection_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.connections.get(organization_id, connection_id), CONNECTION_COLUMNS, as_json)

    @connections.command("add-oidc")
    @api_command
    def add_oidc(
        organization_id: str,
        issuer: str = typer.Option(..., help="The IdP's issuer (discovery at /.well-known/openid-configuration)."),
        client_id: str = typer.Option(...),
        client_secret: str = typer.Option(None, help="Omit for a public client.", hide_input=True),
        provider: str = typer.Option("CUSTOM", help="OKTA, MICROSOFT_AD, GOOGLE, … (labels the connection)."),
        as_json: bool = JsonOption,
    ) -> None:
        """Add an OpenID Connect connection (disabled): register its redirect_uri at the IdP, then enable it."""
        config = {"issuer": issuer, "client_id": client_id}
        if client_secret:
            config["client_secret"] = client_secret
        with client() as sdk:
            created = sdk.connections.create(organization_id, "OIDC", provider=provider, oidc_config=config)
        show(created, CONNECTION_COLUMNS, as_json)
        if not as_json and created.oidc_config:
            console.print(f"Register this redirect URI at the identity provider: {created.oidc_config['redirect_uri']}")

    @connections.command("add-saml")
    @api_command
    def add_saml(
        organization_id: str,
        metadata_url: str = typer.Option(None, help="The IdP's metadata URL."),
        metadata_file: typer.FileText = typer.Option(None, help="The IdP's metadata XML file."),
        provider: str = typer.Option("CUSTOM"),
        as_json: bool = JsonOption,
    ) -> None:
        """Add a SAML 2.0 connection (disabled) from the IdP's metadata; prints the SP's ACS and metadata URLs."""
        if bool(metadata_url) == bool(metadata_file):
            console.print("Give exactly one of --metadata-url and --metadata-file.")
            raise typer.Exit(2)
        config = {"idp_metadata_url": metadata_url} if metadata_url else {"idp_metadata_xml": metadata_file.read()}
        with client() as sdk:
            created = sdk.connections.create(organization_id, "SAML", provider=provider, saml_config=config)
        show(created, CONNECTION_COLUMNS, as_json)
        if not as_json and created.saml_config:
            console.print(f"ACS URL: {created.saml_config['sp_assertion_url']}")
            console.print(f"SP metadata: {created.saml_config['sp_metadata_url']}")

    @connections.command("enable")
    @api_command
    def enable(organization_id: str, connection_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.connections.enable(organization_id, connection_id), CONNECTION_COLUMNS, as_json)

    @connections.command("disable")
    @api_command
    def disable(organization_id: str, connection_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.connections.disable(organization_id, connection_id), CONNECTION_COLUMNS, as_json)

    @connections.command("map")
    @api_command
    def map_(
        organization_id: str,
        connection_id: str,
        attribute: list[str] = typer.Option([], "--attribute", help="target=IdP attribute (repeatable)."),
        group: list[str] = typer.Option([], "--group", help="IdP group=role (repeatable)."),
        as_json: bool = JsonOption,
    ) -> None:
        """Set the attribute mapping and the roles of IdP groups."""
        changes: dict[str, object] = {}
        if attribute:
            changes["attribute_mapping"] = pairs(attribute, "--attribute")
        if group:
            roles: dict[str, list[str]] = {}
            for item in group:  # a group may be given several roles
                for name, role in pairs([item], "--group").items():
                    roles.setdefault(name, []).append(role)
            changes["group_roles"] = roles
        with client() as sdk:
            show(sdk.connections.update(organization_id, connection_id, **changes), CONNECTION_COLUMNS, as_json)

    @connections.command("remove")
    @api_command
    def remove(organization_id: str, connection_id: str) -> None:
        with client() as sdk:
            sdk.connections.delete(organization_id, connection_id)
        console.print(f"Removed {connection_id}.")

    return connections


def _social() -> typer.Typer:
    social = typer.Typer(
        help="Social sign-in connections: Google, Microsoft, GitHub, any OpenID Connect / OAuth 2 provider.",
        no_args_is_help=True,
    )

    @social.command("list")
    @api_command
    def list_(as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.social_connections.list(), SOCIAL_COLUMNS, as_json)

    @social.command("add")
    @api_command
    def add(
        provider: str = typer.Argument(..., help="GOOGLE, MICROSOFT, GITHUB or CUSTOM."),
        client_id: str = typer.Option(...),
        client_secret: str = typer.Option(None, help="Omit for a public client (PKCE only)."),
        issuer: str = typer.Option(None, help="An OpenID provider's issuer (discovery); CUSTOM or to override."),
        kind: str = typer.Option(None, "--type", help="OIDC or OAUTH (a CUSTOM provider)."),
        title: str = typer.Option(None, help="The log-in page's button (default: Sign in with <provider>)."),
        endpoint: list[str] = typer.Option(
            [], help="authorize_uri=…, token_uri=…, jwks_uri=…, user_info_uri=…, emails_uri=… (repeat)."
        ),
        as_json: bool = JsonOption,
    ) -> None:
        """Add a connection (disabled): register its redirect URI at the provider, then enable it."""
        config: dict[str, object] = {"client_id": client_id, **pairs(endpoint, "--endpoint")}
        if client_secret:
            config["client_secret"] = client_secret
        if issuer:
            config["issuer"] = issuer
        with client() as sdk:
            created = sdk.social_connections.create(
                provider.upper(),  # type: ignore[arg-type]
                type=kind.upper() if kind else None,  # type: ignore[arg-type]
                ui_button_title=title,
                oauth_config=config,
            )
        show(created, SOCIAL_COLUMNS, as_json)
        if not as_json:
            console.print(f"Register this redirect URI at the provider: {created.oauth_config['redirect_uri']}")

    @social.command("enable")
    @api_command
    def enable(connection_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.social_connections.enable(connection_id), SOCIAL_COLUMNS, as_json)

    @social.command("disable")
    @api_command
    def disable(connection_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.social_connections.disable(connection_id), SOCIAL_COLUMNS, as_json)

    @social.command("remove")
    @api_command
    def remove(connection_id: str) -> None:
        """Remove a connection; the identities linked through it go too."""
        with client() as sdk:
            sdk.social_connections.delete(connection_id)
        console.print(f"Removed {connection_id}.")

    return social
