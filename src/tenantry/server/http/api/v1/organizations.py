from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel

from tenantry.server.http.api.v1 import routers, schemas
from tenantry.server.http.deps import Ctx, Paging, attribute_filters
from tenantry.server.services.commands import (
    CreateOrganization,
    CreateUserInOrganization,
    OrganizationSettingsInput,
    UpdateOrganization,
)
from tenantry.server.services.directory import organizations
from tenantry.server.services.identity import session_policy, users
from tenantry.server.services.identity.session_policy import SessionPolicyInput, SessionPolicyView

router = routers.protected("organizations")


@router.post("/organizations", status_code=201, response_model=schemas.OrganizationEnvelope)
def create_organization(ctx: Ctx, body: CreateOrganization) -> schemas.OrganizationEnvelope:
    """With `created_by_user_id` the organization is created on behalf of that user: it counts
    toward `max_organizations_per_user` and the user becomes its admin."""
    return schemas.OrganizationEnvelope(organization=schemas.organization(organizations.create(ctx, body)))


@router.get("/organizations", response_model=schemas.OrganizationList)
def list_organizations(
    ctx: Ctx,
    paging: Paging,
    external_id: Annotated[
        str | None, Query(max_length=255, description="Only the organization with this external id")
    ] = None,
) -> schemas.OrganizationList:
    return schemas.organization_list(organizations.list_page(ctx, paging, external_id=external_id))


@router.get("/organizations:search", response_model=schemas.OrganizationList)
def search_organizations(ctx: Ctx, paging: Paging, query: schemas.SearchQuery) -> schemas.OrganizationList:
    """Organizations whose name contains `query` (any case), or whose id or external id is `query`."""
    return schemas.organization_list(organizations.list_page(ctx, paging, query))


@router.get("/organizations:external/{external_id}", response_model=schemas.OrganizationEnvelope)
def get_organization_by_external_id(ctx: Ctx, external_id: str) -> schemas.OrganizationEnvelope:
    return schemas.OrganizationEnvelope(
        organization=schemas.organization(organizations.get_by_external_id(ctx, external_id))
    )


@router.get("/organizations/{organization_id}", response_model=schemas.OrganizationEnvelope)
def get_organization(ctx: Ctx, organization_id: str) -> schemas.OrganizationEnvelope:
    return schemas.OrganizationEnvelope(organization=schemas.organization(organizations.get(ctx, organization_id)))


@router.patch("/organizations/{organization_id}", response_model=schemas.OrganizationEnvelope)
def update_organization(ctx: Ctx, organization_id: str, body: UpdateOrganization) -> schemas.OrganizationEnvelope:
    return schemas.OrganizationEnvelope(
        organization=schemas.organization(organizations.update(ctx, organization_id, body))
    )


@router.patch("/organizations/{organization_id}/settings", response_model=schemas.OrganizationEnvelope)
def update_organization_settings(
    ctx: Ctx, organization_id: str, body: OrganizationSettingsInput
) -> schemas.OrganizationEnvelope:
    """Scalekit's organization settings: `{"features": [{"name": "sso", "enabled": true}]}`; features
    not named keep their state."""
    return schemas.OrganizationEnvelope(
        organization=schemas.organization(organizations.update_features(ctx, organization_id, body))
    )


@router.delete("/organizations/{organization_id}")
def delete_organization(ctx: Ctx, organization_id: str) -> dict[str, object]:
    """Deletes the organization and its memberships; users stay."""
    organizations.delete_(ctx, organization_id)
    return {}


class SessionPolicyEnvelope(BaseModel):
    policy: SessionPolicyView


SESSION_POLICY = "/organizations/{organization_id}/session-policy"


@router.get(SESSION_POLICY, response_model=SessionPolicyEnvelope, response_model_exclude_none=True)
def get_session_policy(ctx: Ctx, organization_id: str) -> SessionPolicyEnvelope:
    """`APPLICATION` (Tenantry's: 14 days, no idle timeout) or the organization's own, in minutes."""
    return SessionPolicyEnvelope(policy=session_policy.get(ctx, organization_id))


@router.patch(SESSION_POLICY, response_model=SessionPolicyEnvelope, response_model_exclude_none=True)
def update_session_policy(ctx: Ctx, organization_id: str, body: SessionPolicyInput) -> SessionPolicyEnvelope:
    """`CUSTOM` with `absolute_session_timeout` and/or `idle_session_timeout` (5 minutes to 90 days,
    units MINUTES, HOURS or DAYS), or `APPLICATION` to follow the application's policy. Applies at
    once to the organization's live sessions (a shorter timeout ends them sooner)."""
    return SessionPolicyEnvelope(policy=session_policy.update(ctx, organization_id, body))


@router.get("/organizations/{organization_id}/settings/usermanagement", response_model=schemas.UserManagement)
def get_user_management(ctx: Ctx, organization_id: str) -> schemas.UserManagement:
    result = organizations.get_user_management(ctx, organization_id)
    return schemas.UserManagement(
        settings=schemas.UserManagementSettings(max_allowed_users=result.max_allowed_users),
        seats_used=result.seats_used,
    )


@router.patch("/organizations/{organization_id}/settings/usermanagement", response_model=schemas.UserManagement)
def update_user_management(ctx: Ctx, organization_id: str, body: schemas.UserManagementPatch) -> schemas.UserManagement:
    """`max_allowed_users`: `null` or `0` = no limit; left out = unchanged. Lowering it below the seats in
    use removes nobody."""
    if "max_allowed_users" in body.settings.model_fields_set:
        result = organizations.set_max_allowed_users(ctx, organization_id, body.settings.max_allowed_users)
    else:
        result = organizations.get_user_management(ctx, organization_id)
    return schemas.UserManagement(
        settings=schemas.UserManagementSettings(max_allowed_users=result.max_allowed_users),
        seats_used=result.seats_used,
    )


@router.post("/organizations/{organization_id}/users", status_code=201, response_model=schemas.UserEnvelope)
def create_user_in_organization(
    ctx: Ctx,
    organization_id: str,
    body: CreateUserInOrganization,
    send_invitation_email: Annotated[bool, Query()] = True,
) -> schemas.UserEnvelope:
    """Creates the user (or takes the existing one with this e-mail) and adds them to the
    organization: `PENDING_INVITE` with an invitation e-mail, or `ACTIVE` with
    `send_invitation_email=false`. Takes a seat."""
    view = users.create_in_organization(ctx, organization_id, body, send_invitation=send_invitation_email)
    return schemas.UserEnvelope(user=schemas.user(view))


@router.get("/organizations/{organization_id}/users", response_model=schemas.UserList)
def list_organization_users(ctx: Ctx, organization_id: str, paging: Paging, request: Request) -> schemas.UserList:
    """Members in every status; filter by `?custom_attributes.<key>=<value>` as on `/users`."""
    page = users.list_page(ctx, paging, organization_id=organization_id, attribute_filters=attribute_filters(request))
    return schemas.user_list(page)


@router.get("/organizations/{organization_id}/users:search", response_model=schemas.UserList)
def search_organization_users(
    ctx: Ctx, organization_id: str, paging: Paging, query: schemas.SearchQuery
) -> schemas.UserList:
    """Members (any status) whose e-mail or names contain every word of `query`, or whose id
    or external id is `query`."""
    return schemas.user_list(users.list_page(ctx, paging, organization_id=organization_id, search=query))
