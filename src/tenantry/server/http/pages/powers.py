"""The one guard of an organization's hosted pages (members, settings): signed in, and the
domain policy allows the power with the member's effective permissions there (SPEC §9)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.policies import (
    INVITE_MEMBERS,
    MANAGE_MEMBERS,
    MANAGE_ORGANIZATION,
    SEE_MEMBERS,
    allows,
    member_powers,
)
from tenantry.server.http.pages.web import context, current_session, redirect, render
from tenantry.server.services.identity.sessions import SessionView
from tenantry.server.services.membership import access


@dataclass(frozen=True)
class Viewer:
    """The signed-in member and what they may do in the organization."""

    session: SessionView
    powers: dict[str, bool]


_REFUSALS = {
    SEE_MEMBERS: "You cannot see this organization's members.",
    INVITE_MEMBERS: "You cannot invite people to this organization.",
    MANAGE_MEMBERS: "You cannot change this organization's members.",
    MANAGE_ORGANIZATION: "You cannot change this organization's settings.",
}


async def guard(request: Request, organization_id: str, page: str, power: str) -> Viewer | Response:
    """The signed-in member allowed ``power`` in the organization, or the response to send
    instead (sign-in for ``/organizations/{id}/{page}``, or a 403 page)."""
    session = await current_session(request)
    if session is None:
        return redirect(f"/login?next=/organizations/{organization_id}/{page}")
    held = await run_in_threadpool(access.member_access, context(request), session.user.id, organization_id)
    if not allows(held.permissions, power):
        return await render(
            request,
            "message.html",
            status_code=403,
            session=session,
            heading="Not allowed",
            message=_REFUSALS[power],
            link="/organizations",
            link_text="Back",
        )
    return Viewer(session, member_powers(held.permissions))
