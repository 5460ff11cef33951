"""An organization's members on the dashboard: invite or add, resend, revoke, remove, change role."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain.errors import TenantryError
from tenantry.server.http.admin.organizations import detail_page
from tenantry.server.http.admin.web import signed_in_admin, status_of, worded
from tenantry.server.http.pages.forms import errors_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import CreateUserInOrganization, RoleInput
from tenantry.server.services.identity import users
from tenantry.server.services.identity.admins import AdminView
from tenantry.server.services.membership import invitations, lifecycle

router = APIRouter(
    route_class=RetryingRoute, prefix="/admin/organizations/{organization_id}/members", include_in_schema=False
)

NOTICES = {
    "invited": "Invitation sent.",
    "added": "Member added.",
    "resent": "Invitation sent again, with a new link and a fresh expiry.",
    "revoked": "Invitation revoked; its seat is free.",
    "removed": "Member removed; their seat is free.",
    "roles": "Role changed.",
}


def _done(organization_id: str, notice: str) -> Response:
    return redirect(f"/admin/organizations/{organization_id}?notice={NOTICES[notice]}#members")


@router.post("")
async def invite(request: Request, organization_id: str, admin: AdminView = Depends(signed_in_admin)) -> Response:
    form = await check_csrf(request)
    send = form.get("send_invitation") == "true"
    try:
        command = CreateUserInOrganization.model_validate(
            {
                "email": text(form, "email"),
                "membership": {"roles": [{"name": text(form, "role") or "member"}], "inviter_email": admin.email},
            }
        )
        await run_in_threadpool(
            users.create_in_organization, context(request), organization_id, command, send_invitation=send
        )
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        if isinstance(exc, TenantryError) and message:
            message = await worded(request, exc)
        return await detail_page(
            request, organization_id, status_code=status_of(exc), values={"invite": form}, error=message, errors=errors
        )
    return _done(organization_id, "invited" if send else "added")


async def _act(
    request: Request, organization_id: str, user_id: str, action: Callable[[Context, str, str], object], notice: str
) -> Response:
    await check_csrf(request)
    try:
        await run_in_threadpool(action, context(request), organization_id, user_id)
    except TenantryError as exc:
        return await detail_page(request, organization_id, status_code=status_of(exc), error=await worded(request, exc))
    return _done(organization_id, notice)


@router.post("/{user_id}/resend", dependencies=[Depends(signed_in_admin)])
async def resend(request: Request, organization_id: str, user_id: str) -> Response:
    return await _act(request, organization_id, user_id, invitations.resend, "resent")


@router.post("/{user_id}/revoke", dependencies=[Depends(signed_in_admin)])
async def revoke(request: Request, organization_id: str, user_id: str) -> Response:
    return await _act(request, organization_id, user_id, lifecycle.revoke_invitation, "revoked")


@router.post("/{user_id}/remove", dependencies=[Depends(signed_in_admin)])
async def remove(request: Request, organization_id: str, user_id: str) -> Response:
    return await _act(request, organization_id, user_id, lifecycle.remove, "removed")


@router.post("/{user_id}/roles", dependencies=[Depends(signed_in_admin)])
async def change_role(request: Request, organization_id: str, user_id: str) -> Response:
    form = await check_csrf(request)
    try:
        roles = [RoleInput(name=text(form, "role") or "member")]
        await run_in_threadpool(lifecycle.update_roles, context(request), organization_id, user_id, roles)
    except (ValidationError, TenantryError) as exc:
        message, _ = errors_of(exc)
        return await detail_page(request, organization_id, status_code=400, error=message or "Choose a valid role.")
    return _done(organization_id, "roles")
