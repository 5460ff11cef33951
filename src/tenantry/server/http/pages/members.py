"""An organization's members, for its admins: invite, resend, revoke."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain.errors import TenantryError, TooManyInvitations
from tenantry.server.domain.policies import is_organization_admin
from tenantry.server.http.notices import HOSTED, notice_text, with_notice
from tenantry.server.http.pages.forms import errors_of, text
from tenantry.server.http.pages.web import check_csrf, context, current_session, meta_of, redirect, render
from tenantry.server.http.problem import STATUS_BY_CODE
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import CreateUserInOrganization
from tenantry.server.services.directory import environment, organizations
from tenantry.server.services.identity import users
from tenantry.server.services.identity.sessions import SessionView
from tenantry.server.services.membership import invitations, lifecycle, roster

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


async def _admin_session(request: Request, organization_id: str) -> SessionView | Response:
    session = await current_session(request)
    if session is None:
        return redirect(f"/login?next=/organizations/{organization_id}/members")
    if not is_organization_admin(session.user.memberships, organization_id):
        return await render(
            request,
            "message.html",
            status_code=403,
            session=session,
            heading="Not allowed",
            message="Only administrators can manage members.",
            link="/organizations",
            link_text="Back",
        )
    return session


async def _page(
    request: Request, session: SessionView, organization_id: str, *, status_code: int = 200, **extra: Any
) -> Response:
    ctx = context(request)
    org = await run_in_threadpool(organizations.get, ctx, organization_id)
    seats = await run_in_threadpool(organizations.get_user_management, ctx, organization_id)
    entries = await run_in_threadpool(roster.members, ctx, organization_id)
    extra.setdefault("values", {})
    return await render(
        request,
        "members.html",
        status_code=status_code,
        session=session,
        organization=org,
        members=entries,
        seats=seats,
        **extra,
    )


def _done(organization_id: str, notice: str) -> Response:
    return redirect(with_notice(f"/organizations/{organization_id}/members", notice, HOSTED))


@router.get("/organizations/{organization_id}/members")
async def members_page(request: Request, organization_id: str, notice: str = "") -> Response:
    session = await _admin_session(request, organization_id)
    if isinstance(session, Response):
        return session
    meta = meta_of(await run_in_threadpool(environment.get_settings, context(request)))
    return await _page(request, session, organization_id, notice=notice_text(HOSTED, notice, meta))


@router.post("/organizations/{organization_id}/members/invite")
async def invite(request: Request, organization_id: str) -> Response:
    form = await check_csrf(request)
    session = await _admin_session(request, organization_id)
    if isinstance(session, Response):
        return session
    try:
        command = CreateUserInOrganization.model_validate(
            {
                "email": text(form, "email"),
                "membership": {
                    "roles": [{"name": text(form, "role") or "member"}],
                    "inviter_email": session.user.email,
                },
            }
        )
        await run_in_threadpool(
            users.create_in_organization, context(request), organization_id, command, send_invitation=True
        )
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        status = STATUS_BY_CODE.get(exc.code, 400) if isinstance(exc, TenantryError) else 400
        response = await _page(
            request, session, organization_id, status_code=status, values=form, errors=errors, error=message
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
    """Run ``action`` on a member's invitation for an admin of the organization."""
    await check_csrf(request)
    session = await _admin_session(request, organization_id)
    if isinstance(session, Response):
        return session
    ctx = context(request)
    try:
        user_id = await run_in_threadpool(roster.invitee, ctx, organization_id, membership_id)
        await run_in_threadpool(action, ctx, organization_id, user_id)
    except TenantryError as exc:
        return await _page(request, session, organization_id, status_code=409, error=exc)
    return _done(organization_id, notice)


@router.post("/organizations/{organization_id}/members/{membership_id}/resend")
async def resend(request: Request, organization_id: str, membership_id: str) -> Response:
    return await _on_invitation(request, organization_id, membership_id, invitations.resend, "resent")


@router.post("/organizations/{organization_id}/members/{membership_id}/revoke")
async def revoke(request: Request, organization_id: str, membership_id: str) -> Response:
    """Withdraws a pending invitation (frees its seat)."""
    return await _on_invitation(request, organization_id, membership_id, lifecycle.revoke_invitation, "revoked")
