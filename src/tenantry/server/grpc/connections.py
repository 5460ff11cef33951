"""Scalekit's ``ConnectionService`` over the use cases the REST API calls: organizations' SSO
connections (``services/federation/connections.py``) and the environment's connections, which
in Tenantry are its social sign-in connections (``social_connections.py``, REST
``/api/v1/connections``). Scalekit's *app* connections (``ListAppConnections``, ``flags.is_app``:
credentials its agent toolkit holds for third-party APIs) are not a Tenantry concept:
``ListAppConnections`` answers UNIMPLEMENTED and creating one is refused."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import empty_pb2
from scalekit.v1.connections import connections_pb2 as pb
from scalekit.v1.connections import connections_pb2_grpc as pb_grpc

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.grpc import convert
from tenantry.server.grpc.calls import Base, rpc
from tenantry.server.services.federation import connections, social_connections
from tenantry.server.services.federation.commands import ConnectionInput, SocialConnectionInput
from tenantry.server.services.read_models.connections import Connection
from tenantry.server.services.read_models.social_connections import SocialConnection

SCOPES = frozenset(pb.OIDCScope.keys())
PROVIDERS = frozenset(pb.ConnectionProvider.keys())


def _shape(view: Connection) -> dict[str, Any]:
    """The REST answer, with the few fields whose protobuf shape differs."""
    data = view.model_dump(mode="json")
    if data["provider"] not in PROVIDERS:
        data["provider"] = "CUSTOM"
    if oidc := data.get("oidc_config"):
        oidc["scopes"] = [scope for scope in oidc.get("scopes") or [] if scope in SCOPES]
    if saml := data.get("saml_config"):
        saml["idp_certificates"] = [{"certificate": pem} for pem in saml.get("idp_certificates") or []]
        saml["allow_idp_initiated_login"] = saml.pop("idp_initiated_enabled", False)
    return data


def _connection(view: Connection) -> Any:
    return convert.as_message(_shape(view), pb.Connection)


def _listed(view: Connection) -> Any:
    data = _shape(view)
    data["created_at"] = data.pop("create_time")
    return convert.as_message(data, pb.ListConnection)


# An OIDC social connection's discovery settings travel in Scalekit's ``oidc_config``.
OIDC_ONLY = ("issuer", "discovery_endpoint", "jwks_uri")


def _social(view: SocialConnection) -> Any:
    data = view.model_dump(mode="json")
    oauth = data["oauth_config"]
    if data["type"] == "OIDC":
        data["oidc_config"] = {key: oauth[key] for key in OIDC_ONLY if oauth.get(key)}
    return convert.as_message(data, pb.Connection)


def _social_input(given: Any) -> SocialConnectionInput:
    """An environment connection's create or update message as the REST body: ``oidc_config``'s
    discovery settings join ``oauth_config``; fields Tenantry has no use for are refused by the
    command, not dropped."""
    body = convert.as_dict(given)
    oidc = body.pop("oidc_config", None)
    if oidc is not None:
        oidc.pop("scopes", None)  # OIDC scopes as Scalekit's enum; oauth_config.scopes carries them
        body["oauth_config"] = {**oidc, **body.get("oauth_config", {})}
    return SocialConnectionInput.model_validate(body)


class ConnectionService(Base, pb_grpc.ConnectionServiceServicer):
    @rpc
    def CreateConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        given = request.connection
        body: dict[str, Any] = {}
        if given.type:
            body["type"] = pb.ConnectionType.Name(given.type)
        if given.provider:
            body["provider"] = pb.ConnectionProvider.Name(given.provider)
        view = connections.create(self.ctx, request.organization_id, ConnectionInput.model_validate(body))
        return pb.CreateConnectionResponse(connection=_connection(view))

    @rpc
    def GetConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = connections.get(self.ctx, request.organization_id, request.id)
        return pb.GetConnectionResponse(connection=_connection(view))

    @rpc
    def ListConnections(self, request: Any, context: grpc.ServicerContext) -> Any:
        """By ``organization_id``, or by ``domain`` (the connections of the organization that
        verified it)."""
        if request.HasField("organization_id") and request.organization_id:
            found = connections.list_(self.ctx, request.organization_id)
        elif request.HasField("domain") and request.domain:
            found = connections.list_for_domain(self.ctx, request.domain)
        else:
            raise InvalidArgument.field("organization_id", "required", "name an organization or a domain")
        return pb.ListConnectionsResponse(connections=[_listed(v) for v in found])

    @rpc
    def EnableConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = connections.set_enabled(self.ctx, request.organization_id, request.id, True)
        return pb.ToggleConnectionResponse(enabled=view.enabled)

    @rpc
    def DisableConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = connections.set_enabled(self.ctx, request.organization_id, request.id, False)
        return pb.ToggleConnectionResponse(enabled=view.enabled)

    @rpc
    def DeleteConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        connections.delete(self.ctx, request.organization_id, request.id)
        return empty_pb2.Empty()

    # ---- the environment's connections (social sign-in)

    @rpc
    def CreateEnvironmentConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.flags.is_app:
            raise InvalidArgument.field("flags.is_app", "unsupported", "Tenantry has no app connections")
        view = social_connections.create(self.ctx, _social_input(request.connection))
        return pb.CreateConnectionResponse(connection=_social(view))

    @rpc
    def GetEnvironmentConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetConnectionResponse(connection=_social(social_connections.get(self.ctx, request.connection_id)))

    @rpc
    def UpdateEnvironmentConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = social_connections.update(self.ctx, request.connection_id, _social_input(request.connection))
        return pb.UpdateConnectionResponse(connection=_social(view))

    @rpc
    def EnableEnvironmentConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = social_connections.set_enabled(self.ctx, request.connection_id, True)
        return pb.ToggleConnectionResponse(enabled=view.enabled)

    @rpc
    def DisableEnvironmentConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        view = social_connections.set_enabled(self.ctx, request.connection_id, False)
        return pb.ToggleConnectionResponse(enabled=view.enabled)

    @rpc
    def DeleteEnvironmentConnection(self, request: Any, context: grpc.ServicerContext) -> Any:
        social_connections.delete(self.ctx, request.connection_id)
        return empty_pb2.Empty()


def register(server: grpc.Server, ctx: Any) -> None:
    pb_grpc.add_ConnectionServiceServicer_to_server(ConnectionService(ctx), server)
