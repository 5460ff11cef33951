"""Operations over HTTP: a request id on every answer, request metrics, traces, and the
``/metrics`` and ``/readyz`` endpoints (``/healthz`` stays a liveness probe that touches nothing).

The middleware is pure ASGI and does little per request: a header scan, two label look-ups and a
clock read (bench/observability.py measures it).
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantry.server.context import Context
from tenantry.server.email.jobs import jobs
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.observability import metrics, tracing
from tenantry.server.observability.logs import request_id, request_id_from
from tenantry.server.services.integration import operations, origins

# RetryingRoute like every route (tests/unit/test_layering.py), though neither runs a transaction
readiness = APIRouter(include_in_schema=False, route_class=RetryingRoute)
exposition = APIRouter(include_in_schema=False, route_class=RetryingRoute)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    """The route that answered (``/api/v1/organizations/{organization_id}``), the mount for
    static files (``/static/{path}``), or one label for every path nothing serves."""
    fastapi_scope = scope.get("fastapi")
    # Newer FastAPI keeps included routers nested: scope["route"] is the inner route (its path
    # without the router's prefix) and the full template is on the effective route context.
    effective = fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    template = getattr(effective, "path_format", None) or getattr(scope.get("route"), "path_format", None)
    if isinstance(template, str) and template:
        return template
    mounted = scope.get("root_path", "")[len(scope.get("app_root_path", "")) :]
    return f"{mounted}/{{path}}" if mounted else metrics.UNMATCHED_ROUTE


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode("latin-1")
    return None


class Observability:
    def __init__(self, app: ASGIApp, *, record_metrics: bool, tracer: Any | None) -> None:
        self.app = app
        self.record_metrics = record_metrics
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_from(_incoming_request_id(scope))
        token = request_id.set(rid)
        client = scope.get("client")
        origins.set_for_request(client[0] if client else None)  # sessions record it (services/integration/origins.py)
        span = tracing.RequestSpan(self.tracer, scope["method"], scope["headers"]) if self.tracer else None
        status = 500  # unless an answer starts: an exception escaped to the outermost handler
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        if self.record_metrics:
            metrics.http_in_flight.inc()
        jobs.request_started()  # background e-mail work waits for the process to be idle
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            jobs.request_ended()
            route = route_template(scope)
            if self.record_metrics:
                metrics.http_in_flight.dec()
                method = scope["method"] if scope["method"] in _METHODS else "OTHER"  # clients choose methods
                counted, timed = metrics.http_series(method, route, status)
                counted.inc()
                timed.observe(time.perf_counter() - started)
            if span is not None:
                span.end(scope["method"], route, status, rid)
            request_id.reset(token)


def _context(request: Request) -> Context:
    return request.app.state.context


@readiness.get("/readyz")
async def readyz(request: Request) -> Response:
    """Ready to serve: the database answers. 503 otherwise, so a balancer sends requests elsewhere."""
    if await run_in_threadpool(operations.database_ready, _context(request)):
        return JSONResponse({"status": "ready"})
    return JSONResponse(
        {"status": "unavailable", "code": "database_unavailable"}, status_code=503, headers={"Retry-After": "5"}
    )


@exposition.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    ctx = _context(request)
    expected = ctx.settings.metrics_token
    if expected is not None:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            metrics.refused("unauthenticated")
            return JSONResponse(
                {
                    "code": "unauthenticated",
                    "message": "Send Authorization: Bearer <TENANTRY_METRICS_TOKEN>.",
                    "details": [],
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="tenantry-metrics"'},
            )
    body = await run_in_threadpool(metrics.exposition, lambda: operations.webhook_backlog(ctx))
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def install(app: FastAPI, ctx: Context) -> None:
    """Add the middleware (outermost of ours, so it times everything) and the endpoints."""
    settings = ctx.settings
    # Routes of the application itself, ahead of the included routers (which FastAPI walks
    # route by route): probes and scrapes are matched at once (issue 18).
    app.router.routes.extend(readiness.routes)
    if settings.metrics_enabled:
        metrics.watch_pool(ctx.engine)
        app.router.routes.extend(exposition.routes)
    app.add_middleware(Observability, record_metrics=settings.metrics_enabled, tracer=tracing.tracer())
