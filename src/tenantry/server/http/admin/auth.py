"""Dashboard sign-in, sign-out, the first administrator's set-up link, and the
Administrators page (add or remove other administrators)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import TenantryError
from tenantry.server.http.admin.web import (
    ADMIN_COOKIE,
    clear_admin_cookie,
    render,
    set_admin_cookie,
    signed_in_admin,
)
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import errors_of, status_of, text
from tenantry.server.http.pages.web import address, check_csrf, context, limiter, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.identity import admins
from tenantry.server.services.identity.admins import AdminView

router = APIRouter(route_class=RetryingRoute, prefix="/admin", include_in_schema=False)


def _next(target: str | None) -> str:
    """Only dashboard paths, so the log-in form cannot be used as an open redirect."""
    if target and target.startswith("/admin/") and "//" not in target and "\\" not in target:
        return target
    return "/admin/organizations"


@router.get("")
async def dashboard_home(request: Request) -> Response:
    return redirect("/admin/organizations")


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    if await run_in_threadpool(admins.resolve, context(request), request.cookies.get(ADMIN_COOKIE)):
        return redirect(_next(next))
    return await render(request, "login.html", values={}, next=_next(next))


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await check_csrf(request)
    email, next_url = text(form, "email"), _next(form.get("next"))
    limiter(request).check("password", address(request), f"admin:{email}")
    try:
        token = await run_in_threadpool(
            admins.login, context(request), email, form.get("password", ""), text(form, "code")
        )
    except TenantryError as exc:
        limiter(request).hit("password", address(request), f"admin:{email}")
        return await render(request, "login.html", status_code=401, values=form, error=exc, next=next_url)
    response = redirect(next_url)
    set_admin_cookie(request, response, token)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await check_csrf(request)
    await run_in_threadpool(admins.logout, context(request), request.cookies.get(ADMIN_COOKIE))
    response = redirect("/admin/login")
    clear_admin_cookie(response)
    return response


@router.get("/setup")
async def setup_page(request: Request, token: str = "") -> Response:
    try:
        await run_in_threadpool(admins.check_setup_token, context(request), token)
    except TenantryError as exc:
        return await render(
            request, "message.html", status_code=400, heading="Link not valid", message=exc, link="/admin/login"
        )
    return await render(request, "setup.html", values={}, token=token)


@router.post("/setup")
async def setup_submit(request: Request) -> Response:
    form = await check_csrf(request)
    token = form.get("token", "")
    try:
        session_token = await run_in_threadpool(
            admins.complete_setup, context(request), token, text(form, "email"), form.get("password", "")
        )
    except TenantryError as exc:
        if exc.code == "setup_link_invalid":
            return await render(request, "message.html", status_code=400, heading="Link not valid", message=exc)
        message, errors = errors_of(exc)
        return await render(
            request, "setup.html", status_code=400, values=form, token=token, error=message, errors=errors
        )
    response = redirect(with_notice("/admin/configuration", "welcome"))
    set_admin_cookie(request, response, session_token)
    return response


@router.get("/administrators")
async def administrators(request: Request, admin: AdminView = Depends(signed_in_admin)) -> Response:
    return await _administrators_page(request)


async def _administrators_page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    everyone = await run_in_threadpool(admins.list_all, context(request))
    extra.setdefault("values", {})
    return await render(
        request, "administrators.html", status_code=status_code, tab="administrators", admins=everyone, **extra
    )


@router.post("/administrators")
async def add_administrator(request: Request, admin: AdminView = Depends(signed_in_admin)) -> Response:
    form = await check_csrf(request)
    try:
        await run_in_threadpool(admins.create, context(request), text(form, "email"), form.get("password", ""))
    except TenantryError as exc:
        message, errors = errors_of(exc)
        return await _administrators_page(request, 400, values=form, error=message, errors=errors)
    return redirect(with_notice("/admin/administrators", "administrator_added"))


@router.post("/administrators/{admin_id}/delete")
async def remove_administrator(
    request: Request, admin_id: str, admin: AdminView = Depends(signed_in_admin)
) -> Response:
    await check_csrf(request)
    try:
        await run_in_threadpool(admins.delete_, context(request), admin_id)
    except TenantryError as exc:
        return await _administrators_page(request, status_of(exc), error=exc)
    if admin_id == admin.id:
        response = redirect("/admin/login")
        clear_admin_cookie(response)
        return response
    return redirect(with_notice("/admin/administrators", "administrator_removed"))
