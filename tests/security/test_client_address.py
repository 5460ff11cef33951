"""Whose address a rate limit counts (issue 15 item 8, trusted proxies): ``tenantry serve``
believes ``X-Forwarded-For`` only from the peers in ``TENANTRY_TRUSTED_PROXIES``
(uvicorn's ``forwarded_allow_ips``). A real server process is started with the trusted proxy
at 127.0.0.2; the test's clients connect from 127.0.0.1 (untrusted, anybody) and from
127.0.0.2 (the reverse proxy). Failures of a client secret are limited per (client, address):
30 a minute, then 429."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, free_port
from tests.live.conftest import server_env
from tests.serving import ServeProcess

TRUSTED_PROXY = "127.0.0.2"
ATTACKER, OWNER = "203.0.113.7", "198.51.100.2"


@pytest.fixture(scope="module")
def served(database_url: str, engine) -> Iterator[str]:  # type: ignore[no-untyped-def]
    env = server_env(database_url, TENANTRY_RATE_LIMITS_ENABLED="true", TENANTRY_TRUSTED_PROXIES=TRUSTED_PROXY)
    server = ServeProcess(env, free_port())
    try:
        yield server.start().url
    finally:
        server.close()


def client_from(site: str, peer: str) -> httpx.Client:
    """A client whose connections come from ``peer`` (any 127.x address reaches the loopback)."""
    return httpx.Client(base_url=site, timeout=30, transport=httpx.HTTPTransport(local_address=peer))


def token(client: httpx.Client, secret: str, forwarded_for: str) -> int:
    data = {"grant_type": "client_credentials", "client_id": BOOTSTRAP_ID, "client_secret": secret}
    return client.post("/oauth/token", data=data, headers={"X-Forwarded-For": forwarded_for}).status_code


@pytest.mark.once  # the server's address handling, whatever the database
def test_an_untrusted_peers_forwarded_for_is_ignored_and_a_trusted_proxys_is_honoured(served: str):
    # Anybody: a made-up X-Forwarded-For on each request does not make each a new address
    # (that would escape the limit); the socket's peer is counted, so the 31st is refused.
    with client_from(served, "127.0.0.1") as anybody:
        answers = [token(anybody, f"wrong {i}", f"192.0.2.{i}") for i in range(31)]
        assert answers == [401] * 30 + [429]

    # The trusted proxy: the address it forwards is counted, so the guesser behind it is
    # slowed and the owner behind the same proxy is not.
    with client_from(served, TRUSTED_PROXY) as proxy:
        answers = [token(proxy, f"wrong {i}", ATTACKER) for i in range(31)]
        assert answers == [401] * 30 + [429]
        assert token(proxy, BOOTSTRAP_SECRET, OWNER) == 200
        assert token(proxy, BOOTSTRAP_SECRET, ATTACKER) == 429
