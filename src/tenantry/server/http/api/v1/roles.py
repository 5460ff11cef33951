"""Roles and permissions (SPEC §9) in Scalekit's shapes: ``/roles``, ``/permissions``,
``/organizations/{org_id}/roles``, role ``extends``, ``/roles/{name}/permissions``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.domain.pagination import page_request
from tenantry.server.http.api.v1 import routers
from tenantry.server.http.deps import Ctx
from tenantry.server.services.commands import (
    CreatePermission,
    CreateRole,
    PermissionName,
    RoleName,
    UpdatePermission,
    UpdateRole,
)
from tenantry.server.services.membership import access, lifecycle, roles
from tenantry.server.services.read_models import representations as rep

router = routers.protected("roles")

Include = Annotated[Literal["", "permissions", "permissions:all"], Query()]


class RoleEnvelope(BaseModel):
    role: rep.CatalogueRole


class RoleList(BaseModel):
    roles: list[rep.CatalogueRole]


class CreateRoleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: CreateRole


class UpdateRoleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: UpdateRole


class PermissionEnvelope(BaseModel):
    permission: rep.Permission


class PermissionList(BaseModel):
    permissions: list[rep.Permission]
    next_page_token: str = ""
    prev_page_token: str = ""
    total_size: int = 0


class RolePermissionList(BaseModel):
    permissions: list[rep.RolePermission]


class CreatePermissionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    permission: CreatePermission


class UpdatePermissionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    permission: UpdatePermission


class AddPermissions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    permission_names: list[PermissionName] = Field(min_length=1, max_length=100)


class DefaultRoleRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    name: RoleName | None = None


class SetDefaults(BaseModel):
    """Scalekit's ``UpdateDefaultRolesRequest`` (the deprecated object forms accepted too)."""

    model_config = ConfigDict(extra="forbid")
    default_creator_role: RoleName | None = None
    default_member_role: RoleName | None = None
    default_creator: DefaultRoleRef | None = None
    default_member: DefaultRoleRef | None = None


class DefaultRoles(BaseModel):
    default_creator: rep.CatalogueRole
    default_member: rep.CatalogueRole


class Count(BaseModel):
    count: int


class SetOrganizationDefault(BaseModel):
    """Scalekit's ``UpdateDefaultOrganizationRolesRequest``."""

    model_config = ConfigDict(extra="forbid")
    default_member_role: RoleName


class OrganizationDefaultRoles(BaseModel):
    default_member: rep.CatalogueRole


def _envelope(view: roles.RoleView) -> RoleEnvelope:
    return RoleEnvelope(role=rep.role(view))


# ---- environment roles -----------------------------------------------------------------


@router.post("/roles", status_code=201, response_model=RoleEnvelope)
def create_role(ctx: Ctx, body: CreateRoleBody) -> RoleEnvelope:
    """Creates an environment role; `extends` names the role it inherits permissions from,
    `permissions` the permissions it grants directly (they must exist)."""
    return _envelope(roles.create_role(ctx, body.role))


@router.get("/roles", response_model=RoleList)
def list_roles(ctx: Ctx, include: Include = "") -> RoleList:
    return RoleList(roles=[rep.role(v) for v in roles.list_roles(ctx, include=include)])


@router.patch("/roles:set_defaults", response_model=DefaultRoles)
@router.patch("/roles/default", response_model=DefaultRoles, include_in_schema=False)
def set_default_roles(ctx: Ctx, body: SetDefaults) -> DefaultRoles:
    """Names the default creator role (given to whoever creates an organization) and the
    default member role (for invitations and additions without roles)."""
    creator = body.default_creator_role or (body.default_creator.name if body.default_creator else None)
    member = body.default_member_role or (body.default_member.name if body.default_member else None)
    if not creator and not member:
        raise InvalidArgument.field("default_member_role", "required", "name a default creator or member role")
    new_creator, new_member = roles.set_defaults(ctx, creator, member)
    return DefaultRoles(default_creator=rep.role(new_creator), default_member=rep.role(new_member))


@router.get("/roles/{role_name}", response_model=RoleEnvelope)
def get_role(ctx: Ctx, role_name: str, include: Include = "") -> RoleEnvelope:
    return _envelope(roles.get_role(ctx, role_name, include=include))


@router.put("/roles/{role_name}", response_model=RoleEnvelope)
@router.patch("/roles/{role_name}", response_model=RoleEnvelope, include_in_schema=False)
def update_role(ctx: Ctx, role_name: str, body: UpdateRoleBody) -> RoleEnvelope:
    """Only the fields sent change. `permissions` replaces the direct permissions; `name`
    renames the role (members keep it); `extends: null` removes the base role."""
    return _envelope(roles.update_role(ctx, role_name, body.role))


