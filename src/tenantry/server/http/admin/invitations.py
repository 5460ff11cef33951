"""The Invitations tab: open invitations across every organization; resend or revoke them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain.errors import TenantryError
from tenantry.server.http.admin.web import page_request, render, signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import status_of
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.membership import invitations, lifecycle, queries

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/invitations",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)

STATUSES: dict[str, queries.Status | None] = {"": None, "pending": "pending", "expired": "expired"}


async def _page(
    request: Request, status: str = "", email: str = "", page_token: str = "", status_code: int = 200, **extra: Any
) -> Response:
    page = await run_in_threadpool(
        queries.list_page, context(request), page_request(page_token), STATUSES.get(status), email
    )
    query = urlencode({k: v for k, v in (("status", status), ("email", email)) if v})
    return await render(
        request,
        "invitations.html",
        status_code=status_code,
        tab="invitations",
        page=page,
        status=status,
        email=email,
        base="/admin/invitations" + (f"?{query}" if query else ""),
        **extra,
    )


@router.get("")
async def invitation_list_page(request: Request, status: str = "", email: str = "", page_token: str = "") -> Response:
    return await _page(request, status, email, page_token)


async def _act(
    request: Request, organization_id: str, user_id: str, action: Callable[[Context, str, str], object], notice: str
) -> Response:
    form = await check_csrf(request)
    back = form.get("back", "")
    try:
        await run_in_threadpool(action, context(request), organization_id, user_id)
    except TenantryError as exc:
        return await _page(request, status_code=status_of(exc), error=exc)
    target = back if back.startswith("/admin/invitations") else "/admin/invitations"
    return redirect(with_notice(target, notice))


@router.post("/{organization_id}/{user_id}/resend")
async def resend(request: Request, organization_id: str, user_id: str) -> Response:
    return await _act(request, organization_id, user_id, invitations.resend, "resent")


@router.post("/{organization_id}/{user_id}/revoke")
async def revoke(request: Request, organization_id: str, user_id: str) -> Response:
    return await _act(request, organization_id, user_id, lifecycle.revoke_invitation, "revoked")
