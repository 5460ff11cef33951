"""The administrator dashboard under /admin: every tab's routes, and the sign-in redirect."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from tenantry.server.domain.errors import NotFound
from tenantry.server.http import flat_routes
from tenantry.server.http.admin import (
    api_clients,
    applications,
    attributes,
    audit_log,
    auth,
    configuration,
    connections,
    directories,
    domains,
    invitations,
    members,
    mfa,
    organization_mfa,
    organizations,
    outbox,
    provisioning_log,
    roles,
    users,
    webhooks,
)
from tenantry.server.http.admin.responses import not_found_page
from tenantry.server.http.admin.web import MfaSetupRequired, SignInRequired
from tenantry.server.http.pages.web import redirect
from tenantry.server.http.retry import RetryingRoute

dashboard = APIRouter(route_class=RetryingRoute, include_in_schema=False)
TABS = (
    auth,
    mfa,
    configuration,
    attributes,
    organizations,
    organization_mfa,
    members,
    domains,
    connections,
    directories,
    provisioning_log,
    roles,
    invitations,
    users,
    applications,
    api_clients,
    outbox,
    webhooks,
    audit_log,
)
for module in TABS:
    dashboard.include_router(module.router)


def install(app: FastAPI) -> None:
    flat_routes.include(app, dashboard)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        target = request.url.path if request.method == "GET" else ""
        return redirect("/admin/login" + (f"?next={quote(target)}" if target else ""))

    @app.exception_handler(MfaSetupRequired)
    async def _set_up_mfa(request: Request, exc: MfaSetupRequired) -> Response:
        return redirect("/admin/mfa")

    app.add_exception_handler(NotFound, not_found_page)  # type: ignore[arg-type]
