"""Fixtures of the domain and SSO tests: a loopback DNS server the app resolves through."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tenantry.server.settings import Settings
from tests.dns_server import LoopbackDns


@pytest.fixture(scope="session")
def _dns_server() -> Iterator[LoopbackDns]:
    with LoopbackDns() as server:
        yield server


@pytest.fixture
def dns(_dns_server: LoopbackDns) -> Iterator[LoopbackDns]:
    _dns_server.txt.clear()
    _dns_server.silent = False
    yield _dns_server
    _dns_server.txt.clear()
    _dns_server.silent = False


@pytest.fixture
def settings(settings: Settings, _dns_server: LoopbackDns) -> Settings:
    return settings.model_copy(update={"dns_nameservers": _dns_server.address, "dns_timeout_seconds": 0.5})
