"""Scalekit's ``DirectoryService`` over the directory use cases the REST API calls
(``services/provisioning/directories.py``), answering the same shapes
(``services/read_models/directories.py``)."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import empty_pb2
from scalekit.v1.directories import directories_pb2 as pb
from scalekit.v1.directories import directories_pb2_grpc as pb_grpc

from tenantry.server.domain.pagination import Page, page_request
from tenantry.server.grpc import convert
from tenantry.server.grpc.calls import Base, rpc
from tenantry.server.services.provisioning import directories
from tenantry.server.services.provisioning.directories import DirectoryView
from tenantry.server.services.read_models import directories as read

PROVIDERS = frozenset(pb.DirectoryProvider.keys())


def _directory(view: DirectoryView) -> Any:
    data = read.directory(view).model_dump(mode="json")
    if data["directory_provider"] not in PROVIDERS:  # CUSTOM: Scalekit has no such provider
        data["directory_provider"] = "DIRECTORY_PROVIDER_UNSPECIFIED"
    return convert.as_message(data, pb.Directory)


def _paging(request: Any) -> Any:
    return page_request(request.page_size or None, request.page_token or None)


def _listed(answer: Any, page: Page[Any]) -> Any:
    answer.total_size = page.total_size
    answer.next_page_token = page.next_page_token
    answer.prev_page_token = page.prev_page_token
    return answer


class DirectoryService(Base, pb_grpc.DirectoryServiceServicer):
    @rpc
    def CreateDirectory(self, request: Any, context: grpc.ServicerContext) -> Any:
        provider = request.directory.directory_provider
        name = pb.DirectoryProvider.Name(provider) if provider else None
        view = directories.create(self.ctx, request.organization_id, None, name)
        return pb.CreateDirectoryResponse(directory=_directory(view))

    @rpc
    def GetDirectory(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = directories.get(self.ctx, request.organization_id, request.id)
        return pb.GetDirectoryResponse(directory=_directory(view))

    @rpc
    def ListDirectories(self, request: Any, context: grpc.ServicerContext) -> Any:
        views = directories.list_(self.ctx, request.organization_id)
        return pb.ListDirectoriesResponse(directories=[_directory(v) for v in views])

    @rpc
    def EnableDirectory(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = directories.update(self.ctx, request.organization_id, request.id, enabled=True)
        return pb.ToggleDirectoryResponse(enabled=view.enabled)

    @rpc
    def DisableDirectory(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = directories.update(self.ctx, request.organization_id, request.id, enabled=False)
        return pb.ToggleDirectoryResponse(enabled=view.enabled)

    @rpc
    def DeleteDirectory(self, request: Any, context: grpc.ServicerContext) -> Any:
        directories.delete(self.ctx, request.organization_id, request.id)
        return empty_pb2.Empty()

    @rpc
    def ListDirectoryUsers(self, request: Any, context: grpc.ServicerContext) -> Any:
        page = directories.list_users(self.ctx, request.organization_id, request.directory_id, _paging(request))
        users = [convert.as_message(read.directory_user(u), pb.DirectoryUser) for u in page.items]
        return _listed(pb.ListDirectoryUsersResponse(users=users), page)

    @rpc
    def ListDirectoryGroups(self, request: Any, context: grpc.ServicerContext) -> Any:
        page = directories.list_groups(self.ctx, request.organization_id, request.directory_id, _paging(request))
        groups = [convert.as_message(read.directory_group(g), pb.DirectoryGroup) for g in page.items]
        return _listed(pb.ListDirectoryGroupsResponse(groups=groups), page)

    @rpc
    def CreateDirectorySecret(self, request: Any, context: grpc.ServicerContext) -> Any:
        token, secret = directories.create_secret(self.ctx, request.organization_id, request.directory_id)
        return pb.CreateDirectorySecretResponse(
            plain_secret=token, secret=convert.as_message(read.secret(secret), pb.Secret)
        )

    @rpc
    def RegenerateDirectorySecret(self, request: Any, context: grpc.ServicerContext) -> Any:
        token, secret = directories.create_secret(self.ctx, request.organization_id, request.directory_id)
        answer = convert.as_message(read.secret(secret), pb.Secret)
        return pb.RegenerateDirectorySecretResponse(plain_secret=token, secret=answer)

    @rpc
    def AssignRoles(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Replaces the group → role mapping (``role_name`` per group; ``role_id`` is ignored)."""
        wanted = [{"group_id": a.group_id, "role_name": a.role_name} for a in request.role_assignments.assignments]
        view = directories.assign_roles(self.ctx, request.organization_id, request.id, wanted)
        mapped = convert.as_message(read.role_assignments(view), pb.RoleAssignments)
        return pb.AssignRolesResponse(role_assignments=mapped)

    @rpc
    def UpdateAttributes(self, request: Any, context: grpc.ServicerContext) -> Any:
        wanted = [{"key": m.key, "map_to": m.map_to} for m in request.attribute_mapping.attributes]
        view = directories.update_attributes(self.ctx, request.organization_id, request.id, wanted)
        mapped = convert.as_message(read.attribute_mappings(view), pb.AttributeMappings)
        return pb.UpdateAttributesResponse(attribute_mappings=mapped)


def register(server: grpc.Server, ctx: Any) -> None:
    pb_grpc.add_DirectoryServiceServicer_to_server(DirectoryService(ctx), server)
