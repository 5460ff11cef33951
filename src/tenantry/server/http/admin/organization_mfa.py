"""An organization's MFA requirement in the dashboard (SPEC §13), through the same service
as ``PATCH /api/v1/organizations/{id}/settings/mfa``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.http.admin.web import signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import organization_mfa

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/organizations",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)


@router.post("/{organization_id}/mfa")
async def update_mfa(request: Request, organization_id: str) -> Response:
    """Raises NotFound (answered by the dashboard's "not found" page)."""
    form = await check_csrf(request)
    required = form.get("mfa_required") == "true"
    await run_in_threadpool(organization_mfa.set_required, context(request), organization_id, required)
    return redirect(with_notice(f"/admin/organizations/{organization_id}#mfa", "organization_mfa_saved"))
