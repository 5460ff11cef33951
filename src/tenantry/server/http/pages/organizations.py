"""The organization switcher, joining pending invitations, and creating an organization."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import TenantryError
from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.http.pages.forms import errors_of, text
from tenantry.server.http.pages.web import (
    check_csrf,
    context,
    current_session,
    redirect,
    render,
    safe_next,
    session_token,
)
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import CreateOrganization
from tenantry.server.services.directory import organizations
from tenantry.server.services.identity import sessions
from tenantry.server.services.identity.sessions import SessionView
from tenantry.server.services.membership import invitations

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


async def _switcher(request: Request, session: SessionView, *, status_code: int = 200, **extra: Any) -> Response:
    by_status = {status: [m for m in session.user.memberships if m.status is status] for status in MembershipStatus}
    return await render(
        request,
        "organizations.html",
        status_code=status_code,
        session=session,
        active=by_status[MembershipStatus.ACTIVE],
        pending=by_status[MembershipStatus.PENDING_INVITE],
        expired=by_status[MembershipStatus.INVITE_EXPIRED],
        **extra,
    )


@router.get("/organizations")
async def organizations_page(request: Request, joined: str = "", next: str = "") -> Response:
    """The switcher; with ``next`` (an application asked the user to choose), every
    organization gets a Continue button that goes on to ``next`` with the choice."""
    session = await current_session(request)
    if session is None:
        return redirect(f"/login?{urlencode({'next': _here(request)})}")
    return await _switcher(
        request, session, notice=f"You joined {joined}." if joined else None, next=safe_next(next, "")
    )


def _here(request: Request) -> str:
    return f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path


@router.post("/organizations/switch")
async def switch(request: Request) -> Response:
    form = await check_csrf(request)
    token = session_token(request)
    if await current_session(request) is None or token is None:
        return redirect("/login?next=/organizations")
    organization_id = text(form, "organization_id")
    try:
        await run_in_threadpool(sessions.switch_organization, context(request), token, organization_id)
    except TenantryError as exc:
        session = await current_session(request)
        assert session is not None
        return await _switcher(request, session, status_code=404, error=exc.message)
    next_url = safe_next(form.get("next"), "")
    if next_url:
        separator = "&" if "?" in next_url else "?"
        return redirect(f"{next_url}{separator}{urlencode({'organization_id': organization_id})}")
    return redirect("/organizations")


@router.post("/organizations/{organization_id}/join")
async def join(request: Request, organization_id: str) -> Response:
    await check_csrf(request)
    session = await current_session(request)
    token = session_token(request)
    if session is None or token is None:
        return redirect("/login?next=/organizations")
    ctx = context(request)
    try:
        joined = await run_in_threadpool(invitations.join, ctx, session.user.id, organization_id)
        await run_in_threadpool(sessions.switch_organization, ctx, token, organization_id)
    except TenantryError as exc:
        return await _switcher(request, session, status_code=409, error=exc.message)
    return redirect(f"/organizations?joined={quote(joined.display_name)}")


@router.get("/organizations/new")
async def new_page(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return redirect("/login?next=/organizations/new")
    return await render(request, "organization_new.html", session=session, values={})


@router.post("/organizations/new")
async def create(request: Request) -> Response:
    form = await check_csrf(request)
    session = await current_session(request)
    token = session_token(request)
    if session is None or token is None:
        return redirect("/login?next=/organizations/new")
    ctx = context(request)
    try:
        command = CreateOrganization(display_name=text(form, "display_name"), created_by_user_id=session.user.id)
        org = await run_in_threadpool(organizations.create, ctx, command)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await render(
            request,
            "organization_new.html",
            status_code=400,
            session=session,
            values=form,
            errors=errors,
            error=message,
        )
    await run_in_threadpool(sessions.switch_organization, ctx, token, org.id)
    return redirect("/organizations")
