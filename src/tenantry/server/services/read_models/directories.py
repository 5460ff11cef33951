"""The JSON shapes of directories (Scalekit's ``Directory``, ``DirectoryUser``,
``DirectoryGroup``), for the REST answers and the gRPC front alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.services.provisioning.directories import DirectoryView, SecretView


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


class DirectoryGroup(BaseModel):
    id: str
    display_name: str
    total_users: int
    updated_at: datetime
    group_detail: dict[str, Any]


def secret(view: SecretView) -> Secret:
    return Secret(
        id=view.id,
        directory_id=view.directory_id,
        secret_suffix=view.secret_suffix,
        status=view.status,
        create_time=view.create_time,
        last_used_time=view.last_used_time,
    )


def role_assignments(view: DirectoryView) -> RoleAssignments:
    return RoleAssignments(assignments=[RoleAssignment(**a) for a in view.role_assignments])


def attribute_mappings(view: DirectoryView) -> AttributeMappings:
    return AttributeMappings(attributes=[AttributeMapping(**m) for m in view.attribute_mappings])


def directory(view: DirectoryView) -> Directory:
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
        secrets=[secret(s) for s in view.secrets],
        stats=Stats(total_users=view.total_users, total_groups=view.total_groups),
        role_assignments=role_assignments(view),
        attribute_mappings=attribute_mappings(view),
        status=status,
        create_time=view.created_at,
        update_time=view.updated_at,
    )


def directory_user(u: Any) -> DirectoryUser:
    return DirectoryUser(
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


def directory_group(g: Any) -> DirectoryGroup:
    return DirectoryGroup(
        id=g.id, display_name=g.display_name, total_users=g.total_users, updated_at=g.updated_at, group_detail=g.detail
    )
