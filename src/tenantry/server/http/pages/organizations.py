"""The organization switcher, joining pending invitations, and creating an organization."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import EmailNotVerified, TenantryError
from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.domain.policies import MANAGE_ORGANIZATION, SEE_MEMBERS, allows
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
from tenantry.server.services.directory import domains, environment, organizations
from tenantry.server.services.identity import sessions
from tenantry.server.services.identity.sessions import SessionView
from tenantry.server.services.membership import access, invitations

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


# What was just done, by key (the name comes from the session, never from the address bar).
NOTICES = {
    "welcome": "Welcome to {name}! Your invitation is accepted and you are signed in.",
    "joined": "You joined {name}; it is now your current {meta}.",
    "switched": "You are now working in {name}.",
    "created": "{name} is ready, and you are its administrator. Invite your team from its members page.",
    "verified": "Your e-mail address is confirmed.",
    "existing_account": "You already had an account with this address: you are signed in to it. "
    "Its password has not changed.",
}


def _notice(key: str, session: SessionView, meta: str) -> str | None:
    memberships = session.user.memberships
    current = next((m.organization_name for m in memberships if m.organization_id == session.organization_id), "")
    template = NOTICES.get(key)
    return template.format(name=current or "your " + meta, meta=meta) if template else None


async def _switcher(
    request: Request, session: SessionView, *, status_code: int = 200, notice: str = "", **extra: Any
) -> Response:
    by_status = {status: [m for m in session.user.memberships if m.status is status] for status in MembershipStatus}
    ctx = context(request)
    allowance = await run_in_threadpool(organizations.creation_allowance, ctx, session.user.id)
    settings = await run_in_threadpool(environment.get_settings, ctx)
    held = await run_in_threadpool(access.permissions_by_organization, ctx, session.user.id)
    offers = await run_in_threadpool(domains.offers, ctx, session.user.id)
    pending = by_status[MembershipStatus.PENDING_INVITE]
    full = await run_in_threadpool(
        partial(
            organizations.full_on_switcher,
            ctx,
            invited_to=[m.organization_id for m in pending],
            offered=[o.organization_id for o in offers],
        )
    )
    return await render(
        request,
        "organizations.html",
        members_visible={org_id for org_id, permissions in held.items() if allows(permissions, SEE_MEMBERS)},
        settings_visible={org_id for org_id, permissions in held.items() if allows(permissions, MANAGE_ORGANIZATION)},
        status_code=status_code,
        session=session,
        active=by_status[MembershipStatus.ACTIVE],
        pending=pending,
        full=full,
        expired=by_status[MembershipStatus.INVITE_EXPIRED],
        allowance=allowance,
        offers=offers,
        notice=_notice(notice, session, settings.organization_meta_name.singular.lower()),
        **extra,
    )


@router.get("/organizations")
async def organizations_page(request: Request, notice: str = "", next: str = "") -> Response:
    """The switcher; with ``next`` (an application asked the user to choose), every
    organization gets a Continue button that goes on to ``next`` with the choice."""
    session = await current_session(request)
    if session is None:
        return redirect(f"/login?{urlencode({'next': _here(request)})}")
    return await _switcher(request, session, notice=notice, next=safe_next(next, ""))


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
        return await _switcher(request, session, status_code=404, error=exc)
    next_url = safe_next(form.get("next"), "")
    if next_url:
        separator = "&" if "?" in next_url else "?"
        return redirect(f"{next_url}{separator}{urlencode({'organization_id': organization_id})}")
    return redirect("/organizations?notice=switched")


@router.post("/organizations/{organization_id}/join")
async def join(request: Request, organization_id: str) -> Response:
    await check_csrf(request)
    session = await current_session(request)
    token = session_token(request)
    if session is None or token is None:
        return redirect("/login?next=/organizations")
    ctx = context(request)
    try:
        await run_in_threadpool(invitations.join, ctx, session.user.id, organization_id)
        await run_in_threadpool(sessions.switch_organization, ctx, token, organization_id)
    except TenantryError as exc:
        status = 403 if isinstance(exc, EmailNotVerified) else 409
        return await _switcher(request, session, status_code=status, error=exc)
    return redirect("/organizations?notice=joined")


@router.post("/organizations/{organization_id}/join-by-domain")
async def join_by_domain(request: Request, organization_id: str) -> Response:
    """Join an organization that welcomes the user's e-mail domain (SPEC §10 ``suggest``);
    a full organization is refused with the switcher's explanation."""
    await check_csrf(request)
    session = await current_session(request)
    token = session_token(request)
    if session is None or token is None:
        return redirect("/login?next=/organizations")
    ctx = context(request)
    try:
        await run_in_threadpool(domains.join, ctx, session.user.id, organization_id)
        await run_in_threadpool(sessions.switch_organization, ctx, token, organization_id)
    except TenantryError as exc:
        return await _switcher(request, session, status_code=409, error=exc)
    return redirect("/organizations?notice=joined")


@router.get("/organizations/new")
async def new_page(request: Request) -> Response:
    session = await current_session(request)
    if session is None:
        return redirect("/login?next=/organizations/new")
    allowance = await run_in_threadpool(organizations.creation_allowance, context(request), session.user.id)
    return await render(request, "organization_new.html", session=session, values={}, allowance=allowance)


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
        allowance = await run_in_threadpool(organizations.creation_allowance, ctx, session.user.id)
        return await render(
            request,
            "organization_new.html",
            status_code=400,
            session=session,
            values=form,
            errors=errors,
            error=message,
            allowance=allowance,
        )
    await run_in_threadpool(sessions.switch_organization, ctx, token, org.id)
    return redirect("/organizations?notice=created")