@router.delete("/roles/{role_name}")
def delete_role(
    ctx: Ctx, role_name: str, reassign_role_name: Annotated[str | None, Query()] = None
) -> dict[str, object]:
    """A role members hold needs `reassign_role_name`: they move to that role."""
    roles.delete_role(ctx, role_name, reassign_role_name)
    return {}


@router.get("/roles/{role_name}/users:count", response_model=Count)
def role_users_count(ctx: Ctx, role_name: str) -> Count:
    return Count(count=roles.users_count(ctx, role_name))


@router.get("/roles/{role_name}/dependents", response_model=RoleList)
def list_dependent_roles(ctx: Ctx, role_name: str) -> RoleList:
    return RoleList(roles=[rep.role(v) for v in roles.dependents(ctx, role_name)])


@router.delete("/roles/{role_name}/base")
def delete_role_base(ctx: Ctx, role_name: str) -> dict[str, object]:
    roles.remove_base(ctx, role_name)
    return {}


@router.get("/roles/{role_name}/permissions", response_model=RolePermissionList)
def list_role_permissions(ctx: Ctx, role_name: str) -> RolePermissionList:
    """The permissions granted to the role directly."""
    return RolePermissionList(permissions=[rep.role_permission(p) for p in roles.role_permissions(ctx, role_name)])


@router.get("/roles/{role_name}/permissions:all", response_model=RolePermissionList)
def list_effective_role_permissions(ctx: Ctx, role_name: str) -> RolePermissionList:
    """Direct and inherited permissions; `role_name` says which role grants each."""
    views = roles.role_permissions(ctx, role_name, inherited=True)
    return RolePermissionList(permissions=[rep.role_permission(p) for p in views])


@router.post("/roles/{role_name}/permissions", response_model=RolePermissionList)
def add_permissions_to_role(ctx: Ctx, role_name: str, body: AddPermissions) -> RolePermissionList:
    views = roles.add_permissions(ctx, role_name, body.permission_names)
    return RolePermissionList(permissions=[rep.role_permission(p) for p in views])


@router.delete("/roles/{role_name}/permissions/{permission_name}")
def remove_permission_from_role(ctx: Ctx, role_name: str, permission_name: str) -> dict[str, object]:
    roles.remove_permission(ctx, role_name, permission_name)
    return {}


# ---- organization roles ---------------------------------------------------------------

ORG_ROLES = "/organizations/{org_id}/roles"


@router.post(ORG_ROLES, status_code=201, response_model=RoleEnvelope)
def create_organization_role(ctx: Ctx, org_id: str, body: CreateRoleBody) -> RoleEnvelope:
    """A role only this organization sees; it may extend an environment role."""
    return _envelope(roles.create_role(ctx, body.role, organization_id=org_id))


@router.get(ORG_ROLES, response_model=RoleList)
def list_organization_roles(ctx: Ctx, org_id: str, include: Include = "") -> RoleList:
    """The environment's roles and the organization's own (`is_org_role`)."""
    return RoleList(roles=[rep.role(v) for v in roles.list_roles(ctx, org_id, include=include)])


@router.patch(ORG_ROLES + ":set_defaults", response_model=OrganizationDefaultRoles)
def set_organization_default_roles(ctx: Ctx, org_id: str, body: SetOrganizationDefault) -> OrganizationDefaultRoles:
    """The role the organization's new members get when an invitation, an addition, a
    sign-up or a directory names none (instead of the environment's default member role)."""
    return OrganizationDefaultRoles(
        default_member=rep.role(roles.set_organization_default(ctx, org_id, body.default_member_role))
    )


@router.get(ORG_ROLES + "/{role_name}", response_model=RoleEnvelope)
def get_organization_role(ctx: Ctx, org_id: str, role_name: str, include: Include = "") -> RoleEnvelope:
    return _envelope(roles.get_role(ctx, role_name, org_id, include=include))


@router.put(ORG_ROLES + "/{role_name}", response_model=RoleEnvelope)
@router.patch(ORG_ROLES + "/{role_name}", response_model=RoleEnvelope, include_in_schema=False)
def update_organization_role(ctx: Ctx, org_id: str, role_name: str, body: UpdateRoleBody) -> RoleEnvelope:
    return _envelope(roles.update_role(ctx, role_name, body.role, organization_id=org_id))


@router.delete(ORG_ROLES + "/{role_name}")
def delete_organization_role(
    ctx: Ctx, org_id: str, role_name: str, reassign_role_name: Annotated[str | None, Query()] = None
) -> dict[str, object]:
    roles.delete_role(ctx, role_name, reassign_role_name, organization_id=org_id)
    return {}


@router.delete(ORG_ROLES + "/{role_name}/base")
def delete_organization_role_base(ctx: Ctx, org_id: str, role_name: str) -> dict[str, object]:
    roles.remove_base(ctx, role_name, organization_id=org_id)
    return {}


