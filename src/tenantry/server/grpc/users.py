"""Scalekit's ``UserService`` over the user and membership use cases the REST API calls.
Role and permission listings (``ListUserRoles``, ``AssignUserRoles``…) belong with roles."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import empty_pb2
from scalekit.v1.commons import commons_pb2
from scalekit.v1.users import users_pb2 as pb
from scalekit.v1.users import users_pb2_grpc as pb_grpc

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.domain.pagination import Page, page_request
from tenantry.server.grpc import convert
from tenantry.server.grpc.calls import Base, rpc
from tenantry.server.services.commands import CreateUserInOrganization, MembershipInput, RoleInput, UpdateUser
from tenantry.server.services.identity import users
from tenantry.server.services.membership import access, invitations, lifecycle
from tenantry.server.services.read_models.views import RoleRef, UserView


def _list(page: Page[UserView], answer: Any) -> Any:
    # Scalekit's answers have no "estimated" field: past EXACT_COUNT_UP_TO matches of a search
    # or an attribute filter, total_size is the planner's estimate, unflagged (docs/scalekit.md).
    return answer(
        users=[convert.user(u) for u in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )


def _paging(request: Any) -> Any:
    return page_request(request.page_size or None, request.page_token or None)


def _membership_input(message: Any) -> MembershipInput:
    body: dict[str, Any] = {}
    if len(message.roles):
        body["roles"] = [{"name": role.name} for role in message.roles]
    if message.HasField("inviter_email"):
        body["inviter_email"] = message.inviter_email
    return MembershipInput.model_validate(body)


def _send_invitation(request: Any) -> bool:
    """Scalekit's default: an invitation e-mail unless told otherwise."""
    return request.send_invitation_email if request.HasField("send_invitation_email") else True


