"""The JSON shape of SSO connections (Scalekit's ``Connection``), for answers and events.
Client secrets never leave the server: ``client_secret_set`` says whether one is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from tenantry.server.db.models import SsoConnection


class OidcConfig(BaseModel):
    issuer: str | None = None
    discovery_endpoint: str | None = None
    client_id: str | None = None
    client_secret_set: bool = False
    scopes: list[str] = Field(default_factory=list)
    authorize_uri: str | None = None
    token_uri: str | None = None
    jwks_uri: str | None = None
    user_info_uri: str | None = None
    pkce_enabled: bool = True
    redirect_uri: str = Field(description="The callback to register at the identity provider.")


class SamlConfig(BaseModel):
    idp_metadata_url: str | None = None
    idp_entity_id: str | None = None
    idp_sso_url: str | None = None
    idp_certificates: list[str] = Field(default_factory=list)
    sp_entity_id: str
    sp_assertion_url: str = Field(description="The Assertion Consumer Service URL (HTTP-POST).")
    sp_metadata_url: str
    idp_initiated_enabled: bool = False
    want_assertions_signed: bool = True


class Connection(BaseModel):
    id: str
    organization_id: str
    type: str
    provider: str
    status: str = Field(description="DRAFT until the identity provider's settings are complete, then COMPLETED.")
    enabled: bool
    ui_button_title: str | None
    configuration_type: str
    test_connection_uri: str
    attribute_mapping: dict[str, str]
    default_roles: list[str]
    group_roles: dict[str, list[str]]
    oidc_config: OidcConfig | None
    saml_config: SamlConfig | None
    create_time: datetime
    update_time: datetime


def is_complete(row: SsoConnection) -> bool:
    config = row.config
    if row.type == "OIDC":
        return all(config.get(k) for k in ("issuer", "client_id", "authorize_uri", "token_uri", "jwks_uri"))
    return bool(config.get("idp_entity_id") and config.get("idp_sso_url") and config.get("idp_certificates"))


def connection(row: SsoConnection, public_url: str) -> Connection:
    config: dict[str, Any] = row.config
    base = f"{public_url}/sso"
    oidc = saml = None
    if row.type == "OIDC":
        oidc = OidcConfig(
            issuer=config.get("issuer"),
            discovery_endpoint=config.get("discovery_endpoint"),
            client_id=config.get("client_id"),
            authorize_uri=config.get("authorize_uri"),
            token_uri=config.get("token_uri"),
            jwks_uri=config.get("jwks_uri"),
            user_info_uri=config.get("user_info_uri"),
            scopes=list(config.get("scopes") or []),
            client_secret_set=row.client_secret_encrypted is not None,
            redirect_uri=f"{base}/oidc/{row.id}/callback",
        )
    else:
        saml = SamlConfig(
            idp_metadata_url=config.get("idp_metadata_url"),
            idp_entity_id=config.get("idp_entity_id"),
            idp_sso_url=config.get("idp_sso_url"),
            idp_certificates=list(config.get("idp_certificates") or []),
            sp_entity_id=f"{base}/saml/{row.id}/metadata",
            sp_assertion_url=f"{base}/saml/{row.id}/acs",
            sp_metadata_url=f"{base}/saml/{row.id}/metadata",
            idp_initiated_enabled=row.idp_initiated_enabled,
        )
    return Connection(
        id=row.id,
        organization_id=row.organization_id,
        type=row.type,
        provider=row.provider,
        status="COMPLETED" if is_complete(row) else "DRAFT",
        enabled=row.enabled,
        ui_button_title=row.ui_button_title,
        configuration_type="DISCOVERY" if config.get("discovered") else "MANUAL",
        test_connection_uri=f"{base}/start?connection_id={row.id}&test=1",
        attribute_mapping=dict(row.attribute_mapping),
        default_roles=list(row.default_roles),
        group_roles={k: list(v) for k, v in row.group_roles.items()},
        oidc_config=oidc,
        saml_config=saml,
        create_time=row.created_at,
        update_time=row.updated_at,
    )
