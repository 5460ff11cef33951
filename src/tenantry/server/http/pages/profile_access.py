"""The profile page's recent sessions and sign-in methods (SPEC §13, §3 token truth): the
user's live browser sessions with "Sign out" for each, "Sign out of all other sessions" and
"Sign out everywhere"; their linked social identities with "Unlink". Each form is
CSRF-checked, calls one service, and comes back to its section of the profile page with a
notice chosen by key (never words from the query string)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain import social
from tenantry.server.domain.errors import NotFound, TenantryError
from tenantry.server.http.pages.web import check_csrf, clear_session_cookie, context, current_session, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.identity import sessions, social_identities
from tenantry.server.services.identity.sessions import SessionView
from tenantry.server.services.read_models.devices import device_in_words, sign_in_in_words

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)

SESSION_NOTICES = {"ended": "Session signed out.", "others": "Signed out of all your other sessions."}
SESSION_PROBLEMS = {NotFound.code: "That session had already ended."}
METHOD_NOTICES = {"unlinked": "Sign-in method unlinked."}
METHOD_PROBLEMS = {
    social.LastSignInMethod.code: social.LastSignInMethod.default_message,
    NotFound.code: "That sign-in method is not linked to your account.",
}


async def section(request: Request, session: SessionView) -> dict[str, Any]:
    """What the profile page shows of the user's sessions and linked sign-in methods."""
    ctx = context(request)
    live = await run_in_threadpool(sessions.list_for_user, ctx, session.user.id)
    linked = await run_in_threadpool(social_identities.list_for_user, ctx, session.user.id)
    query = request.query_params
    return {
        "live_sessions": [
            {
                "id": s.id,
                "current": s.id == session.id,
                "device": device_in_words(s.user_agent),
                "ip_address": s.ip_address,
                "signed_in_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "method": sign_in_in_words(s.amr),
            }
            for s in sorted(live, key=lambda s: s.id != session.id)  # this one first, then the most recent
        ],
        "sessions_notice": SESSION_NOTICES.get(query.get("sessions", "")),
        "sessions_problem": SESSION_PROBLEMS.get(query.get("sessions_problem", "")),
        "linked_identities": linked,
        "methods_notice": METHOD_NOTICES.get(query.get("methods", "")),
        "methods_problem": METHOD_PROBLEMS.get(query.get("methods_problem", "")),
    }


async def _act(
    request: Request,
    act: Callable[[Context, SessionView], object],
    anchor: str,
    done: str,
    *,
    signs_out: Callable[[SessionView], bool] = lambda _session: False,
) -> Response:
    """One change from the profile page, then back to its section with a notice or the
    refusal; to the log-in page when the change signed this browser out."""
    await check_csrf(request)
    session = await current_session(request)
    if session is None:
        return redirect("/login?next=/profile")
    try:
        await run_in_threadpool(act, context(request), session)
    except TenantryError as exc:
        return redirect(f"/profile?{anchor}_problem={exc.code}#{anchor}")
    if signs_out(session):
        response = redirect("/login")
        clear_session_cookie(response)
        return response
    return redirect(f"/profile?{anchor}={done}#{anchor}")


@router.post("/profile/sessions/others/end")
async def end_other_sessions(request: Request) -> Response:
    return await _act(
        request, lambda ctx, session: sessions.end_others(ctx, session.user.id, session.id), "sessions", "others"
    )


@router.post("/profile/sessions/end")
async def end_every_session(request: Request) -> Response:
    """Sign out everywhere: this browser too, and every application's refresh token."""
    return await _act(
        request,
        lambda ctx, session: sessions.end_everywhere(ctx, session.user.id),
        "sessions",
        "ended",
        signs_out=lambda _session: True,
    )


@router.post("/profile/sessions/{session_id}/end")
async def end_session(request: Request, session_id: str) -> Response:
    """One session; this browser's own is an ordinary sign-out."""
    return await _act(
        request,
        lambda ctx, session: sessions.end_own(ctx, session.user.id, session_id),
        "sessions",
        "ended",
        signs_out=lambda session: session.id == session_id,
    )


@router.post("/profile/sign-in-methods/{identity_id}/unlink")
async def unlink(request: Request, identity_id: str) -> Response:
    return await _act(
        request,
        lambda ctx, session: social_identities.unlink(ctx, session.user.id, identity_id),
        "methods",
        "unlinked",
    )
