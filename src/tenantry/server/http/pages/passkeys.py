"""Passkeys on the hosted pages (SPEC §13): sign-in from the log-in page, and the profile
page's list (add, rename, remove). The browser part is static/passkeys.js: it asks for a
ceremony's options (a CSRF-checked POST answering JSON), runs ``navigator.credentials``,
and submits the answer in an ordinary form, so every outcome is an ordinary page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain.errors import NotFound, TenantryError
from tenantry.server.http.pages.account import render_login, signed_in
from tenantry.server.http.pages.forms import text
from tenantry.server.http.pages.web import (
    address,
    browser_binding,
    check_csrf,
    context,
    current_session,
    limiter,
    redirect,
    safe_next,
)
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import environment
from tenantry.server.services.identity import passkeys
from tenantry.server.services.identity.sessions import SessionView

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)

NOTICES = {"added": "Passkey added.", "renamed": "Passkey renamed.", "removed": "Passkey removed."}
PROBLEMS = {
    passkeys.PasskeyRefused.code: "That passkey could not be added. Try again.",
    passkeys.RecentSignInRequired.code: passkeys.RecentSignInRequired.default_message,
    "invalid_name": "Give the passkey a name of 1 to 80 characters.",
    NotFound.code: "You have no such passkey.",
}


def _json(body: str) -> Response:
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


async def section(request: Request, session: SessionView, notice: str = "", problem: str = "") -> dict[str, Any]:
    """What the profile page shows of the user's passkeys (nothing when they are off)."""
    ctx = context(request)
    settings = await run_in_threadpool(lambda: environment.get_settings(ctx))
    if not settings.sign_in_methods.passkeys:
        return {}
    listed = await run_in_threadpool(passkeys.list_for_user, ctx, session.user.id)
    return {
        "passkeys": listed,
        "passkey_notice": NOTICES.get(notice),
        "passkey_problem": PROBLEMS.get(problem),
        "recent_sign_in": session.created_at > ctx.clock.now() - passkeys.RECENT_SIGN_IN,
    }


# --- sign-in ------------------------------------------------------------------------------


@router.post("/login/passkey/options")
async def login_options(request: Request) -> Response:
    await check_csrf(request)
    limiter(request).check("code", address(request))
    options = await run_in_threadpool(passkeys.authentication_options, context(request), browser_binding(request))
    return _json(options)


@router.post("/login/passkey")
async def login_submit(request: Request) -> Response:
    form = await check_csrf(request)
    next_url = safe_next(form.get("next"))
    limiter(request).check("code", address(request))
    try:
        token = await run_in_threadpool(
            passkeys.sign_in,
            context(request),
            browser_binding(request),
            form.get("credential", ""),
            request.headers.get("user-agent"),
        )
    except TenantryError as exc:
        limiter(request).hit("code", address(request))
        return await render_login(request, status_code=400, values={}, error=exc, next=next_url)
    return await signed_in(request, token, next_url)


# --- the profile page's list -------------------------------------------------------------


def _back(notice: str = "", problem: str = "") -> Response:
    query = f"passkey={notice}" if notice else f"passkey_problem={quote(problem)}"
    return redirect(f"/profile?{query}#passkeys")


@router.post("/profile/passkeys/options")
async def register_options(request: Request) -> Response:
    await check_csrf(request)
    session = await current_session(request)
    if session is None:
        raise NotFound("Sign in first.")
    options = await run_in_threadpool(
        passkeys.registration_options, context(request), session, browser_binding(request)
    )
    return _json(options)


async def _change(
    request: Request, act: Callable[[Context, SessionView, dict[str, str]], object], done: str
) -> Response:
    """A change to the user's own passkeys from the profile page, then back to its list."""
    form = await check_csrf(request)
    session = await current_session(request)
    if session is None:
        return redirect("/login?next=/profile")
    try:
        await run_in_threadpool(act, context(request), session, form)
    except ValidationError:
        return _back(problem="invalid_name")
    except TenantryError as exc:
        return _back(problem=exc.code)
    return _back(done)


@router.post("/profile/passkeys")
async def register_submit(request: Request) -> Response:
    browser = browser_binding(request)
    return await _change(
        request,
        lambda ctx, session, form: passkeys.register(
            ctx, session, browser, form.get("credential", ""), text(form, "name")
        ),
        "added",
    )


@router.post("/profile/passkeys/{passkey_id}/rename")
async def rename(request: Request, passkey_id: str) -> Response:
    return await _change(
        request,
        lambda ctx, session, form: passkeys.rename(ctx, session.user.id, passkey_id, text(form, "name")),
        "renamed",
    )


@router.post("/profile/passkeys/{passkey_id}/delete")
async def remove(request: Request, passkey_id: str) -> Response:
    return await _change(request, lambda ctx, session, _form: passkeys.remove(ctx, session, passkey_id), "removed")
