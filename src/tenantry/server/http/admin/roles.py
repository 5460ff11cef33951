"""The Roles tab: environment roles and permissions, inheritance, the default creator and
member roles — through the same services as /api/v1/roles and /api/v1/permissions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import TenantryError
from tenantry.server.domain.pagination import MAX_PAGE_SIZE, PageRequest
from tenantry.server.http.admin.web import render, signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import errors_of, status_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import CreatePermission, CreateRole, UpdateRole
from tenantry.server.services.membership import roles

router = APIRouter(
    route_class=RetryingRoute, prefix="/admin/roles", include_in_schema=False, dependencies=[Depends(signed_in_admin)]
)
ROLES = "/admin/roles"


async def _page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    ctx = context(request)
    listed = await run_in_threadpool(roles.list_roles, ctx, None, "permissions")
    permissions: list[roles.PermissionView] = []
    request_page = PageRequest(MAX_PAGE_SIZE)
    while True:
        page = await run_in_threadpool(roles.list_permissions, ctx, request_page)
        permissions.extend(page.items)
        if not page.next_page_token or len(permissions) >= 2000:
            break
        request_page = PageRequest(MAX_PAGE_SIZE, "next", page.items[-1].id)
    extra.setdefault("values", {})
    return await render(
        request, "roles.html", status_code=status_code, tab="roles", roles=listed, permissions=permissions, **extra
    )


async def _form(request: Request) -> tuple[dict[str, str], list[str]]:
    form = await check_csrf(request)
    raw = await request.form()
    return form, [str(value) for value in raw.getlist("permissions")]


async def _refused(request: Request, exc: Exception, form: dict[str, str]) -> Response:
    message, errors = errors_of(exc)
    # The per-role forms have no place for field errors: the refusal is said at the top too.
    refusal = exc if isinstance(exc, TenantryError) else message
    status = status_of(exc) if isinstance(exc, TenantryError) else 400
    return await _page(request, status_code=status, values=form, errors=errors, error=refusal)


@router.get("")
async def roles_page(request: Request, notice: str = "") -> Response:
    return await _page(request, notice=notice or None)


@router.post("")
async def create_role(request: Request) -> Response:
    form, granted = await _form(request)
    try:
        data = CreateRole.model_validate(
            {
                "name": text(form, "name"),
                "display_name": text(form, "display_name"),
                "description": text(form, "description"),
                "extends": text(form, "extends") or None,
                "permissions": granted,
            }
        )
        await run_in_threadpool(roles.create_role, context(request), data)
    except (ValidationError, TenantryError) as exc:
        return await _refused(request, exc, form)
    return redirect(with_notice(ROLES, "settings_saved"))


@router.post("/{name}")
async def update_role(request: Request, name: str) -> Response:
    form, granted = await _form(request)
    try:
        data = UpdateRole.model_validate(
            {
                "display_name": text(form, "display_name"),
                "description": text(form, "description"),
                "extends": text(form, "extends") or None,
                "permissions": granted,
            }
        )
        await run_in_threadpool(roles.update_role, context(request), name, data)
    except (ValidationError, TenantryError) as exc:
        return await _refused(request, exc, form)
    return redirect(with_notice(ROLES, "settings_saved"))


@router.post("/{name}/delete")
async def delete_role(request: Request, name: str) -> Response:
    form = await check_csrf(request)
    try:
        await run_in_threadpool(roles.delete_role, context(request), name, text(form, "reassign_role_name") or None)
    except TenantryError as exc:
        return await _refused(request, exc, form)
    return redirect(with_notice(ROLES, "settings_saved"))


@router.post("/-/defaults")
async def set_defaults(request: Request) -> Response:
    form = await check_csrf(request)
    try:
        await run_in_threadpool(
            roles.set_defaults, context(request), text(form, "default_creator_role"), text(form, "default_member_role")
        )
    except TenantryError as exc:
        return await _refused(request, exc, form)
    return redirect(with_notice(ROLES, "settings_saved"))


@router.post("/-/permissions")
async def create_permission(request: Request) -> Response:
    form = await check_csrf(request)
    try:
        data = CreatePermission.model_validate(
            {"name": text(form, "permission_name"), "description": text(form, "permission_description")}
        )
        await run_in_threadpool(roles.create_permission, context(request), data)
    except (ValidationError, TenantryError) as exc:
        return await _refused(request, exc, form)
    return redirect(with_notice(ROLES, "settings_saved"))


@router.post("/-/permissions/{name}/delete")
async def delete_permission(request: Request, name: str) -> Response:
    form = await check_csrf(request)
    try:
        await run_in_threadpool(roles.delete_permission, context(request), name)
    except TenantryError as exc:
        return await _refused(request, exc, form)
    return redirect(with_notice(ROLES, "settings_saved"))
