"""An organization's members on the hosted pages: whoever holds ``tenantry:members:read``
sees them; ``tenantry:members:invite`` invites; ``tenantry:members:manage`` changes roles,
removes members, resends and revokes invitations (SPEC §9). One guard (``powers.guard``) asks
the domain policy with the member's effective permissions for every route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain.errors import InvalidArgument, TenantryError, TooManyInvitations
from tenantry.server.domain.policies import INVITE_MEMBERS, MANAGE_MEMBERS, SEE_MEMBERS
from tenantry.server.http.notices import HOSTED, notice_text, with_notice
from tenantry.server.http.pages.forms import errors_of, status_of, text
from tenantry.server.http.pages.powers import Viewer, guard
from tenantry.server.http.pages.web import check_csrf, context, meta_of, redirect, render
from tenantry.server.http.problem import STATUS_BY_CODE
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import CreateUserInOrganization, RoleInput
from tenantry.server.services.directory import environment, organizations
from tenantry.server.services.identity import users
from tenantry.server.services.membership import invitations, lifecycle, roles, roster

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


async def _page(
    request: Request, viewer: Viewer, organization_id: str, *, status_code: int = 200, **extra: Any
) -> Response:
    ctx = context(request)
    org = await run_in_threadpool(organizations.get, ctx, organization_id)
    seats = await run_in_threadpool(organizations.get_user_management, ctx, organization_id)
    entries = await run_in_threadpool(roster.members, ctx, organization_id)
    available = await run_in_threadpool(roles.list_roles, ctx, organization_id)
    default = next((r.name for r in available if r.default_member), "")
    # Without the power to manage members, an inviter can only give the default member role.
    invitable = available if viewer.powers["manage"] else [r for r in available if r.default_member]
    extra.setdefault("values", {})
    return await render(
        request,
        "members.html",
        status_code=status_code,
        session=viewer.session,
        organization=org,
        members=entries,
        seats=seats,
        powers=viewer.powers,
        role_options=[(r.name, r.display_name) for r in available],
        invite_options=[(r.name, r.display_name) for r in invitable],
        default_role=default,
        **extra,
    )


def _done(organization_id: str, notice: str) -> Response:
    return redirect(with_notice(f"/organizations/{organization_id}/members", notice, HOSTED))


@router.get("/organizations/{organization_id}/members")
async def members_page(request: Request, organization_id: str, notice: str = "") -> Response:
    viewer = await guard(request, organization_id, "members", SEE_MEMBERS)
    if isinstance(viewer, Response):
        return viewer
    meta = meta_of(await run_in_threadpool(environment.get_settings, context(request)))
    return await _page(request, viewer, organization_id, notice=notice_text(HOSTED, notice, meta))


@router.post("/organizations/{organization_id}/members/invite")
async def invite(request: Request, organization_id: str) -> Response:
    form = await check_csrf(request)
    viewer = await guard(request, organization_id, "members", INVITE_MEMBERS)
    if isinstance(viewer, Response):
        return viewer
    try:
        role = text(form, "role")
        if role and not viewer.powers["manage"]:
            raise InvalidArgument.field("role", "not_allowed", "only people who manage members choose roles")
        command = CreateUserInOrganization.model_validate(
            {
                "email": text(form, "email"),
                "membership": {
                    "roles": [{"name": role}] if role else None,
                    "inviter_email": viewer.session.user.email,
                },
            }
        )
        await run_in_threadpool(
            users.create_in_organization, context(request), organization_id, command, send_invitation=True
        )
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        response = await _page(
            request, viewer, organization_id, status_code=status_of(exc), values=form, errors=errors, error=message
        )
        if isinstance(exc, TooManyInvitations):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return _done(organization_id, "invited")


async def _on_invitation(
    request: Request,
    organization_id: str,
    membership_id: str,
    action: Callable[[Context, str, str], object],
    notice: str,
) -> Response:
    """Run ``action`` on a member for someone who manages the organization's members."""
    await check_csrf(request)
    viewer = await guard(request, organization_id, "members", MANAGE_MEMBERS)
    if isinstance(viewer, Response):
        return viewer
    ctx = context(request)
    try:
        user_id = await run_in_threadpool(roster.invitee, ctx, organization_id, membership_id)
        await run_in_threadpool(action, ctx, organization_id, user_id)
    except TenantryError as exc:
        status = STATUS_BY_CODE.get(exc.code, 409)
        return await _page(request, viewer, organization_id, status_code=status, error=exc)
    return _done(organization_id, notice)


@router.post("/organizations/{organization_id}/members/{membership_id}/resend")
async def resend(request: Request, organization_id: str, membership_id: str) -> Response:
    return await _on_invitation(request, organization_id, membership_id, invitations.resend, "resent")


@router.post("/organizations/{organization_id}/members/{membership_id}/revoke")
async def revoke(request: Request, organization_id: str, membership_id: str) -> Response:
    """Withdraws a pending invitation (frees its seat)."""
    return await _on_invitation(request, organization_id, membership_id, lifecycle.revoke_invitation, "revoked")


@router.post("/organizations/{organization_id}/members/{membership_id}/remove")
async def remove(request: Request, organization_id: str, membership_id: str) -> Response:
    """Removes a member (the last one who can manage members stays: 409 last_admin)."""
    return await _on_invitation(request, organization_id, membership_id, lifecycle.remove, "member_removed")


@router.post("/organizations/{organization_id}/members/{membership_id}/roles")
async def change_role(request: Request, organization_id: str, membership_id: str) -> Response:
    """Gives a member one role instead of their current ones."""
    form = await check_csrf(request)
    role = text(form, "role")

    def change(ctx: Context, org_id: str, member_id: str) -> object:
        if not role:
            raise InvalidArgument.field("role", "required", "choose a role")
        return lifecycle.update(ctx, org_id, member_id, roles=[RoleInput(name=role)])

    return await _on_invitation(request, organization_id, membership_id, change, "roles")
