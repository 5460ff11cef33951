"""Tenantry served with its gRPC front on one TLS port (as ``tenantry serve`` does), in a thread
of the test process so it shares the test's database and clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.grpc import hosting
from tenantry.server.services.integration import server_secrets
from tests.helpers import free_port

pytest.importorskip("scalekit", reason="needs the extra tenantry[scalekit]")


class FrontedSite:
    def __init__(self, url: str, ca_bundle: Path) -> None:
        self.url = url
        self.ca_bundle = ca_bundle


@pytest.fixture
def fronted_site(settings, clock, engine, tmp_path: Path) -> Iterator[FrontedSite]:
    port = free_port()
    ctx = build_context(settings.model_copy(update={"public_url": f"https://127.0.0.1:{port}"}), clock, engine=engine)
    config = uvicorn.Config(create_app(context=ctx), host="127.0.0.1", port=port, log_level="warning")
    server, clean_up = hosting.fronted_server(ctx, config)
    server.tls(), server.grpc()  # made on first use; here up front, so no call waits for them
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped before it started"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    ca_bundle = tmp_path / "tenantry-dev-ca.pem"
    ca_bundle.write_text(server_secrets.development_certificate(ctx)[0])
    try:
        yield FrontedSite(f"https://127.0.0.1:{port}", ca_bundle)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        clean_up()
