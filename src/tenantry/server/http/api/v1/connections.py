"""SSO connections (SPEC §11), on Scalekit's paths: ``/organizations/{id}/connections``,
``…/connections/{id}:enable`` and ``:disable``; and the environment's social connections
(SPEC §13) on Scalekit's environment-connection paths ``/connections``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tenantry.server.http.api.v1 import routers
from tenantry.server.http.deps import Ctx
from tenantry.server.services.federation import connections, social_connections
from tenantry.server.services.federation.commands import ConnectionInput, SocialConnectionInput
from tenantry.server.services.read_models.connections import Connection
from tenantry.server.services.read_models.social_connections import SocialConnection

router = routers.protected("connections")
PATH = "/organizations/{organization_id}/connections"


class ConnectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    connection: ConnectionInput


class ConnectionEnvelope(BaseModel):
    connection: Connection


class ConnectionList(BaseModel):
    connections: list[Connection]
    total_size: int
    next_page_token: str = ""


@router.post(PATH, status_code=201, response_model=ConnectionEnvelope)
def create_connection(ctx: Ctx, organization_id: str, body: ConnectionBody) -> ConnectionEnvelope:
    """`type` OIDC (with `oidc_config.issuer` for discovery, `client_id`, `client_secret`) or SAML
    (with `saml_config.idp_metadata_url` or `idp_metadata_xml`). Created disabled; the answer names
    the callback (`oidc_config.redirect_uri`) or the ACS and SP metadata URLs to give the IdP."""
    return ConnectionEnvelope(connection=connections.create(ctx, organization_id, body.connection))


@router.get(PATH, response_model=ConnectionList)
def list_connections(ctx: Ctx, organization_id: str) -> ConnectionList:
    found = connections.list_(ctx, organization_id)
    return ConnectionList(connections=found, total_size=len(found))


# Declared before `/connections/{connection_id}`, which would otherwise take `conn_…:enable` as an id.
@router.patch(PATH + "/{connection_id}:enable", response_model=ConnectionEnvelope)
def enable_connection(ctx: Ctx, organization_id: str, connection_id: str) -> ConnectionEnvelope:
    """`409 failed_precondition` while the IdP settings are incomplete (status DRAFT)."""
    return ConnectionEnvelope(connection=connections.set_enabled(ctx, organization_id, connection_id, True))


@router.patch(PATH + "/{connection_id}:disable", response_model=ConnectionEnvelope)
def disable_connection(ctx: Ctx, organization_id: str, connection_id: str) -> ConnectionEnvelope:
    return ConnectionEnvelope(connection=connections.set_enabled(ctx, organization_id, connection_id, False))


@router.get(PATH + "/{connection_id}", response_model=ConnectionEnvelope)
def get_connection(ctx: Ctx, organization_id: str, connection_id: str) -> ConnectionEnvelope:
    return ConnectionEnvelope(connection=connections.get(ctx, organization_id, connection_id))


@router.patch(PATH + "/{connection_id}", response_model=ConnectionEnvelope)
def update_connection(ctx: Ctx, organization_id: str, connection_id: str, body: ConnectionBody) -> ConnectionEnvelope:
    """Partial: only the fields sent change (a new `client_secret` replaces the stored one)."""
    return ConnectionEnvelope(connection=connections.update(ctx, organization_id, connection_id, body.connection))


@router.delete(PATH + "/{connection_id}")
def delete_connection(ctx: Ctx, organization_id: str, connection_id: str) -> dict[str, object]:
    connections.delete(ctx, organization_id, connection_id)
    return {}


# --- the environment's social connections (SPEC §13): Scalekit's environment connections ---

ENV_PATH = "/connections"


class SocialConnectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    connection: SocialConnectionInput


class SocialConnectionEnvelope(BaseModel):
    connection: SocialConnection


class SocialConnectionList(BaseModel):
    connections: list[SocialConnection]
    total_size: int
    next_page_token: str = ""


@router.post(ENV_PATH, status_code=201, response_model=SocialConnectionEnvelope)
def create_social_connection(ctx: Ctx, body: SocialConnectionBody) -> SocialConnectionEnvelope:
    """A sign-in provider of the whole environment: `provider` GOOGLE, MICROSOFT, GITHUB (presets:
    give `oauth_config.client_id` and `client_secret`) or CUSTOM with `type` OIDC (`oauth_config.issuer`
    for discovery) or OAUTH (`authorize_uri`, `token_uri`, `user_info_uri`). Created disabled; register
    `oauth_config.redirect_uri` at the provider, then enable it: the log-in page shows its button."""
    return SocialConnectionEnvelope(connection=social_connections.create(ctx, body.connection))


@router.get(ENV_PATH, response_model=SocialConnectionList)
def list_social_connections(ctx: Ctx) -> SocialConnectionList:
    found = social_connections.list_(ctx)
    return SocialConnectionList(connections=found, total_size=len(found))


@router.patch(ENV_PATH + "/{connection_id}:enable", response_model=SocialConnectionEnvelope)
def enable_social_connection(ctx: Ctx, connection_id: str) -> SocialConnectionEnvelope:
    """`409 failed_precondition` while the client or endpoints are incomplete (status DRAFT)."""
    return SocialConnectionEnvelope(connection=social_connections.set_enabled(ctx, connection_id, True))


@router.patch(ENV_PATH + "/{connection_id}:disable", response_model=SocialConnectionEnvelope)
def disable_social_connection(ctx: Ctx, connection_id: str) -> SocialConnectionEnvelope:
    return SocialConnectionEnvelope(connection=social_connections.set_enabled(ctx, connection_id, False))


@router.get(ENV_PATH + "/{connection_id}", response_model=SocialConnectionEnvelope)
def get_social_connection(ctx: Ctx, connection_id: str) -> SocialConnectionEnvelope:
    return SocialConnectionEnvelope(connection=social_connections.get(ctx, connection_id))


@router.patch(ENV_PATH + "/{connection_id}", response_model=SocialConnectionEnvelope)
def update_social_connection(ctx: Ctx, connection_id: str, body: SocialConnectionBody) -> SocialConnectionEnvelope:
    """Partial: only the fields sent change (a new `client_secret` replaces the stored one)."""
    return SocialConnectionEnvelope(connection=social_connections.update(ctx, connection_id, body.connection))


@router.delete(ENV_PATH + "/{connection_id}")
def delete_social_connection(ctx: Ctx, connection_id: str) -> dict[str, object]:
    """Its linked identities go with it."""
    social_connections.delete(ctx, connection_id)
    return {}
