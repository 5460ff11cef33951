"""``create_app(settings)``: the one ASGI application (API, OAuth, later pages and dashboard)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

import tenantry
from tenantry.server.context import Context, build_context
from tenantry.server.domain.clock import Clock
from tenantry.server.http import flat_routes, log_redaction, oauth, observability, oidc, openapi, problem
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

    app = FastAPI(
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
    # First, and a route of the application itself: a request is matched against the routes in
    # order, and FastAPI walks every route of each included router before the next one, so the
    # liveness probe registered after the routers cost ~3x a plain route (issue 18). A plain
    # Starlette route: it has no parameters, dependencies or transaction, and FastAPI's request
    # handling around it cost as much as the rest of the stack.
    app.router.routes.append(_Liveness("/healthz", _healthz, methods=["GET"], include_in_schema=False))
    problem.install(app)
    openapi.install(app)
    observability.install(app, ctx)  # /metrics and /readyz
    app.add_middleware(  # request ids, metrics, traces, the body cap, security headers: one layer
        Edge,
        record_metrics=ctx.settings.metrics_enabled,
        tracer=tracing.tracer(),
        hsts=ctx.settings.public_url.startswith("https://"),
        api_bytes=ctx.settings.max_api_body_bytes,
        form_bytes=ctx.settings.max_form_body_bytes,
    )
    app.include_router(oauth.router)
    app.include_router(api_v1)
    app.include_router(scim_router)
    app.include_router(pages)
    app.include_router(oidc.router)
    admin_dashboard.install(app)
    admin_portal.install(app)
    flat_routes.flatten(app)  # after every inclusion: FastAPI walks nested routers per request
    app.mount("/static", STATIC, name="static")

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