class UserService(Base, pb_grpc.UserServiceServicer):
    def _user_id(self, request: Any) -> str:
        """The user a request names by ``id`` or ``external_id``. Raises NotFound."""
        if request.WhichOneof("identities") == "external_id":
            return users.id_for_external_id(self.ctx, request.external_id)
        return str(request.id)

    @rpc
    def GetUser(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.WhichOneof("identities") == "external_id":
            return pb.GetUserResponse(user=convert.user(users.get_by_external_id(self.ctx, request.external_id)))
        return pb.GetUserResponse(user=convert.user(users.get(self.ctx, request.id)))

    @rpc
    def ListUsers(self, request: Any, context: grpc.ServicerContext) -> Any:
        return _list(users.list_page(self.ctx, _paging(request)), pb.ListUsersResponse)

    @rpc
    def SearchUsers(self, request: Any, context: grpc.ServicerContext) -> Any:
        page = users.list_page(self.ctx, _paging(request), search=convert.search_query(request.query))
        return _list(page, pb.SearchUsersResponse)

    @rpc
    def SearchOrganizationUsers(self, request: Any, context: grpc.ServicerContext) -> Any:
        query = convert.search_query(request.query)
        page = users.list_page(self.ctx, _paging(request), organization_id=request.organization_id, search=query)
        return _list(page, pb.SearchOrganizationUsersResponse)

    @rpc
    def ListOrganizationUsers(self, request: Any, context: grpc.ServicerContext) -> Any:
        page = users.list_page(self.ctx, _paging(request), organization_id=request.organization_id)
        return _list(page, pb.ListOrganizationUsersResponse)

    @rpc
    def UpdateUser(self, request: Any, context: grpc.ServicerContext) -> Any:
        given = request.user
        body = convert.fields(given, ("external_id", "metadata"))
        if given.HasField("user_profile"):
            body["user_profile"] = convert.profile_input(given.user_profile)
        view = users.update(self.ctx, self._user_id(request), UpdateUser.model_validate(body))
        return pb.UpdateUserResponse(user=convert.user(view))

    @rpc
    def DeleteUser(self, request: Any, context: grpc.ServicerContext) -> Any:
        users.delete_(self.ctx, self._user_id(request))
        return empty_pb2.Empty()

    @rpc
    def CreateUserAndMembership(self, request: Any, context: grpc.ServicerContext) -> Any:
        given = request.user
        body = convert.fields(given, ("email", "external_id", "metadata"))
        if given.HasField("membership"):
            body["membership"] = _membership_input(given.membership)
        if given.HasField("user_profile"):
            body["user_profile"] = convert.profile_input(given.user_profile)
        command = CreateUserInOrganization.model_validate(body)
        view = users.create_in_organization(
            self.ctx, request.organization_id, command, send_invitation=_send_invitation(request)
        )
        return pb.CreateUserAndMembershipResponse(user=convert.user(view))

    @rpc
    def CreateMembership(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = lifecycle.add(
            self.ctx,
            request.organization_id,
            self._user_id(request),
            _membership_input(request.membership),
            send_invitation=_send_invitation(request),
        )
        return pb.CreateMembershipResponse(user=convert.user(view))

    @rpc
    def UpdateMembership(self, request: Any, context: grpc.ServicerContext) -> Any:
        roles = [RoleInput(name=role.name) for role in request.membership.roles]
        view = lifecycle.update_roles(self.ctx, request.organization_id, self._user_id(request), roles)
        return pb.UpdateMembershipResponse(user=convert.user(view))

    @rpc
    def DeleteMembership(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Scalekit's ``cascade`` defaults to true: a user left in no organization is deleted."""
        user_id = self._user_id(request)
        lifecycle.remove(self.ctx, request.organization_id, user_id)
        if request.cascade if request.HasField("cascade") else True:
            users.delete_if_no_memberships(self.ctx, user_id)
        return empty_pb2.Empty()

    @rpc
    def ResendInvite(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = invitations.resend(self.ctx, request.organization_id, request.id)
        invite = pb.Invite(
            organization_id=view.organization_id,
            user_id=view.user_id,
            inviter_email=view.inviter_email or "",
            status=view.status.value,
            resent_count=view.resent_count,
        )
        for name in ("created_at", "expires_at", "resent_at"):
            stamp = convert.timestamp(getattr(view, name))
            if stamp is not None:
                getattr(invite, name).CopyFrom(stamp)
        return pb.ResendInviteResponse(invite=invite)

    @rpc
    def ListUserRoles(self, request: Any, context: grpc.ServicerContext) -> Any:
        held, _ = access.membership_access(self.ctx, request.organization_id, request.user_id)
        return pb.ListUserRolesResponse(roles=_roles(held))

    @rpc
    def AssignUserRoles(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Adds roles to the member (those held stay); answers every role held."""
        wanted = []
        for index, role in enumerate(request.roles):
            name = role.role_name or ""
            if not name:
                raise InvalidArgument.field(f"roles.{index}.role_name", "required", "name the role")
            wanted.append(name)
        held = lifecycle.change_roles(self.ctx, request.organization_id, request.user_id, add=wanted)
        return pb.AssignUserRolesResponse(roles=_roles(held))

    @rpc
    def RemoveUserRole(self, request: Any, context: grpc.ServicerContext) -> Any:
        lifecycle.change_roles(self.ctx, request.organization_id, request.user_id, remove=request.role_name)
        return empty_pb2.Empty()

    @rpc
    def ListUserPermissions(self, request: Any, context: grpc.ServicerContext) -> Any:
        """The member's effective permissions (inherited ones included)."""
        _, granted = access.membership_access(self.ctx, request.organization_id, request.user_id)
        return pb.ListUserPermissionsResponse(
            permissions=[pb.Permission(id=p.id, name=p.name, description=p.description) for p in granted]
        )


def _roles(held: list[RoleRef]) -> list[Any]:
    return [commons_pb2.Role(id=r.id, name=r.name, display_name=r.display_name) for r in held]


def register(server: grpc.Server, ctx: Any) -> None:
    pb_grpc.add_UserServiceServicer_to_server(UserService(ctx), server)
