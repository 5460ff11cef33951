"""An organization's provisioning log on the dashboard (SPEC §12): the SCIM writes its
directories made, newest first, and how each ended; one directory's with ``directory_id``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.http.admin.organization_sections import section_page
from tenantry.server.http.admin.web import page_request, signed_in_admin
from tenantry.server.http.pages.web import context
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.provisioning import directories, log

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/organizations/{organization_id}/provisioning",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)


@router.get("")
async def provisioning_log(
    request: Request, organization_id: str, directory_id: str = "", page_token: str = ""
) -> Response:
    ctx = context(request)
    listed = await run_in_threadpool(directories.list_, ctx, organization_id)
    chosen = directory_id if any(d.id == directory_id for d in listed) else ""
    entries = await run_in_threadpool(log.page, ctx, organization_id, page_request(page_token), chosen or None)
    base = f"/admin/organizations/{organization_id}/provisioning" + (f"?directory_id={chosen}" if chosen else "")
    return await section_page(
        request,
        organization_id,
        "organization_provisioning.html",
        "provisioning",
        entries=entries,
        directories=listed,
        chosen=chosen,
        base=base,
    )
