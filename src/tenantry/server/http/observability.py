"""Operations over HTTP: the ``/metrics`` and ``/readyz`` endpoints (``/healthz`` stays a
liveness probe that touches nothing) and the route label of a request. The request id, request
metrics and traces are the edge middleware's (http/edge.py; bench/observability.py measures it).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from tenantry.server.context import Context
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.observability import metrics
from tenantry.server.services.integration import operations

# RetryingRoute like every route (tests/unit/test_layering.py), though neither runs a transaction
readiness = APIRouter(include_in_schema=False, route_class=RetryingRoute)
exposition = APIRouter(include_in_schema=False, route_class=RetryingRoute)


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
    """Add the endpoints (the per-request part is in the edge middleware, http/edge.py)."""
    settings = ctx.settings
    # Routes of the application itself, ahead of the included routers (which FastAPI walks
    # route by route): probes and scrapes are matched at once (issue 18).
    app.router.routes.extend(readiness.routes)
    if settings.metrics_enabled:
        metrics.watch_pool(ctx.engine)
        app.router.routes.extend(exposition.routes)
