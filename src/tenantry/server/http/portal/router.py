"""The admin portal's routes and their error pages."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from tenantry.server.http import flat_routes
from tenantry.server.http.portal import directories, pages, sso, web
from tenantry.server.http.retry import RetryingRoute

portal = APIRouter(route_class=RetryingRoute, include_in_schema=False)
for module in (pages, sso, directories):
    portal.include_router(module.router)


def install(app: FastAPI) -> None:
    flat_routes.include(app, portal)
    web.install(app)
