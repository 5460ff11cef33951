"""Directories of an organization (SCIM directory sync, SPEC §12), in Scalekit's
DirectoryService shapes: ``/api/v1/organizations/{organization_id}/directories``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.domain.clock import assume_utc
from tenantry.server.http.api.v1 import routers
from tenantry.server.http.api.v1.schemas import Paged
from tenantry.server.http.deps import Ctx, Paging
from tenantry.server.services.provisioning import directories, log
from tenantry.server.services.read_models import directories as read
from tenantry.server.services.read_models import provisioning_log
from tenantry.server.services.read_models.directories import (
    AttributeMappings,
    Directory,
    DirectoryGroup,
    DirectoryUser,
    RoleAssignments,
    Secret,
)

router = routers.protected("directories")
BASE = "/organizations/{organization_id}/directories"
ONE = BASE + "/{directory_id}"


class DirectoryInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=directories.NAME_MAX_LENGTH)
    directory_type: Literal["SCIM"] | None = None
    directory_provider: str | None = Field(default=None, max_length=32)
    enabled: bool | None = None


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


class DirectoryUserList(BaseModel):
    users: list[DirectoryUser]
    total_size: int
    next_page_token: str
    prev_page_token: str


class DirectoryGroupList(BaseModel):
    groups: list[DirectoryGroup]
    total_size: int
    next_page_token: str
    prev_page_token: str


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
    return DirectoryEnvelope(directory=read.directory(view))


@router.get(BASE, response_model=DirectoryList)
def list_directories(ctx: Ctx, organization_id: str) -> DirectoryList:
    return DirectoryList(directories=[read.directory(v) for v in directories.list_(ctx, organization_id)])


@router.get(ONE, response_model=DirectoryEnvelope)
def get_directory(ctx: Ctx, organization_id: str, directory_id: str) -> DirectoryEnvelope:
    return DirectoryEnvelope(directory=read.directory(directories.get(ctx, organization_id, directory_id)))


@router.patch(ONE, response_model=DirectoryEnvelope)
def update_directory(ctx: Ctx, organization_id: str, directory_id: str, body: DirectoryInput) -> DirectoryEnvelope:
    view = directories.update(
        ctx, organization_id, directory_id, name=body.name, provider=body.directory_provider, enabled=body.enabled
    )
    return DirectoryEnvelope(directory=read.directory(view))


@router.delete(ONE)
def delete_directory(ctx: Ctx, organization_id: str, directory_id: str) -> dict[str, object]:
    """Deletes the directory, its token, users and groups; the organization's members stay."""
    directories.delete(ctx, organization_id, directory_id)
    return {}


@router.post(ONE + "/secrets:regenerate", response_model=SecretCreated)
def regenerate_secret(ctx: Ctx, organization_id: str, directory_id: str) -> SecretCreated:
    """A new bearer token; the previous one stops working at once."""
    token, secret = directories.create_secret(ctx, organization_id, directory_id)
    return SecretCreated(plain_secret=token, secret=read.secret(secret))


@router.post(ONE + "/secrets", status_code=201, response_model=SecretCreated)
def create_secret(ctx: Ctx, organization_id: str, directory_id: str) -> SecretCreated:
    """Generates the directory's bearer token, shown only in this response (a previous
    token stops working)."""
    token, secret = directories.create_secret(ctx, organization_id, directory_id)
    return SecretCreated(plain_secret=token, secret=read.secret(secret))


@router.put(ONE + "/groups/-/roles:assign", response_model=RoleAssignments)
def assign_roles(ctx: Ctx, organization_id: str, directory_id: str, body: RoleAssignments) -> RoleAssignments:
    """Replaces the group → role mapping; members' roles are recomputed at once."""
    view = directories.assign_roles(ctx, organization_id, directory_id, [a.model_dump() for a in body.assignments])
    return read.role_assignments(view)


@router.put(ONE + "/attributes", response_model=AttributeMappings)
def update_attributes(ctx: Ctx, organization_id: str, directory_id: str, body: AttributeMappings) -> AttributeMappings:
    """Replaces the mapping of SCIM attributes (``map_to``, e.g.
    ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department``) to custom
    attributes (``key``)."""
    view = directories.update_attributes(ctx, organization_id, directory_id, [m.model_dump() for m in body.attributes])
    return read.attribute_mappings(view)


