"""/api/v1/clients: management API clients (client-credentials identities) through the API.

Secrets are shown once, in the answer that creates or rotates them; Tenantry keeps only
their digest. ``tenantry clients create`` on the server's machine mints the first one.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tenantry.server.domain.types import DisplayName
from tenantry.server.http.api.v1 import routers
from tenantry.server.http.api.v1.schemas import Paged
from tenantry.server.http.deps import Ctx
from tenantry.server.services.commands import Strict
from tenantry.server.services.integration import clients

router = routers.protected("api clients")


class ApiClient(BaseModel):
    id: str
    name: str
    create_time: datetime


class ApiClientEnvelope(BaseModel):
    client: ApiClient


class ApiClientWithSecret(ApiClientEnvelope):
    client_secret: str


class ApiClientList(Paged):
    clients: list[ApiClient]


class CreateApiClient(Strict):
    name: DisplayName = Field(default="API client")


def _with_secret(created: clients.NewClient) -> ApiClientWithSecret:
    return ApiClientWithSecret(
        client=ApiClient(id=created.id, name=created.name, create_time=created.created_at),
        client_secret=created.secret,
    )


@router.get("/clients", response_model=ApiClientList)
def list_clients(ctx: Ctx) -> ApiClientList:
    views = clients.list_clients(ctx)
    return ApiClientList(
        clients=[ApiClient(id=v.id, name=v.name, create_time=v.created_at) for v in views],
        next_page_token="",
        prev_page_token="",
        total_size=len(views),
    )


@router.post("/clients", status_code=201, response_model=ApiClientWithSecret)
def create_client(ctx: Ctx, body: CreateApiClient) -> ApiClientWithSecret:
    """A new client; its `client_secret` is in this answer only."""
    return _with_secret(clients.create_client(ctx, body.name))


@router.post("/clients/{client_id}:rotate-secret", response_model=ApiClientWithSecret)
def rotate_client_secret(ctx: Ctx, client_id: str) -> ApiClientWithSecret:
    """A new `client_secret` (shown once); the old one and every token issued with it stop working."""
    return _with_secret(clients.rotate_client_secret(ctx, client_id))


@router.delete("/clients/{client_id}")
def delete_client(ctx: Ctx, client_id: str) -> dict[str, object]:
    """Deletes the client; its tokens stop working at once."""
    clients.delete_client(ctx, client_id)
    return {}
