"""SSO connections (SPEC §11), on Scalekit's paths: ``/organizations/{id}/connections``,
``…/connections/{id}:enable`` and ``:disable``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from tenantry.server.http.deps import Ctx
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.federation import connections
from tenantry.server.services.federation.commands import ConnectionInput
from tenantry.server.services.read_models.connections import Connection

router = APIRouter(route_class=RetryingRoute, tags=["connections"])
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