@router.get(ONE + "/users", response_model=DirectoryUserList)
def list_directory_users(ctx: Ctx, organization_id: str, directory_id: str, paging: Paging) -> DirectoryUserList:
    page = directories.list_users(ctx, organization_id, directory_id, paging)
    users = [read.directory_user(u) for u in page.items]
    return DirectoryUserList(
        users=users,
        total_size=page.total_size,
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
    )


@router.get(ONE + "/groups", response_model=DirectoryGroupList)
def list_directory_groups(ctx: Ctx, organization_id: str, directory_id: str, paging: Paging) -> DirectoryGroupList:
    page = directories.list_groups(ctx, organization_id, directory_id, paging)
    groups = [read.directory_group(g) for g in page.items]
    return DirectoryGroupList(
        groups=groups,
        total_size=page.total_size,
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
    )


# The provisioning log: Scalekit has no such list, so it takes the shape of Tenantry's other
# lists (cursor pages, upper-case enums, repeatable filters like GET /api/v1/events).
Operation = Literal["CREATE", "REPLACE", "UPDATE", "DELETE"]
ResourceType = Literal["USER", "GROUP"]
METHODS: dict[str, str] = {"CREATE": "POST", "REPLACE": "PUT", "UPDATE": "PATCH", "DELETE": "DELETE"}
OPERATIONS = {method: operation for operation, method in METHODS.items()}


class DirectoryOperation(BaseModel):
    id: str = Field(description="dop_…; ids grow with time")
    directory_id: str
    operation: Operation = Field(description="What the identity provider asked: POST, PUT, PATCH or DELETE")
    resource_type: ResourceType
    resource_id: str | None = Field(description="The SCIM id of the User or Group, when known")
    subject: str | None = Field(description="The userName or group displayName, as sent")
    http_status: int = Field(description="The HTTP status the SCIM call was answered with")
    outcome: str = Field(
        description="created, already_provisioned (a create of a user already pushed: nothing created), "
        "replaced, updated or deleted; else the refusal's stable code "
        "(organization_user_limit_reached, last_admin, already_exists, invalidValue…)"
    )
    succeeded: bool
    message: str | None = Field(description="Why it was refused, for humans")
    create_time: datetime


class DirectoryOperationList(Paged):
    operations: list[DirectoryOperation]


def _operation(found: provisioning_log.ProvisioningOperation) -> DirectoryOperation:
    return DirectoryOperation(
        id=found.id,
        directory_id=found.directory_id,
        operation=OPERATIONS[found.method],  # type: ignore[arg-type]
        resource_type=found.resource_type.upper(),  # type: ignore[arg-type]
        resource_id=found.resource_id,
        subject=found.subject,
        http_status=found.status,
        outcome=found.outcome,
        succeeded=found.succeeded,
        message=found.message,
        create_time=found.create_time,
    )


@router.get(ONE + "/operations", response_model=DirectoryOperationList)
def list_directory_operations(
    ctx: Ctx,
    organization_id: str,
    directory_id: str,
    paging: Paging,
    outcome: Annotated[list[str] | None, Query(description="An outcome or error code; repeat for several")] = None,
    operation: Annotated[list[Operation] | None, Query(description="Repeat for several")] = None,
    resource_type: Annotated[list[ResourceType] | None, Query(description="Repeat for both")] = None,
    succeeded: Annotated[bool | None, Query(description="Only the calls that succeeded (true) or failed")] = None,
    since: Annotated[datetime | None, Query(description="At or after; ISO 8601, without an offset UTC")] = None,
    until: Annotated[datetime | None, Query(description="Before; ISO 8601, without an offset UTC")] = None,
) -> DirectoryOperationList:
    """The directory's provisioning log, newest first: every SCIM write (create, replace,
    update, delete of a User or Group) its identity provider made in the last 30 days, with
    how it ended, refused calls included. Reads are not logged."""
    narrowed = log.LogFilter(
        outcomes=tuple(outcome or ()),
        methods=tuple(METHODS[o] for o in operation or ()),
        resource_types=tuple(r.title() for r in resource_type or ()),
        succeeded=succeeded,
        since=assume_utc(since),
        until=assume_utc(until),
    )
    page = log.page(ctx, organization_id, paging, directory_id, narrowed)
    return DirectoryOperationList(
        operations=[_operation(o) for o in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )
