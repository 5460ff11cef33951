"""Scalekit's ``RolesService`` (roles, organization roles, permissions) over the role
catalogue use cases the REST API calls (``services/membership/roles.py``); requests and
answers cross as the REST shapes (``convert.as_dict`` / ``convert.as_message``)."""

from __future__ import annotations

from typing import Any, Literal, cast

import grpc
from google.protobuf import empty_pb2
from scalekit.v1.roles import roles_pb2 as pb
from scalekit.v1.roles import roles_pb2_grpc as pb_grpc

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.domain.pagination import page_request
from tenantry.server.grpc import convert
from tenantry.server.grpc.calls import Base, rpc
from tenantry.server.services.commands import CreatePermission, CreateRole, UpdatePermission, UpdateRole
from tenantry.server.services.membership import roles
from tenantry.server.services.read_models import representations as rep

PERMISSION_TYPES = {pb.ALL: "ALL", pb.SCALEKIT: "SCALEKIT", pb.ENVIRONMENT: "ENVIRONMENT"}


def _include(request: Any) -> roles.Include:
    value = request.include if request.HasField("include") else ""
    if value not in ("", "permissions", "permissions:all"):
        raise InvalidArgument.field("include", "invalid", "one of permissions, permissions:all")
    return cast(roles.Include, value)


def _role(view: roles.RoleView) -> Any:
    return convert.as_message(rep.role(view), pb.Role)


def _permissions(views: list[roles.PermissionView], *, granted: bool = True) -> list[Any]:
    shape = rep.role_permission if granted else rep.permission
    return [convert.as_message(shape(view), pb.Permission) for view in views]


class RolesService(Base, pb_grpc.RolesServiceServicer):
    # ---- environment roles

    @rpc
    def CreateRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = roles.create_role(self.ctx, CreateRole.model_validate(convert.as_dict(request.role)))
        return pb.CreateRoleResponse(role=_role(view))

    @rpc
    def GetRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetRoleResponse(role=_role(roles.get_role(self.ctx, request.role_name, include=_include(request))))

    @rpc
    def ListRoles(self, request: Any, context: grpc.ServicerContext) -> Any:
        views = roles.list_roles(self.ctx, include=_include(request))
        return pb.ListRolesResponse(roles=[_role(v) for v in views])

    @rpc
    def UpdateRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        command = UpdateRole.model_validate(convert.as_dict(request.role))
        return pb.UpdateRoleResponse(role=_role(roles.update_role(self.ctx, request.role_name, command)))

    @rpc
    def DeleteRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        target = request.reassign_role_name if request.HasField("reassign_role_name") else None
        roles.delete_role(self.ctx, request.role_name, target or None)
        return empty_pb2.Empty()

    @rpc
    def DeleteRoleBase(self, request: Any, context: grpc.ServicerContext) -> Any:
        roles.remove_base(self.ctx, request.role_name)
        return empty_pb2.Empty()

    @rpc
    def GetRoleUsersCount(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetRoleUsersCountResponse(count=roles.users_count(self.ctx, request.role_name))

    @rpc
    def ListDependentRoles(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.ListDependentRolesResponse(roles=[_role(v) for v in roles.dependents(self.ctx, request.role_name)])

    @rpc
    def UpdateDefaultRoles(self, request: Any, context: grpc.ServicerContext) -> Any:
        def named(plain: str, legacy: str) -> str | None:
            if request.HasField(plain) and getattr(request, plain):
                return str(getattr(request, plain))
            ref = getattr(request, legacy)
            return str(ref.name) if request.HasField(legacy) and ref.HasField("name") and ref.name else None

        creator = named("default_creator_role", "default_creator")
        member = named("default_member_role", "default_member")
        if not creator and not member:
            raise InvalidArgument.field("default_member_role", "required", "name a default creator or member role")
        new_creator, new_member = roles.set_defaults(self.ctx, creator, member)
        return pb.UpdateDefaultRolesResponse(default_creator=_role(new_creator), default_member=_role(new_member))

    # ---- organization roles

    @rpc
    def CreateOrganizationRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        command = CreateRole.model_validate(convert.as_dict(request.role))
        return pb.CreateOrganizationRoleResponse(role=_role(roles.create_role(self.ctx, command, request.org_id)))

    @rpc
    def GetOrganizationRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = roles.get_role(self.ctx, request.role_name, request.org_id, include=_include(request))
        return pb.GetOrganizationRoleResponse(role=_role(view))

    @rpc
    def ListOrganizationRoles(self, request: Any, context: grpc.ServicerContext) -> Any:
        views = roles.list_roles(self.ctx, request.org_id, include=_include(request))
        return pb.ListOrganizationRolesResponse(roles=[_role(v) for v in views])

    @rpc
    def UpdateOrganizationRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        command = UpdateRole.model_validate(convert.as_dict(request.role))
        view = roles.update_role(self.ctx, request.role_name, command, organization_id=request.org_id)
        return pb.UpdateOrganizationRoleResponse(role=_role(view))

    @rpc
    def DeleteOrganizationRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        target = request.reassign_role_name if request.HasField("reassign_role_name") else None
        roles.delete_role(self.ctx, request.role_name, target or None, organization_id=request.org_id)
        return empty_pb2.Empty()

    @rpc
    def DeleteOrganizationRoleBase(self, request: Any, context: grpc.ServicerContext) -> Any:
        roles.remove_base(self.ctx, request.role_name, organization_id=request.org_id)
        return empty_pb2.Empty()

    @rpc
    def UpdateDefaultOrganizationRoles(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = roles.set_organization_default(self.ctx, request.org_id, request.default_member_role)
        return pb.UpdateDefaultOrganizationRolesResponse(default_member=_role(view))

    @rpc
    def GetOrganizationRoleUsersCount(self, request: Any, context: grpc.ServicerContext) -> Any:
        count = roles.users_count(self.ctx, request.role_name, organization_id=request.org_id)
        return pb.GetOrganizationRoleUsersCountResponse(count=count)

    # ---- permissions

    @rpc
    def CreatePermission(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = roles.create_permission(self.ctx, CreatePermission.model_validate(convert.as_dict(request.permission)))
        return pb.CreatePermissionResponse(permission=_permissions([view], granted=False)[0])

    @rpc
    def GetPermission(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = roles.get_permission(self.ctx, request.permission_name)
        return pb.GetPermissionResponse(permission=_permissions([view], granted=False)[0])

    @rpc
    def UpdatePermission(self, request: Any, context: grpc.ServicerContext) -> Any:
        command = UpdatePermission.model_validate(convert.as_dict(request.permission))
        view = roles.update_permission(self.ctx, request.permission_name, command)
        return pb.UpdatePermissionResponse(permission=_permissions([view], granted=False)[0])

    @rpc
    def ListPermissions(self, request: Any, context: grpc.ServicerContext) -> Any:
        paging = page_request(
            request.page_size if request.HasField("page_size") else None,
            request.page_token if request.HasField("page_token") else None,
        )
        kind = cast(Literal["ALL", "SCALEKIT", "ENVIRONMENT"], PERMISSION_TYPES.get(request.type, "ALL"))
        page = roles.list_permissions(self.ctx, paging, kind)
        return pb.ListPermissionsResponse(
            permissions=_permissions(page.items, granted=False),
            next_page_token=page.next_page_token,
            prev_page_token=page.prev_page_token,
            total_size=page.total_size,
        )

    @rpc
    def DeletePermission(self, request: Any, context: grpc.ServicerContext) -> Any:
        roles.delete_permission(self.ctx, request.permission_name)
        return empty_pb2.Empty()

    @rpc
    def ListRolePermissions(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.ListRolePermissionsResponse(
            permissions=_permissions(roles.role_permissions(self.ctx, request.role_name))
        )

    @rpc
    def ListEffectiveRolePermissions(self, request: Any, context: grpc.ServicerContext) -> Any:
        views = roles.role_permissions(self.ctx, request.role_name, inherited=True)
        return pb.ListEffectiveRolePermissionsResponse(permissions=_permissions(views))

    @rpc
    def AddPermissionsToRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        views = roles.add_permissions(self.ctx, request.role_name, list(request.permission_names))
        return pb.AddPermissionsToRoleResponse(permissions=_permissions(views))

    @rpc
    def RemovePermissionFromRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        roles.remove_permission(self.ctx, request.role_name, request.permission_name)
        return empty_pb2.Empty()


def register(server: grpc.Server, ctx: Any) -> None:
    pb_grpc.add_RolesServiceServicer_to_server(RolesService(ctx), server)
