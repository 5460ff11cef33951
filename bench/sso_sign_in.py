"""SSO sign-in latency: the whole browser round trip of an OpenID Connect sign-in through an
organization's connection, against ``tenantry serve`` (a real process, SQLite or PostgreSQL):
``/sso/start`` → the IdP's authorize → Tenantry's callback (code exchange, JWKS, ID token
checks, then JIT provisioning through the seat ledger, or the identity found again).

    python -m bench.sso_sign_in [--users 100] [--database sqlite|postgresql]

The IdP is the tests' small OpenID provider (tests/sso/fake_oidc.py) on loopback, answering at
once, so the figures are Tenantry's own time plus the loopback HTTP calls it makes (token; the JWKS
only when its remembered copy is missing or stale: the run prints how many JWKS fetches it saw).
Then, in this process, ``--key-rounds`` ID token checks each with the JWKS fetched for it (what
every sign-in did before the keys were remembered) and with the remembered keys.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from tests.conftest import ThreadServer
from tests.sso.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc

from bench.common import free_port, header, running_server, scratch_database

DOMAIN = "bench-sso.com"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def keys_cost(idp: FakeOidc, rounds: int) -> tuple[list[float], list[float]]:
    """In this process: an ID token checked against the IdP's JWKS fetched for it (through the
    SSRF-guarded client, as before the keys were remembered) vs. against the remembered keys."""
    from joserfc import jwt

    from tenantry.server.context import build_context
    from tenantry.server.services.federation import jwks
    from tenantry.server.settings import Settings

    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(database_url=f"sqlite:///{scratch}/keys.db", sso_allowed_targets="127.0.0.1")
        ctx = build_context(settings)
        token = jwt.encode({"alg": "RS256", "kid": idp.key.kid}, {"sub": "bench"}, idp.key)

        def check(keys: Any) -> Any:
            return jwt.decode(token, keys, algorithms=["RS256"])

        url, fetched, remembered = f"{idp.issuer}/jwks", [], []
        for _ in range(rounds):
            began = time.perf_counter()
            check(jwks.fetch(ctx, url))
            fetched.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            jwks.verified(ctx, url, check, True)
            remembered.append((time.perf_counter() - began) * 1000)
        ctx.engine.dispose()
    return fetched, remembered


def one_sign_in(url: str, connection_id: str) -> float:
    began = time.perf_counter()
    with httpx.Client(base_url=url, timeout=30) as browser:
        to_idp = browser.get(f"/sso/start?connection_id={connection_id}")
        assert to_idp.status_code == 303, to_idp.text
        back = httpx.get(to_idp.headers["location"], timeout=30)
        assert back.status_code == 302, back.text
        parts = urlsplit(back.headers["location"])
        done = browser.get(f"{parts.path}?{parts.query}")
        assert done.status_code == 303, done.text
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--key-rounds", type=int, default=100, help="ID token checks with the JWKS fetched / remembered"
    )
    args = parser.parse_args()
    header("SSO sign-in (OIDC) latency")
    idp = FakeOidc()
    port = free_port()
    idp.issuer = f"http://127.0.0.1:{port}"
    with (
        ThreadServer(idp.app(), port),
        scratch_database(args.database, "bench_sso") as database_url,
        running_server(database_url, TENANTRY_SSO_ALLOWED_TARGETS="127.0.0.1") as server,
        server.api() as api,
    ):
        org = api.post("/api/v1/organizations", json={"display_name": "Bench"}).json()["organization"]
        domain = api.post(f"/api/v1/organizations/{org['id']}/domains", json={"domain": {"domain": DOMAIN}})
        api.patch(
            f"/api/v1/organizations/{org['id']}/domains/{domain.json()['domain']['id']}:verify",
            json={"verification_method": "ADMIN"},
        ).raise_for_status()
        body = {
            "type": "OIDC",
            "oidc_config": {"issuer": idp.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        }
        connection = api.post(f"/api/v1/organizations/{org['id']}/connections", json={"connection": body}).json()
        connection_id = connection["connection"]["id"]
        api.patch(f"/api/v1/organizations/{org['id']}/connections/{connection_id}:enable").raise_for_status()
        first, again = [], []
        for number in range(args.users):
            idp.user = {"sub": f"u{number}", "email": f"user{number}@{DOMAIN}", "email_verified": True}
            first.append(one_sign_in(server.url, connection_id))
        for number in range(args.users):
            idp.user = {"sub": f"u{number}", "email": f"user{number}@{DOMAIN}", "email_verified": True}
            again.append(one_sign_in(server.url, connection_id))
        members = api.get(f"/api/v1/organizations/{org['id']}/users").json()["total_size"]
        fetches = idp.jwks_requests
        fetched, remembered = keys_cost(idp, args.key_rounds)
    print(f"database: {args.database}; {args.users} users; members afterwards: {members}; JWKS fetches: {fetches}\n")
    print("| sign-in | p50 ms | p99 ms | mean ms |")
    print("|---|---|---|---|")
    for label, values in (("first (JIT: user + membership + identity)", first), ("again (identity found)", again)):
        print(
            f"| {label} | {percentile(values, 50):.1f} | {percentile(values, 99):.1f} | {statistics.mean(values):.1f} |"
        )
    print(f"\nID token check, {args.key_rounds} rounds in process (load average {os.getloadavg()[0]:.1f}):")
    for label, values in (("JWKS fetched for it", fetched), ("JWKS remembered", remembered)):
        print(
            f"| {label} | {percentile(values, 50):.2f} | {percentile(values, 99):.2f} | {statistics.mean(values):.2f} |"
        )


if __name__ == "__main__":
    main()
