"""What the one-port front costs (docs/scalekit.md): sequential requests on loopback, median and
99th percentile, for uvicorn alone, the web app behind the front (clear text and TLS), and a gRPC
call through the front with the official SDK.

    .venv/bin/python -m bench.scalekit_front [requests]
"""

from __future__ import annotations

import os
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable

import httpx
import uvicorn

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db.engine import create_db_engine
from tenantry.server.db.migrate import upgrade
from tenantry.server.grpc import hosting
from tenantry.server.services.integration import server_secrets
from tenantry.server.settings import Settings

CLIENT, SECRET = "bench-client", "bench-secret-0123456789"


def timed(label: str, call: Callable[[], object], n: int) -> None:
    for _ in range(min(50, n)):
        call()  # warm up
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p99 = samples[int(len(samples) * 0.99) - 1]
    print(f"| {label} | {statistics.median(samples):.2f} ms | {p99:.2f} ms |", flush=True)


def serve(server: uvicorn.Server) -> None:
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)


def main(n: int) -> None:
    directory = tempfile.mkdtemp()
    url = f"sqlite:///{directory}/bench.db"
    upgrade(create_db_engine(url))
    settings = Settings(
        database_url=url,
        bootstrap_client_id=CLIENT,
        bootstrap_client_secret=SECRET,
        rate_limits_enabled=False,
        public_url="https://127.0.0.1:18443",
    )
    ctx = build_context(settings)
    plain = uvicorn.Server(uvicorn.Config(create_app(context=ctx), host="127.0.0.1", port=18080, log_level="warning"))
    serve(plain)
    fronted, clean_up = hosting.fronted_server(
        ctx, uvicorn.Config(create_app(context=ctx), host="127.0.0.1", port=18443, log_level="warning")
    )
    serve(fronted)
    ca = os.path.join(directory, "ca.pem")
    with open(ca, "w") as out:
        out.write(server_secrets.development_certificate(ctx)[0])
    print("| path | median | p99 |\n|---|---|---|")
    with httpx.Client() as web:
        timed("`GET /healthz`, uvicorn alone (HTTP/1.1)", lambda: web.get("http://127.0.0.1:18080/healthz"), n)
        timed("`GET /healthz`, behind the front (HTTP/1.1)", lambda: web.get("http://127.0.0.1:18443/healthz"), n)
    with httpx.Client(verify=ssl.create_default_context(cafile=ca)) as web:
        timed("`GET /healthz`, behind the front (HTTPS)", lambda: web.get("https://127.0.0.1:18443/healthz"), n)
    os.environ["REQUESTS_CA_BUNDLE"] = ca
    os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = ca
    from scalekit.v1.organizations.organizations_pb2 import CreateOrganization

    from scalekit import ScalekitClient

    sdk = ScalekitClient("https://127.0.0.1:18443", CLIENT, SECRET)
    org = sdk.organization.create_organization(CreateOrganization(display_name="Bench"))[0].organization
    timed("`GetOrganization`, SDK over gRPC+TLS via the front", lambda: sdk.organization.get_organization(org.id), n)
    with httpx.Client() as web:
        token = web.post(
            "http://127.0.0.1:18080/oauth/token",
            data={"grant_type": "client_credentials", "client_id": CLIENT, "client_secret": SECRET},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        path = f"http://127.0.0.1:18080/api/v1/organizations/{org.id}"
        timed("`GET /api/v1/organizations/{id}`, REST, uvicorn alone", lambda: web.get(path, headers=headers), n)
    # Answers built from the REST representation (convert.as_message): the catalogue's 2 roles.
    timed("`ListRoles`, SDK over gRPC+TLS via the front", lambda: sdk.roles.list_roles(), n)
    with httpx.Client() as web:
        roles = "http://127.0.0.1:18080/api/v1/roles"
        timed("`GET /api/v1/roles`, REST, uvicorn alone", lambda: web.get(roles, headers=headers), n)
    plain.should_exit = fronted.should_exit = True
    time.sleep(1)
    clean_up()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
