"""Fixtures of the domain and SSO tests: a loopback DNS server the app resolves through."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tenantry.server.settings import Settings
from tests.conftest import ThreadServer
from tests.dns_server import LoopbackDns
from tests.helpers import free_port
from tests.interop import oidc_idp, saml_idp
from tests.interop.saml_idp import SamlIdp
from tests.sso.fake_oidc import FakeOidc


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
    return settings.model_copy(
        update={
            "dns_nameservers": _dns_server.address,
            "dns_timeout_seconds": 0.5,
            "sso_allowed_targets": "127.0.0.1",  # the test identity providers listen on loopback
        }
    )


@pytest.fixture(scope="session")
def _fake_oidc() -> Iterator[FakeOidc]:
    idp = FakeOidc()
    port = free_port()
    idp.issuer = f"http://127.0.0.1:{port}"
    with ThreadServer(idp.app(), port):
        yield idp


@pytest.fixture
def fake_oidc(_fake_oidc: FakeOidc) -> FakeOidc:
    _fake_oidc.user = {}
    _fake_oidc.overrides = {}
    _fake_oidc.sign_with_other_key = False
    _fake_oidc.token_requests.clear()
    _fake_oidc.github_emails = []
    _fake_oidc.first_keys = _fake_oidc.first_keys or (_fake_oidc.key, _fake_oidc.other_key)
    _fake_oidc.key, _fake_oidc.other_key = _fake_oidc.first_keys
    _fake_oidc.jwks_requests = 0
    return _fake_oidc


@pytest.fixture(scope="session")
def _saml_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamlIdp]:
    missing = saml_idp.available()
    if missing:
        pytest.skip(missing)
    idp = saml_idp.start(tmp_path_factory.mktemp("saml-idp"), free_port())
    yield idp
    idp.stop()


@pytest.fixture
def saml(_saml_idp: SamlIdp) -> SamlIdp:
    return _saml_idp


@pytest.fixture
def node_idp_start(tmp_path: Path) -> Iterator[Callable[..., oidc_idp.OidcIdp]]:
    """Start node-oidc-provider (an IdP nobody here wrote) with one client, ``tenantry``,
    whose redirect URI is known once the connection exists; stopped after the test."""
    missing = oidc_idp.available()
    if missing:
        pytest.skip(missing)
    started: list[oidc_idp.OidcIdp] = []

    def start(redirect_uri: str, users: list[dict[str, object]], client_secret: str) -> oidc_idp.OidcIdp:
        client = {"client_id": "tenantry", "client_secret": client_secret, "redirect_uris": [redirect_uri]}
        idp = oidc_idp.start(tmp_path / f"idp-{len(started)}", free_port(), clients=[client], users=users)
        started.append(idp)
        return idp

    yield start
    for idp in started:
        idp.stop()
