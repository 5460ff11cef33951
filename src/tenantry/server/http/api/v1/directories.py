"""Directories of an organization (SCIM directory sync, SPEC §12), in Scalekit's
DirectoryService shapes: ``/api/v1/organizations/{organization_id}/directories``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.http.deps import Ctx, Paging
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.provisioning import directories
from tenantry.server.services.provisioning.directories import DirectoryView, SecretView

router = APIRouter(route_class=RetryingRoute, tags=["directories"])
BASE = "/organizations/{organization_id}/directories"
ONE = BASE + "/{directory_id}"


class DirectoryInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=255)
    directory_type: Literal["SCIM"] | None = None
    directory_provider: str | None = Field(default=None, max_length=32)
    enabled: bool | None = None


class Secret(BaseModel):
    id: str
    directory_id: str
    secret_suffix: str
    status: str
    create_time: datetime
    last_used_time: datetime | None


class RoleAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group_id: str = Field(min_length=1, max_length=40)
    role_name: str = Field(min_length=1, max_length=100)


class RoleAssignments(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignments: list[RoleAssignment] = Field(default_factory=list, max_length=200)


class AttributeMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=64)
    map_to: str = Field(min_length=1, max_length=300)


class AttributeMappings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attributes: list[AttributeMapping] = Field(default_factory=list, max_length=100)


class Stats(BaseModel):
    total_users: int
    total_groups: int


class Directory(BaseModel):
    id: str
    name: str
    directory_type: str = "SCIM"
    organization_id: str
    enabled: bool
    directory_provider: str
    last_synced_at: datetime | None
    directory_endpoint: str
    total_users: int
    total_groups: int
    secrets: list[Secret]
    stats: Stats
    role_assignments: RoleAssignments
    attribute_mappings: AttributeMappings
    status: str
    groups_tracked: str = "ALL"
    create_time: datetime
    update_time: datetime


class DirectoryEnvelope(BaseModel):
    directory: Directory


class DirectoryList(BaseModel):
    directories: list[Directory]


class Toggle(BaseModel):
    enabled: bool
    error_message: str = ""


class SecretCreated(BaseModel):
    plain_secret: str = Field(description="The bearer token. Shown only in this response; store it in the IdP now.")
    secret: Secret


class DirectoryUser(BaseModel):
    id: str
    user_id: str
    email: str | None
    preferred_username: str
    given_name: str | None
    family_name: str | None
    active: bool
    emails: list[str]
    groups: list[dict[str, str]]
    updated_at: datetime
    user_detail: dict[str, Any]


class DirectoryUserList(BaseModel):
    users: list[DirectoryUser]
    total_size: int
    next_page_token: str
    prev_page_token: str


class DirectoryGroup(BaseModel):
    id: str
    display_name: str
    total_users: int
    updated_at: datetime
    group_detail: dict[str, Any]


class DirectoryGroupList(BaseModel):
    groups: list[DirectoryGroup]
    total_size: int
    next_page_token: str
    prev_page_token: str


def _secret(view: SecretView) -> Secret:
    return Secret(
        id=view.id,
        directory_id=view.directory_id,
        secret_suffix=view.secret_suffix,
        status=view.status,
        create_time=view.create_time,
        last_used_time=view.last_used_time,
    )


def _directory(view: DirectoryView) -> Directory:
    if not view.secrets:
        status = "DRAFT"
    elif view.last_synced_at is None:
        status = "IN_PROGRESS"
    else:
        status = "COMPLETED"
    return Directory(
        id=view.id,
        name=view.name,
        organization_id=view.organization_id,
        enabled=view.enabled,
        directory_provider=view.provider,
        last_synced_at=view.last_synced_at,
        directory_endpoint=view.endpoint,
        total_users=view.total_users,
        total_groups=view.total_groups,
        secrets=[_secret(s) for s in view.secrets],
        stats=Stats(total_users=view.total_users, total_groups=view.total_groups),
        role_assignments=RoleAssignments(assignments=[RoleAssignment(**a) for a in view.role_assignments]),
        attribute_mappings=AttributeMappings(attributes=[AttributeMapping(**m) for m in view.attribute_mappings]),
        status=status,
        create_time=view.created_at,
        update_time=view.updated_at,
    )


# Routes with a ":verb" suffix first: "{directory_id}" alone would also match "dir_…:enable".


@router.patch(ONE + ":enable", response_model=Toggle)
def enable_directory(ctx: Ctx, organization_id: str, directory_id: str) -> Toggle:
    return Toggle(enabled=directories.update(ctx, organization_id, directory_id, enabled=True).enabled)


@router.patch(ONE + ":disable", response_model=Toggle)
def disable_directory(ctx: Ctx, organization_id: str, directory_id: str) -> Toggle:
    """A disabled directory answers every SCIM call with 403 until it is enabled again."""
    return Toggle(enabled=directories.update(ctx, organization_id, directory_id, enabled=False).enabled)


@router.post(BASE, status_code=201, response_model=DirectoryEnvelope)
def create_directory(ctx: Ctx, organization_id: str, body: DirectoryInput) -> DirectoryEnvelope:
    """Creates an enabled SCIM directory. Generate its bearer token with POST …/secrets."""
    view = directories.create(ctx, organization_id, body.name, body.directory_provider)
    return DirectoryEnvelope(directory=_directory(view))


@router.get(BASE, response_model=DirectoryList)
def list_directories(ctx: Ctx, organization_id: str) -> DirectoryList:
    return DirectoryList(directories=[_directory(v) for v in directories.list_(ctx, organization_id)])


@router.get(ONE, response_model=DirectoryEnvelope)
def get_directory(ctx: Ctx, organization_id: str, directory_id: str) -> DirectoryEnvelope:
    return DirectoryEnvelope(directory=_directory(directories.get(ctx, organization_id, directory_id)))


@router.patch(ONE, response_model=DirectoryEnvelope)
def update_directory(ctx: Ctx, organization_id: str, directory_id: str, body: DirectoryInput) -> DirectoryEnvelope:
    view = directories.update(
        ctx, organization_id, directory_id, name=body.name, provider=body.directory_provider, enabled=body.enabled
    )
    return DirectoryEnvelope(directory=_directory(view))


@router.delete(ONE)
def delete_directory(ctx: Ctx, organization_id: str, directory_id: str) -> dict[str, object]:
    """Deletes the directory, its token, users and groups; the organization's members stay."""
    directories.delete(ctx, organization_id, directory_id)
    return {}