@router.get(ORG_ROLES + "/{role_name}/users:count", response_model=Count)
def organization_role_users_count(ctx: Ctx, org_id: str, role_name: str) -> Count:
    return Count(count=roles.users_count(ctx, role_name, organization_id=org_id))


# ---- permissions ---------------------------------------------------------------------


@router.post("/permissions", status_code=201, response_model=PermissionEnvelope)
def create_permission(ctx: Ctx, body: CreatePermissionBody) -> PermissionEnvelope:
    return PermissionEnvelope(permission=rep.permission(roles.create_permission(ctx, body.permission)))


@router.get("/permissions", response_model=PermissionList)
def list_permissions(
    ctx: Ctx,
    page_size: Annotated[int | None, Query()] = None,
    page_token: Annotated[str | None, Query()] = None,
    type: Annotated[Literal["ALL", "SCALEKIT", "ENVIRONMENT"], Query()] = "ALL",
) -> PermissionList:
    page = roles.list_permissions(ctx, page_request(page_size, page_token), type)
    return PermissionList(
        permissions=[rep.permission(p) for p in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )


@router.get("/permissions/{permission_name}", response_model=PermissionEnvelope)
def get_permission(ctx: Ctx, permission_name: str) -> PermissionEnvelope:
    return PermissionEnvelope(permission=rep.permission(roles.get_permission(ctx, permission_name)))


@router.put("/permissions/{permission_name}", response_model=PermissionEnvelope)
@router.patch("/permissions/{permission_name}", response_model=PermissionEnvelope, include_in_schema=False)
def update_permission(
    ctx: Ctx, permission_name: str, body: Annotated[UpdatePermissionBody, Body()]
) -> PermissionEnvelope:
    return PermissionEnvelope(permission=rep.permission(roles.update_permission(ctx, permission_name, body.permission)))


@router.delete("/permissions/{permission_name}")
def delete_permission(ctx: Ctx, permission_name: str) -> dict[str, object]:
    roles.delete_permission(ctx, permission_name)
    return {}


# ---- a member's roles (Scalekit's UserService) ------------------------------------------

USER_ROLES = "/organizations/{organization_id}/users/{user_id}/roles"


class AssignRole(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role_name: RoleName | None = None
    name: RoleName | None = None  # also accepted, as memberships write it
    id: str | None = None  # Scalekit's deprecated field: ignored when a name is given


class AssignRoles(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roles: list[AssignRole] = Field(min_length=1, max_length=16)


class HeldRoles(BaseModel):
    roles: list[rep.Role]


class HeldPermission(BaseModel):
    id: str
    name: str
    description: str
    tags: list[str] = Field(default_factory=list)


class HeldPermissions(BaseModel):
    permissions: list[HeldPermission]


def _held(ctx: Ctx, organization_id: str, user_id: str) -> HeldRoles:
    held, _ = access.membership_access(ctx, organization_id, user_id)
    return HeldRoles(roles=[rep.Role(id=r.id, name=r.name, display_name=r.display_name) for r in held])


@router.get(USER_ROLES, response_model=HeldRoles)
def list_user_roles(ctx: Ctx, organization_id: str, user_id: str) -> HeldRoles:
    return _held(ctx, organization_id, user_id)


@router.post(USER_ROLES, response_model=HeldRoles)
def assign_user_roles(ctx: Ctx, organization_id: str, user_id: str, body: AssignRoles) -> HeldRoles:
    """Adds roles to the member (the ones already held stay); answers every role held."""
    wanted = []
    for index, role in enumerate(body.roles):
        name = role.role_name or role.name
        if not name:
            raise InvalidArgument.field(f"roles.{index}.role_name", "required", "name the role")
        wanted.append(name)
    held = lifecycle.change_roles(ctx, organization_id, user_id, add=wanted)
    return HeldRoles(roles=[rep.Role(id=r.id, name=r.name, display_name=r.display_name) for r in held])


@router.delete(USER_ROLES + "/{role_name}")
def remove_user_role(ctx: Ctx, organization_id: str, user_id: str, role_name: str) -> dict[str, object]:
    """Takes one role from the member (refused for their last role: give another first;
    `409 last_admin` when it would leave nobody who can manage members)."""
    lifecycle.change_roles(ctx, organization_id, user_id, remove=role_name)
    return {}


@router.get("/organizations/{organization_id}/users/{user_id}/permissions", response_model=HeldPermissions)
def list_user_permissions(ctx: Ctx, organization_id: str, user_id: str) -> HeldPermissions:
    """The member's effective permissions (inherited ones included)."""
    _, permissions = access.membership_access(ctx, organization_id, user_id)
    return HeldPermissions(
        permissions=[HeldPermission(id=p.id, name=p.name, description=p.description) for p in permissions]
    )
