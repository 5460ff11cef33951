"""The gRPC front's own promises (SPEC §15, docs/scalekit.md): one port for gRPC and the web app
in TLS and in clear text, the SDK's doubled ``authorization`` metadata, and Scalekit's ErrorInfo
with our codes and statuses."""

from __future__ import annotations

import ssl

import grpc
import httpx
import pytest
from grpc_status import rpc_status
from scalekit.common.exceptions import ScalekitTooManyRequestsException
from scalekit.v1.errdetails.errdetails_pb2 import ErrorInfo
from scalekit.v1.organizations import organizations_pb2, organizations_pb2_grpc
from scalekit.v1.users.users_pb2 import CreateUser
from sqlalchemy.exc import OperationalError

from scalekit import ScalekitClient
from tenantry.server.grpc import errors
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, token_for


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"api_invitations_per_organization_per_hour": 1})


def error_code(exc: grpc.RpcError) -> str:
    status = rpc_status.from_call(exc)
    assert status is not None, "no grpc-status-details-bin"
    info = ErrorInfo()
    assert status.details[0].Unpack(info)
    return info.error_code


def test_grpc_and_web_share_the_port_in_tls_and_clear_text(fronted_site) -> None:
    tls = ssl.create_default_context(cafile=fronted_site.ca_bundle)
    with httpx.Client(base_url=fronted_site.url, verify=tls) as web:
        token = token_for(web, BOOTSTRAP_ID, BOOTSTRAP_SECRET)
        assert web.get("/healthz").json() == {"status": "ok"}
    clear_url = fronted_site.url.replace("https://", "http://")
    with httpx.Client(base_url=clear_url) as web:
        assert web.get("/healthz").json() == {"status": "ok"}

    host = fronted_site.url.removeprefix("https://")
    request = organizations_pb2.ListOrganizationsRequest(page_size=10)
    secure = grpc.secure_channel(host, grpc.ssl_channel_credentials(fronted_site.ca_bundle.read_bytes()))
    clear = grpc.insecure_channel(host)  # h2c with prior knowledge, the same port
    for channel in (secure, clear):
        stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
        # Two authorization values (the SDK sends its call credentials and its own header): one valid is enough.
        both = (("authorization", "Bearer stale-token"), ("authorization", f"Bearer {token}"))
        assert stub.ListOrganization(request, metadata=both, timeout=10).total_size == 0
        with pytest.raises(grpc.RpcError) as refused:
            stub.ListOrganization(request, metadata=(("authorization", "Bearer stale-token"),), timeout=10)
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
        assert error_code(refused.value) == "unauthenticated"
        with pytest.raises(grpc.RpcError) as missing:
            stub.GetOrganization(organizations_pb2.GetOrganizationRequest(id="org_nope"), metadata=both, timeout=10)
        assert missing.value.code() is grpc.StatusCode.NOT_FOUND and error_code(missing.value) == "not_found"
        channel.close()


def test_rate_limits_are_resource_exhausted_with_our_code(fronted_site, monkeypatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fronted_site.ca_bundle))
    monkeypatch.setenv("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", str(fronted_site.ca_bundle))
    sdk = ScalekitClient(fronted_site.url, BOOTSTRAP_ID, BOOTSTRAP_SECRET)
    org = sdk.organization.create_organization(organizations_pb2.CreateOrganization(display_name="Busy"))[0]
    sdk.users.create_user_and_membership(org.organization.id, CreateUser(email="one@example.com"))
    with pytest.raises(ScalekitTooManyRequestsException) as limited:
        sdk.users.create_user_and_membership(org.organization.id, CreateUser(email="two@example.com"))
    assert limited.value.error_code == "rate_limited"
    trailers = dict(limited.value.args[0].trailing_metadata())
    assert 0 < int(trailers["retry-after"]) <= 3600
    assert sdk.users.list_organization_users(org.organization.id)[0].total_size == 1  # nothing half-written


class Aborted(Exception):
    pass


class RecordingContext:
    def abort_with_status(self, status):
        self.status = status
        raise Aborted


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("organization_user_limit_reached", grpc.StatusCode.FAILED_PRECONDITION),
        ("organization_creation_limit_reached", grpc.StatusCode.FAILED_PRECONDITION),
        ("last_admin", grpc.StatusCode.FAILED_PRECONDITION),
        ("rate_limited", grpc.StatusCode.RESOURCE_EXHAUSTED),
        ("database_unavailable", grpc.StatusCode.UNAVAILABLE),
        ("invalid_argument", grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
def test_one_mapping_from_codes_to_statuses(code, status) -> None:
    assert errors.status_for(code) is status


def test_a_database_outage_is_unavailable_with_our_code() -> None:
    context = RecordingContext()
    with pytest.raises(Aborted):
        errors.handle(context, OperationalError("SELECT 1", {}, ConnectionRefusedError("down")))
    assert context.status.code is grpc.StatusCode.UNAVAILABLE
    details = dict(context.status.trailing_metadata)["grpc-status-details-bin"]
    from google.rpc import status_pb2

    info = ErrorInfo()
    status_pb2.Status.FromString(details).details[0].Unpack(info)
    assert info.error_code == "database_unavailable"
