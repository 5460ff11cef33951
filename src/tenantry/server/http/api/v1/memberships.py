from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.http.api.v1 import schemas
from tenantry.server.http.deps import Ctx
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import MembershipInput, RoleInput
from tenantry.server.services.membership import lifecycle

router = APIRouter(route_class=RetryingRoute, tags=["memberships"])
PATH = "/memberships/organizations/{organization_id}/users/{user_id}"


class UpdateMembership(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roles: list[RoleInput] = Field(min_length=1, max_length=16)


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
    return schemas.UserEnvelope(user=schemas.user(lifecycle.update_roles(ctx, organization_id, user_id, body.roles)))


@router.delete(PATH)
def delete_membership(ctx: Ctx, organization_id: str, user_id: str) -> dict[str, object]:
    """Removes the member; for a pending membership this revokes the invitation. Frees the seat."""
    lifecycle.remove(ctx, organization_id, user_id)
    return {}
