"""Scalekit's ``DomainService`` over the organization-domain use cases the REST API calls
(``services/directory/domains.py``). Requests name the organization by ``organization_id``
or ``external_id``."""

from __future__ import annotations

from typing import Any, cast

import grpc
from google.protobuf import empty_pb2
from scalekit.v1.domains import domains_pb2 as pb
from scalekit.v1.domains import domains_pb2_grpc as pb_grpc

from tenantry.server.domain.domains import DomainType
from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.grpc import convert
from tenantry.server.grpc.calls import Base, rpc
from tenantry.server.services.directory import domains, organizations

TYPES = {pb.ORGANIZATION_DOMAIN: "ORGANIZATION_DOMAIN", pb.ALLOWED_EMAIL_DOMAIN: "ALLOWED_EMAIL_DOMAIN"}


def _type(value: int, default: str | None) -> DomainType | None:
    """A ``DomainType``; unset (``DOMAIN_TYPE_UNSPECIFIED``) = ``default``."""
    return cast(DomainType | None, TYPES.get(value, default))


def _domain(view: Any) -> Any:
    return convert.as_message(view, pb.Domain)


class DomainService(Base, pb_grpc.DomainServiceServicer):
    def _organization(self, request: Any) -> str:
        if request.HasField("external_id") and request.external_id:
            return organizations.get_by_external_id(self.ctx, request.external_id).id
        if not request.organization_id:
            raise InvalidArgument.field("organization_id", "required", "name the organization")
        return str(request.organization_id)

    @rpc
    def CreateDomain(self, request: Any, context: grpc.ServicerContext) -> Any:
        kind = _type(request.domain.domain_type, "ORGANIZATION_DOMAIN")
        assert kind is not None
        view = domains.create(self.ctx, self._organization(request), request.domain.domain, kind)
        return pb.CreateDomainResponse(domain=_domain(view))

    @rpc
    def GetDomain(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetDomainResponse(domain=_domain(domains.get(self.ctx, self._organization(request), request.id)))

    @rpc
    def ListDomains(self, request: Any, context: grpc.ServicerContext) -> Any:
        found = domains.list_(self.ctx, self._organization(request), _type(request.domain_type, None))
        return pb.ListDomainResponse(domains=[_domain(d) for d in found], page_size=len(found), page_number=1)

    @rpc
    def VerifyDomain(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Looks for the TXT record now; ``verified: false`` while it is missing."""
        try:
            view = domains.verify(self.ctx, self._organization(request), request.id, "DNS")
        except domains.DomainNotProved:
            return pb.VerifyDomainResponse(verified=False)
        return pb.VerifyDomainResponse(verified=view.verification_status == "VERIFIED")

    @rpc
    def DeleteDomain(self, request: Any, context: grpc.ServicerContext) -> Any:
        domains.delete(self.ctx, self._organization(request), request.id)
        return empty_pb2.Empty()


def register(server: grpc.Server, ctx: Any) -> None:
    pb_grpc.add_DomainServiceServicer_to_server(DomainService(ctx), server)
