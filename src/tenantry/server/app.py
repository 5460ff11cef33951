"""``create_app(settings)``: the one ASGI application (API, OAuth, later pages and dashboard)."""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

import tenantry
from tenantry.server.context import Context, build_context
from tenantry.server.domain.clock import Clock
from tenantry.server.http import (
    flat_routes,
    log_redaction,
    oauth,
    observability,
    oidc,
    openapi,
    problem,
    route_index,
)
from tenantry.server.http.access_log import AccessLog
from tenantry.server.http.admin import router as admin_dashboard
from tenantry.server.http.api.v1.router import api_v1
from tenantry.server.http.body_limit import PayloadTooLarge
from tenantry.server.http.edge import Edge
from tenantry.server.http.pages.router import STATIC, pages
from tenantry.server.http.pages.web import CsrfFailed, render
from tenantry.server.http.portal import router as admin_portal
from tenantry.server.observability import tracing
from tenantry.server.observability.metrics import count_refusal
from tenantry.server.oidc.provider import Provider
from tenantry.server.ratelimits import RateLimited
from tenantry.server.scim.router import router as scim_router
from tenantry.server.services.integration import clients, server_secrets
from tenantry.server.settings import Settings

log = logging.getLogger("tenantry")


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, context: Context | None = None
) -> FastAPI:
    """Build the application. The database must already be migrated (``tenantry serve``
    and ``tenantry migrate`` do that)."""
    ctx = context or build_context(settings or Settings(), clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log_redaction.install()  # here: after the server configured its logging
        if await run_in_threadpool(clients.ensure_bootstrap_client, ctx):
            log.info("created bootstrap API client %s", ctx.settings.bootstrap_client_id)
        await run_in_threadpool(server_secrets.code_key, ctx)  # the key file exists from the first start
        yield
        ctx.engine.dispose()

    app = _Tenantry(
        title="Tenantry",
        version=tenantry.__version__,
        description="Self-hosted user management for multi-tenant applications. "
        "Authenticate with POST /oauth/token (client credentials), then send `Authorization: Bearer <token>`.",
        docs_url=None,  # Swagger UI would load assets from a CDN; the schema is at /openapi.json
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = ctx
    app.state.provider = Provider(ctx)
    app.state.access_log = AccessLog()  # off until ``tenantry serve`` starts it (serving.announcing)
    edge: dict[str, Any] = {
        "record_metrics": ctx.settings.metrics_enabled,
        "tracer": tracing.tracer(),
        "hsts": ctx.settings.public_url.startswith("https://"),
        "api_bytes": ctx.settings.max_api_body_bytes,
        "form_bytes": ctx.settings.max_form_body_bytes,
        "access_log": app.state.access_log,
    }
    # GET and HEAD /healthz are answered in front of the whole stack (_Tenantry.__call__), through
    # the same edge middleware (request id, metrics, trace, security headers, access log); the
    # route stays first for the other methods (405), matched at once (issue 18).
    liveness = _Liveness("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    app.router.routes.append(liveness)
    app.liveness = Edge(_probe_answer(liveness), **edge)
    problem.install(app)
    openapi.install(app)
    observability.install(app, ctx)  # /metrics and /readyz
    app.add_middleware(Edge, **edge)  # request ids, metrics, traces, the body cap, security headers: one layer
    for router in (oauth.router, api_v1, scim_router, pages, oidc.router):
        flat_routes.include(app, router)  # flat: FastAPI walks nested routers per request
    admin_dashboard.install(app)
    admin_portal.install(app)
    app.mount("/static", STATIC, name="static")
    route_index.install(app.router)

    @app.exception_handler(RateLimited)
    async def _rate_limited(request: Request, exc: RateLimited) -> Response:
        count_refusal(exc)
        if request.url.path.startswith(("/api/", "/oauth/")):
            return problem.tenantry_error_response(exc)
        response = await render(
            request,
            "message.html",
            status_code=429,
            heading="Too many attempts",
            message=exc.message,
            link=request.url.path,
            link_text="Try again",
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(PayloadTooLarge)
    async def _payload_too_large(request: Request, exc: PayloadTooLarge) -> Response:
        response: Response
        if request.url.path.startswith(("/api/", "/oauth/")):
            response = problem.problem(413, "payload_too_large", exc.detail)
        else:
            response = await render(
                request,
                "message.html",
                status_code=413,
                heading="Too much to send",
                message="This form sent more than we accept. Shorten what you typed or pasted and try again.",
                link=request.headers.get("referer") if _same_site(request) else "/",
                link_text="Back",
            )
        # Close the connection after answering: otherwise the server would go on reading (and
        # throwing away) the rest of a body it already refused.
        response.headers["Connection"] = "close"
        return response

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        count_refusal(exc)
        return await render(
            request,
            "message.html",
            status_code=403,
            heading="Please try again",
            message=exc.message,
            link=request.headers.get("referer") if _same_site(request) else "/login",
            link_text="Back",
        )

    return app


class _Tenantry(FastAPI):
    """FastAPI, with the liveness probe answered before FastAPI's own per-request layers
    (error and exception middleware, the exit stack, routing): load balancers call it several
    times a second, and it touches nothing (issue 18: it cost ~5x a bare Starlette route)."""

    liveness: ASGIApp | None = None
    # FastAPI asks OpenTelemetry on every request whether its own instrumentation is on (an
    # environment look-up per signal when no provider is set): asked once, at the first request;
    # our providers are set up before it (observability/tracing.py, in create_app).
    _native_telemetry_off: bool | None = None
    _plain_stack: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.liveness is not None and scope["path"] == "/healthz" and scope["method"] in ("GET", "HEAD"):
                await self.liveness(scope, receive, send)
                return
            plain = self._native_telemetry_off
            if plain is None:
                native = getattr(self, "_native_telemetry", None)
                plain = self._native_telemetry_off = native is not None and not native.enabled()
            if plain and not self.root_path and "fastapi.telemetry" not in scope:
                scope["app"] = self  # what FastAPI.__call__ does then (Starlette.__call__)
                if self.middleware_stack is None:
                    self.middleware_stack = self.build_middleware_stack()
                await self._plain_stack(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def build_middleware_stack(self) -> ASGIApp:
        """FastAPI's stack; and for the requests FastAPI's telemetry does not follow, the same
        stack without its two layers that then do nothing: ``ExceptionTelemetryMiddleware``
        (records an exception only for a request its telemetry follows) and, without an
        application-wide ``max_body_size``, ``AppBodyLimitMiddleware`` (acts only under a
        parent app's limit; Tenantry's own cap is the edge's, http/body_limit.py)."""
        stack = super().build_middleware_stack()
        self._plain_stack = _without_idle_layers(stack, self.max_body_size)
        return stack


def _without_idle_layers(stack: ASGIApp, max_body_size: int | None) -> ASGIApp:
    """A copy of the outermost layer (``ServerErrorMiddleware``) over what is inside the two
    idle layers, when the stack is FastAPI's as 0.165 builds it; else the stack itself."""
    telemetry = getattr(stack, "app", None)
    body_limit = getattr(telemetry, "app", None)
    if not (
        type(stack) is ServerErrorMiddleware
        and type(telemetry).__name__ == "ExceptionTelemetryMiddleware"
        and type(body_limit).__name__ == "AppBodyLimitMiddleware"
        and max_body_size is None
    ):
        return stack  # pragma: no cover - another FastAPI
    plain = copy.copy(stack)
    plain.app = body_limit.app  # type: ignore[union-attr]  # the edge (no body limit wrapped around it)
    return plain


_LIVE_BODY = b'{"status":"ok"}'
_LIVE_HEADERS = ((b"content-length", str(len(_LIVE_BODY)).encode()), (b"content-type", b"application/json"))


def _probe_answer(route: Route) -> ASGIApp:
    """``_healthz``'s answer, byte for byte, without a request object or a response class."""

    async def answer(scope: Scope, _receive: Receive, send: Send) -> None:
        scope["route"] = route  # the metrics' route label
        await send({"type": "http.response.start", "status": 200, "headers": list(_LIVE_HEADERS)})
        await send({"type": "http.response.body", "body": _LIVE_BODY})

    return answer


async def _healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


class _Liveness(Route):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self  # the metrics' route label, as FastAPI's routes set it
        await super().handle(scope, receive, send)


def _same_site(request: Request) -> bool:
    referer = request.headers.get("referer", "")
    return referer.startswith(str(request.base_url))


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several worker processes)."""
    return create_app(Settings())
