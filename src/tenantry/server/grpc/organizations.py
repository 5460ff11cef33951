"""Scalekit's ``OrganizationService`` over the organization use cases the REST API calls."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import empty_pb2, wrappers_pb2
from scalekit.v1.organizations import organizations_pb2 as pb
from scalekit.v1.organizations import organizations_pb2_grpc as pb_grpc

from tenantry.server.domain.pagination import Page, page_request
from tenantry.server.grpc import convert
from tenantry.server.grpc.calls import Base, rpc
from tenantry.server.services.commands import CreateOrganization, OrganizationSettingsInput, UpdateOrganization
from tenantry.server.services.directory import organizations
from tenantry.server.services.identity import session_policy
from tenantry.server.services.identity.session_policy import SessionPolicyInput
from tenantry.server.services.portal import links
from tenantry.server.services.portal.links import LinkView
from tenantry.server.services.read_models.views import OrganizationView

UPDATABLE = ("display_name", "external_id", "metadata", "slug", "logo_url")


def _list(page: Page[OrganizationView], answer: Any) -> Any:
    return answer(
        organizations=[convert.organization(o) for o in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )


class OrganizationService(Base, pb_grpc.OrganizationServiceServicer):
    def _id(self, request: Any) -> str:
        """The organization a request names by ``id`` or ``external_id``. Raises NotFound."""
        if request.WhichOneof("identities") == "external_id":
            return organizations.get_by_external_id(self.ctx, request.external_id).id
        return str(request.id)

    @rpc
    def CreateOrganization(self, request: Any, context: grpc.ServicerContext) -> Any:
        given = request.organization
        body = convert.fields(given, ("display_name", "external_id", "metadata", "slug", "logo_url"))
        if given.region_code:
            body["region_code"] = convert.REGIONS.get(given.region_code, str(given.region_code))
        view = organizations.create(self.ctx, CreateOrganization.model_validate(body))
        return pb.CreateOrganizationResponse(organization=convert.organization(view))

    @rpc
    def UpdateOrganization(self, request: Any, context: grpc.ServicerContext) -> Any:
        mask = frozenset(request.update_mask.paths) if request.HasField("update_mask") else frozenset()
        command = UpdateOrganization.model_validate(convert.fields(request.organization, UPDATABLE, mask))
        view = organizations.update(self.ctx, self._id(request), command)
        return pb.UpdateOrganizationResponse(organization=convert.organization(view))

    @rpc
    def GetOrganization(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = organizations.get(self.ctx, self._id(request))
        return pb.GetOrganizationResponse(organization=convert.organization(view))

    @rpc
    def GetOrganizationByExternalId(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = organizations.get_by_external_id(self.ctx, request.external_id)
        return pb.GetOrganizationResponse(organization=convert.organization(view))

    @rpc
    def ListOrganization(self, request: Any, context: grpc.ServicerContext) -> Any:
        paging = page_request(request.page_size or None, request.page_token or None)
        external_id = request.external_id if request.HasField("external_id") else None
        return _list(organizations.list_page(self.ctx, paging, external_id=external_id), pb.ListOrganizationsResponse)

    @rpc
    def SearchOrganization(self, request: Any, context: grpc.ServicerContext) -> Any:
        paging = page_request(request.page_size or None, request.page_token or None)
        query = convert.search_query(request.query)
        return _list(organizations.list_page(self.ctx, paging, query), pb.SearchOrganizationsResponse)

    @rpc
    def DeleteOrganization(self, request: Any, context: grpc.ServicerContext) -> Any:
        organizations.delete_(self.ctx, self._id(request))
        return empty_pb2.Empty()

    @rpc
    def UpdateOrganizationSettings(self, request: Any, context: grpc.ServicerContext) -> Any:
        command = OrganizationSettingsInput.model_validate(
            {"features": [{"name": f.name, "enabled": f.enabled} for f in request.settings.features]}
        )
        view = organizations.update_features(self.ctx, request.id, command)
        return pb.GetOrganizationResponse(organization=convert.organization(view))

    @rpc
    def UpsertUserManagementSettings(self, request: Any, context: grpc.ServicerContext) -> Any:
        settings = request.settings
        if settings.HasField("max_allowed_users"):
            result = organizations.set_max_allowed_users(
                self.ctx, request.organization_id, settings.max_allowed_users.value
            )
        else:
            result = organizations.get_user_management(self.ctx, request.organization_id)
        return pb.UpsertUserManagementSettingsResponse(settings=_user_management(result.max_allowed_users))

    @rpc
    def GeneratePortalLink(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = links.create(self.ctx, request.id, _portal_features(request))
        return pb.GeneratePortalLinkResponse(link=_link(view))

    @rpc
    def GetPortalLinks(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetPortalLinksResponse(links=[_link(view) for view in links.list_(self.ctx, request.id)])

    @rpc
    def DeletePortalLink(self, request: Any, context: grpc.ServicerContext) -> Any:
        links.revoke(self.ctx, request.id)
        return empty_pb2.Empty()

    @rpc
    def DeletePortalLinkByID(self, request: Any, context: grpc.ServicerContext) -> Any:
        links.revoke(self.ctx, request.id, request.link_id)
        return empty_pb2.Empty()

    @rpc
    def GetOrganizationSessionPolicy(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = session_policy.get(self.ctx, request.organization_id)
        return pb.GetOrganizationSessionPolicyResponse(policy=_policy(view))

    @rpc
    def UpdateOrganizationSessionPolicy(self, request: Any, context: grpc.ServicerContext) -> Any:
        """An unset ``policy_source`` is refused (as Scalekit's validation does) by the command."""
        body = convert.as_dict(request)
        body.pop("organization_id", None)
        view = session_policy.update(self.ctx, request.organization_id, SessionPolicyInput.model_validate(body))
        return pb.UpdateOrganizationSessionPolicyResponse(policy=_policy(view))

    @rpc
    def GetOrganizationUserManagementSetting(self, request: Any, context: grpc.ServicerContext) -> Any:
        result = organizations.get_user_management(self.ctx, request.organization_id)
        return pb.GetOrganizationUserManagementSettingsResponse(settings=_user_management(result.max_allowed_users))


def _policy(view: session_policy.SessionPolicyView) -> Any:
    return convert.as_message(view.model_dump(exclude_none=True), pb.OrganizationSessionPolicySettings)


def _link(view: LinkView) -> Any:
    return pb.Link(id=view.id, location=view.location or "", expire_time=convert.timestamp(view.expire_time))


def _portal_features(request: Any) -> list[str] | None:
    """The features a GeneratePortalLink asks for: the enum, or the deprecated flags. A
    number outside the enum (proto3 keeps it) goes on as itself, for the rules to refuse."""
    known = pb.Feature.values()
    named = [pb.Feature.Name(value) if value in known else str(value) for value in request.features if value]
    named += ["sso"] * request.sso + ["dir_sync"] * request.directory_sync
    return named or None


def _user_management(limit: int | None) -> Any:
    settings = pb.OrganizationUserManagementSettings()
    if limit is not None:
        settings.max_allowed_users.CopyFrom(wrappers_pb2.Int32Value(value=limit))
    return settings


def register(server: grpc.Server, ctx: Any) -> None:
    pb_grpc.add_OrganizationServiceServicer_to_server(OrganizationService(ctx), server)
