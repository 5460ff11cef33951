"""The hosted pages, their static assets, and the branding stylesheet."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from tenantry.server.http.pages import account, invitations, members, organizations, profile
from tenantry.server.http.pages.web import context
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import environment

STATIC = StaticFiles(directory=Path(__file__).parents[2] / "static")

pages = APIRouter(route_class=RetryingRoute, include_in_schema=False)
for module in (account, invitations, members, organizations, profile):
    pages.include_router(module.router)


@pages.get("/branding.css")
async def branding_css(request: Request) -> Response:
    """The configured colour as a CSS variable (a file, so the CSP needs no inline styles)."""
    settings = await run_in_threadpool(environment.get_settings, context(request))
    return Response(
        f":root {{ --primary: {settings.branding.primary_color}; }}\n",
        media_type="text/css",
        headers={"Cache-Control": "no-cache"},
    )
