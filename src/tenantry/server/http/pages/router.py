"""The hosted pages, their static assets, and the branding stylesheet."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.colours import Palette, palette
from tenantry.server.http.pages import (
    account,
    invitations,
    members,
    mfa,
    organization_settings,
    organizations,
    passkeys,
    profile,
    profile_access,
    social,
    sso,
)
from tenantry.server.http.pages.web import context
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import environment

STATIC = StaticFiles(directory=Path(__file__).parents[2] / "static")

pages = APIRouter(route_class=RetryingRoute, include_in_schema=False)
for module in (
    account,
    invitations,
    members,
    mfa,
    organization_settings,
    organizations,
    passkeys,
    profile,
    profile_access,
    social,
    sso,
):
    pages.include_router(module.router)


@pages.get("/branding.css")
async def branding_css(request: Request) -> Response:
    """The configured colour and the readable colours derived from it, as CSS variables (a
    file, so the CSP needs no inline styles)."""
    settings = await run_in_threadpool(environment.get_settings, context(request))
    return Response(
        palette_css(palette(settings.branding.primary_color)),
        media_type="text/css",
        headers={"Cache-Control": "no-cache"},
    )


def palette_css(colours: Palette) -> str:
    return (
        f":root {{ --primary: {colours.primary}; --on-primary: {colours.on_primary}; --primary-ink: {colours.ink}; "
        f"--focus: {colours.ring}; --primary-tint: {colours.tint}; --on-tint: {colours.on_tint}; }}\n"
    )
