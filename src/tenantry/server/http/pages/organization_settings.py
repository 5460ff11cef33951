"""An organization's settings on the hosted pages: whoever holds
``tenantry:organization:manage`` there changes its name and logo (SPEC §9). The external id,
metadata and slug belong to the application (API), seat limits to the administrator
(dashboard), domains and SSO to the customer's IT administrator (portal)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import TenantryError
from tenantry.server.domain.policies import MANAGE_ORGANIZATION
from tenantry.server.http.notices import HOSTED, notice_text, with_notice
from tenantry.server.http.pages.forms import errors_of, text
from tenantry.server.http.pages.powers import Viewer, guard
from tenantry.server.http.pages.web import check_csrf, context, meta_of, redirect, render
from tenantry.server.http.problem import STATUS_BY_CODE
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import UpdateOrganization
from tenantry.server.services.directory import environment, organizations

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)

PAGE = "settings"


async def _page(
    request: Request, viewer: Viewer, organization_id: str, *, status_code: int = 200, **extra: Any
) -> Response:
    org = await run_in_threadpool(organizations.get, context(request), organization_id)
    extra.setdefault("values", {"display_name": org.display_name, "logo_url": org.logo_url or ""})
    return await render(
        request,
        "organization_settings.html",
        status_code=status_code,
        session=viewer.session,
        organization=org,
        powers=viewer.powers,
        **extra,
    )


@router.get("/organizations/{organization_id}/settings")
async def settings_page(request: Request, organization_id: str, notice: str = "") -> Response:
    viewer = await guard(request, organization_id, PAGE, MANAGE_ORGANIZATION)
    if isinstance(viewer, Response):
        return viewer
    meta = meta_of(await run_in_threadpool(environment.get_settings, context(request)))
    return await _page(request, viewer, organization_id, notice=notice_text(HOSTED, notice, meta))


@router.post("/organizations/{organization_id}/settings")
async def save(request: Request, organization_id: str) -> Response:
    form = await check_csrf(request)
    viewer = await guard(request, organization_id, PAGE, MANAGE_ORGANIZATION)
    if isinstance(viewer, Response):
        return viewer
    try:
        command = UpdateOrganization(display_name=text(form, "display_name"), logo_url=text(form, "logo_url"))
        await run_in_threadpool(organizations.update, context(request), organization_id, command)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        status = STATUS_BY_CODE.get(exc.code, 400) if isinstance(exc, TenantryError) else 400
        return await _page(
            request, viewer, organization_id, status_code=status, values=form, errors=errors, error=message
        )
    return redirect(with_notice(f"/organizations/{organization_id}/{PAGE}", "organization_saved", HOSTED))