@router.post(ONE + "/secrets:regenerate", response_model=SecretCreated)
def regenerate_secret(ctx: Ctx, organization_id: str, directory_id: str) -> SecretCreated:
    """A new bearer token; the previous one stops working at once."""
    token, secret = directories.create_secret(ctx, organization_id, directory_id)
    return SecretCreated(plain_secret=token, secret=_secret(secret))


@router.post(ONE + "/secrets", status_code=201, response_model=SecretCreated)
def create_secret(ctx: Ctx, organization_id: str, directory_id: str) -> SecretCreated:
    """Generates the directory's bearer token, shown only in this response (a previous
    token stops working)."""
    token, secret = directories.create_secret(ctx, organization_id, directory_id)
    return SecretCreated(plain_secret=token, secret=_secret(secret))


@router.put(ONE + "/groups/-/roles:assign", response_model=RoleAssignments)
def assign_roles(ctx: Ctx, organization_id: str, directory_id: str, body: RoleAssignments) -> RoleAssignments:
    """Replaces the group → role mapping; members' roles are recomputed at once."""
    view = directories.assign_roles(ctx, organization_id, directory_id, [a.model_dump() for a in body.assignments])
    return RoleAssignments(assignments=[RoleAssignment(**a) for a in view.role_assignments])


@router.put(ONE + "/attributes", response_model=AttributeMappings)
def update_attributes(ctx: Ctx, organization_id: str, directory_id: str, body: AttributeMappings) -> AttributeMappings:
    """Replaces the mapping of SCIM attributes (``map_to``, e.g.
    ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department``) to custom
    attributes (``key``)."""
    view = directories.update_attributes(ctx, organization_id, directory_id, [m.model_dump() for m in body.attributes])
    return AttributeMappings(attributes=[AttributeMapping(**m) for m in view.attribute_mappings])


@router.get(ONE + "/users", response_model=DirectoryUserList)
def list_directory_users(ctx: Ctx, organization_id: str, directory_id: str, paging: Paging) -> DirectoryUserList:
    page = directories.list_users(ctx, organization_id, directory_id, paging)
    users = [
        DirectoryUser(
            id=u.id,
            user_id=u.user_id,
            email=u.email,
            preferred_username=u.user_name,
            given_name=u.given_name,
            family_name=u.family_name,
            active=u.active,
            emails=u.emails,
            groups=u.groups,
            updated_at=u.updated_at,
            user_detail=u.detail,
        )
        for u in page.items
    ]
    return DirectoryUserList(
        users=users,
        total_size=page.total_size,
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
    )


@router.get(ONE + "/groups", response_model=DirectoryGroupList)
def list_directory_groups(ctx: Ctx, organization_id: str, directory_id: str, paging: Paging) -> DirectoryGroupList:
    page = directories.list_groups(ctx, organization_id, directory_id, paging)
    groups = [
        DirectoryGroup(
            id=g.id,
            display_name=g.display_name,
            total_users=g.total_users,
            updated_at=g.updated_at,
            group_detail=g.detail,
        )
        for g in page.items
    ]
    return DirectoryGroupList(
        groups=groups,
        total_size=page.total_size,
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
    )
