from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.domain.types import Metadata
from tenantry.server.http.api.v1 import schemas
from tenantry.server.http.deps import Ctx
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import MembershipInput, RoleInput
from tenantry.server.services.membership import lifecycle

router = APIRouter(route_class=RetryingRoute, tags=["memberships"])
PATH = "/memberships/organizations/{organization_id}/users/{user_id}"


class UpdateMembership(BaseModel):
    """Fields left out stay. ``roles`` replaces the roles; ``metadata`` replaces the map."""

    model_config = ConfigDict(extra="forbid")
    roles: list[RoleInput] | None = Field(default=None, min_length=1, max_length=16)
    metadata: Metadata | None = None


@router.post(PATH, status_code=201, response_model=schemas.UserEnvelope)
def create_membership(
    ctx: Ctx,
    organization_id: str,
    user_id: str,
    body: Annotated[MembershipInput | None, Body()] = None,
    send_invitation_email: Annotated[bool, Query()] = True,
) -> schemas.UserEnvelope:
    """Adds an existing user to the organization (pending with an invitation e-mail, or
    active with `send_invitation_email=false`). Takes a seat."""
    view = lifecycle.add(
        ctx, organization_id, user_id, body or MembershipInput(), send_invitation=send_invitation_email
    )
    return schemas.UserEnvelope(user=schemas.user(view))


@router.patch(PATH, response_model=schemas.UserEnvelope)
def update_membership(ctx: Ctx, organization_id: str, user_id: str, body: UpdateMembership) -> schemas.UserEnvelope:
    """Changes the member's roles and/or metadata. Demoting the organization's last member who
    can manage members answers `409 last_admin`."""
    if body.roles is None and body.metadata is None:
        raise InvalidArgument.field("roles", "required", "give roles and/or metadata")
    view = lifecycle.update(ctx, organization_id, user_id, roles=body.roles, metadata=body.metadata)
    return schemas.UserEnvelope(user=schemas.user(view))


@router.delete(PATH)
def delete_membership(ctx: Ctx, organization_id: str, user_id: str) -> dict[str, object]:
    """Removes the member; for a pending membership this revokes the invitation. Frees the seat.
    Removing the organization's last member who can manage members answers `409 last_admin`."""
    lifecycle.remove(ctx, organization_id, user_id)
    return {}
