"""Per-request cost of the request metrics in the edge middleware (http/edge.py): the same
ASGI application called directly in-process, with metrics on and off, in alternating
rounds, on ``GET /healthz`` and ``GET /api/v1/organizations/{id}`` (SQLite).

    python -m bench.observability [--requests 2000] [--rounds 5]

Calling the application directly leaves out the HTTP server and the network, so the difference
is the middleware's own cost, not hidden in their noise.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, Api

from bench.common import header
from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db.migrate import upgrade
from tenantry.server.http.edge import Edge
from tenantry.server.settings import Settings


def build(database: Path, *, observed: bool) -> FastAPI:
    settings = Settings(
        database_url=f"sqlite:///{database}",
        bootstrap_client_id=BOOTSTRAP_ID,
        bootstrap_client_secret=BOOTSTRAP_SECRET,
        rate_limits_enabled=False,
    )
    ctx = build_context(settings)
    upgrade(ctx.engine)
    app = create_app(context=ctx)
    if not observed:
        for middleware in app.user_middleware:
            if middleware.cls is Edge:
                middleware.kwargs["record_metrics"] = False
    return app


async def call(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]]) -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    assert status == [200], status


async def per_request(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]], count: int) -> float:
    began = time.perf_counter()
    for _ in range(count):
        await call(app, path, headers)
    return (time.perf_counter() - began) / count * 1e6


async def bare_cost(count: int) -> tuple[float, float]:
    """µs per request of an empty ASGI app, alone and inside the edge middleware (no routing noise)."""

    class Route:
        path_format = "/api/v1/organizations/{organization_id}"

    async def empty(scope: Any, receive: Any, send: Any) -> None:
        scope["route"] = Route
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    wrapped = Edge(empty, record_metrics=True, tracer=None, hsts=False, api_bytes=1 << 20, form_bytes=1 << 16)
    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [(b"host", b"bench")]}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(_message: Any) -> None:
        pass

    timings = []
    for app in (empty, wrapped):
        best = float("inf")
        for _ in range(5):
            began = time.perf_counter()
            for _ in range(count):
                await app(dict(scope), receive, send)
            best = min(best, (time.perf_counter() - began) / count * 1e6)
        timings.append(best)
    return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    header("observability middleware: cost per request, in-process")
    alone, inside = asyncio.run(bare_cost(20000))
    print(f"middleware around an empty app: {alone:.1f} µs alone, {inside:.1f} µs inside (+{inside - alone:.1f} µs)")
    with tempfile.TemporaryDirectory() as scratch:
        apps = {name: build(Path(scratch) / "bench.db", observed=name == "with") for name in ("with", "without")}
        with TestClient(apps["with"]) as http:  # lifespan: the bootstrap client; then an organization
            api = Api.login(http)
            org = api.org("Bench")
            auth = [(b"authorization", api.headers["Authorization"].encode())]
        with TestClient(apps["without"]):
            pass
        for path, headers in (("/healthz", []), (f"/api/v1/organizations/{org['id']}", auth)):
            results: dict[str, list[float]] = {"with": [], "without": []}
            for _ in range(args.rounds):
                for name, app in apps.items():
                    results[name].append(asyncio.run(per_request(app, path, headers, args.requests)))
            for figure in (min, statistics.median):  # the fastest round is the least disturbed
                with_, without = figure(results["with"]), figure(results["without"])
                print(
                    f"GET {path.split('/org_')[0]}: {figure.__name__} of {args.rounds} rounds of {args.requests}: "
                    f"{without:.0f} µs without, {with_:.0f} µs with ({with_ - without:+.0f} µs)"
                )


if __name__ == "__main__":
    main()
