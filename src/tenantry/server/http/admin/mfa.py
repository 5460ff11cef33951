"""The signed-in administrator's own authenticator (services/identity/admin_mfa.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import InvalidArgument, TenantryError
from tenantry.server.http.admin.web import render, signed_in_admin
from tenantry.server.http.pages.forms import text
from tenantry.server.http.pages.web import address, check_csrf, context, limiter, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.identity import admin_mfa
from tenantry.server.services.identity.admins import AdminView

router = APIRouter(route_class=RetryingRoute, prefix="/admin", include_in_schema=False)


async def _page(request: Request, status_code: int = 200, **variables: Any) -> Response:
    return await render(request, "mfa.html", status_code=status_code, tab="mfa", **variables)


@router.get("/mfa")
async def mfa_page(request: Request, admin: AdminView = Depends(signed_in_admin)) -> Response:
    return await _page(request)


@router.post("/mfa/begin")
async def begin(request: Request, admin: AdminView = Depends(signed_in_admin)) -> Response:
    await check_csrf(request)
    try:
        enrolment = await run_in_threadpool(admin_mfa.begin, context(request), admin.id)
    except TenantryError as exc:
        return await _page(request, 400, error=exc)
    return await _page(request, enrolment=enrolment)


async def _with_code(request: Request, admin: AdminView, action: Any, **failed: Any) -> Response:
    form = await check_csrf(request)
    limiter(request).check("second_factor", address(request), f"admin:{admin.id}")
    try:
        await run_in_threadpool(action, context(request), admin.id, text(form, "code"))
    except TenantryError as exc:
        limiter(request).hit("second_factor", address(request), f"admin:{admin.id}")
        errors = InvalidArgument.field("code", exc.code, exc.message).details
        return await _page(request, 400, errors=errors, **failed)
    return redirect("/admin/mfa")


@router.post("/mfa/setup")
async def confirm(request: Request, admin: AdminView = Depends(signed_in_admin)) -> Response:
    enrolment = await run_in_threadpool(admin_mfa.enrolment_of, context(request), admin.id)
    return await _with_code(request, admin, admin_mfa.confirm, enrolment=enrolment)


@router.post("/mfa/remove")
async def remove(request: Request, admin: AdminView = Depends(signed_in_admin)) -> Response:
    return await _with_code(request, admin, admin_mfa.remove)
