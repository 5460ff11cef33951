"""``tenantry serve --workers N`` serves Scalekit's gRPC API, in clear text (h2c) and over TLS,
on the one port its processes share (docs/scalekit.md). Before, only HTTP was served with
several processes, so every gRPC call here failed."""

from __future__ import annotations

import ssl

import grpc
import httpx
import pytest
from scalekit.v1.organizations import organizations_pb2, organizations_pb2_grpc

from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, free_port, token_for
from tests.live.conftest import server_env
from tests.serving import ServeProcess

pytest.importorskip("scalekit", reason="needs the extra tenantry[scalekit]")


@pytest.mark.once
def test_grpc_with_several_server_processes(database_url, engine) -> None:
    port = free_port()
    server = ServeProcess(server_env(database_url), port, args=["--workers", "2"], processes=2)
    try:
        server.start()
        with httpx.Client(base_url=server.url, timeout=30) as web:
            token = token_for(web, BOOTSTRAP_ID, BOOTSTRAP_SECRET)
        auth = (("authorization", f"Bearer {token}"),)
        host = f"127.0.0.1:{port}"
        certificate = ssl.get_server_certificate(("127.0.0.1", port)).encode()  # the shared development one
        created = None
        # A fresh connection each time: the processes share the socket, either may accept it
        # (which one is the kernel's choice, so the test cannot insist on both).
        for attempt in range(8):
            if attempt % 2:
                channel = grpc.secure_channel(host, grpc.ssl_channel_credentials(certificate))
            else:
                channel = grpc.insecure_channel(host)
            with channel:
                stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
                if created is None:
                    made = stub.CreateOrganization(
                        organizations_pb2.CreateOrganizationRequest(
                            organization=organizations_pb2.CreateOrganization(display_name="Hooli")
                        ),
                        metadata=auth,
                        timeout=30,
                    )
                    created = made.organization.id
                got = stub.GetOrganization(
                    organizations_pb2.GetOrganizationRequest(id=created), metadata=auth, timeout=30
                )
                assert got.organization.display_name == "Hooli"
    finally:
        assert server.stop() == 0, server.output()
