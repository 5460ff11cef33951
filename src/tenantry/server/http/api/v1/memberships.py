from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.domain.types import Metadata
from tenantry.server.http.api.v1 import routers, schemas
from tenantry.server.http.deps import Ctx
from tenantry.server.services.commands import MembershipInput, RoleInput
from tenantry.server.services.identity import users
from tenantry.server.services.membership import lifecycle

router = routers.protected("memberships")
PATH = "/memberships/organizations/{organization_id}/users/{user_id}"
# Scalekit's variant addressing the user by the application's external id.
EXTERNAL_PATH = "/memberships/organizations/{organization_id}/users:external/{external_id}"

SendInvitation = Annotated[bool, Query(description="Pending with an invitation e-mail (default), or active")]
Cascade = Annotated[
    bool,
    Query(description="Also delete the user when this was their last organization (Scalekit's `cascade`)"),
]


class UpdateMembership(BaseModel):
    """Fields left out stay. ``roles`` replaces the roles; ``metadata`` replaces the map."""

    model_config = ConfigDict(extra="forbid")
    roles: list[RoleInput] | None = Field(default=None, min_length=1, max_length=16)
    metadata: Metadata | None = None


def _create(
    ctx: Ctx, organization_id: str, user_id: str, body: MembershipInput | None, send_invitation_email: bool
) -> schemas.UserEnvelope:
    view = lifecycle.add(
        ctx, organization_id, user_id, body or MembershipInput(), send_invitation=send_invitation_email
    )
    return schemas.UserEnvelope(user=schemas.user(view))


def _delete(ctx: Ctx, organization_id: str, user_id: str, cascade: bool) -> dict[str, object]:
    lifecycle.remove(ctx, organization_id, user_id)
    if cascade:
        users.delete_if_no_memberships(ctx, user_id)
    return {}


@router.post(PATH, status_code=201, response_model=schemas.UserEnvelope)
def create_membership(
    ctx: Ctx,
    organization_id: str,
    user_id: str,
    body: Annotated[MembershipInput | None, Body()] = None,
    send_invitation_email: SendInvitation = True,
) -> schemas.UserEnvelope:
    """Adds an existing user to the organization (pending with an invitation e-mail, or
    active with `send_invitation_email=false`). Takes a seat."""
    return _create(ctx, organization_id, user_id, body, send_invitation_email)


@router.post(EXTERNAL_PATH, status_code=201, response_model=schemas.UserEnvelope)
def create_membership_by_external_id(
    ctx: Ctx,
    organization_id: str,
    external_id: str,
    body: Annotated[MembershipInput | None, Body()] = None,
    send_invitation_email: SendInvitation = True,
) -> schemas.UserEnvelope:
    """As `POST …/users/{user_id}`, for the user with this external id."""
    return _create(ctx, organization_id, users.id_for_external_id(ctx, external_id), body, send_invitation_email)


@router.patch(PATH, response_model=schemas.UserEnvelope)
def update_membership(ctx: Ctx, organization_id: str, user_id: str, body: UpdateMembership) -> schemas.UserEnvelope:
    """Changes the member's roles and/or metadata. Demoting the organization's last member who
    can manage members answers `409 last_admin`."""
    if body.roles is None and body.metadata is None:
        raise InvalidArgument.field("roles", "required", "give roles and/or metadata")
    view = lifecycle.update(ctx, organization_id, user_id, roles=body.roles, metadata=body.metadata)
    return schemas.UserEnvelope(user=schemas.user(view))


@router.patch(EXTERNAL_PATH, response_model=schemas.UserEnvelope)
def update_membership_by_external_id(
    ctx: Ctx, organization_id: str, external_id: str, body: UpdateMembership
) -> schemas.UserEnvelope:
    return update_membership(ctx, organization_id, users.id_for_external_id(ctx, external_id), body)


@router.delete(PATH)
def delete_membership(ctx: Ctx, organization_id: str, user_id: str, cascade: Cascade = False) -> dict[str, object]:
    """Removes the member; for a pending membership this revokes the invitation. Frees the seat.
    Removing the organization's last member who can manage members answers `409 last_admin`."""
    return _delete(ctx, organization_id, user_id, cascade)


@router.delete(EXTERNAL_PATH)
def delete_membership_by_external_id(
    ctx: Ctx, organization_id: str, external_id: str, cascade: Cascade = False
) -> dict[str, object]:
    return _delete(ctx, organization_id, users.id_for_external_id(ctx, external_id), cascade)
