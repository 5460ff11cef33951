"""Tenantry served with its gRPC front on one TLS port (as ``tenantry serve`` does), in a thread
of the test process so it shares the test's database and clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tests.conftest import ThreadServer
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
    server = ThreadServer(create_app(context=ctx), port, fronted=ctx)
    with server:
        ca_bundle = tmp_path / "tenantry-dev-ca.pem"
        ca_bundle.write_text(server.certificate)
        yield FrontedSite(f"https://127.0.0.1:{port}", ca_bundle)
