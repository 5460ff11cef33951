"""Two-step verification pages: the second-factor step of sign-in (and its enrolment when
required), the step-up an application asks for, and the profile's authenticator settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain import mfa as rules
from tenantry.server.domain.errors import FieldError, InvalidArgument, TenantryError
from tenantry.server.http.pages.account import signed_in
from tenantry.server.http.pages.forms import text
from tenantry.server.http.pages.web import (
    PENDING_COOKIE,
    address,
    check_csrf,
    context,
    current_session,
    limiter,
    redirect,
    render,
    safe_next,
    session_token,
    set_session_cookie,
)
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.identity import factors, mfa
from tenantry.server.services.identity.sessions import SessionView

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


def _code_error(exc: TenantryError, field: str = "code") -> list[FieldError]:
    return InvalidArgument.field(field, exc.code, exc.message).details


async def _expired(request: Request) -> Response:
    response = await render(
        request,
        "message.html",
        status_code=400,
        heading="Sign in again",
        message=rules.SignInExpired(),
        link="/login",
        link_text="Sign in",
    )
    response.delete_cookie(PENDING_COOKIE, path="/")
    return response


@router.get("/login/mfa")
async def second_factor_page(request: Request, next: str | None = None) -> Response:
    pending = await run_in_threadpool(mfa.pending, context(request), request.cookies.get(PENDING_COOKIE))
    if pending is None:
        return await _expired(request)
    return await render(request, "login_mfa.html", pending=pending, next=safe_next(next))


@router.post("/login/mfa")
async def second_factor_submit(request: Request) -> Response:
    form = await check_csrf(request)
    ctx = context(request)
    next_url = safe_next(form.get("next"))
    token = request.cookies.get(PENDING_COOKIE)
    pending = await run_in_threadpool(mfa.pending, ctx, token)
    if pending is None:
        return await _expired(request)
    limiter(request).check("second_factor", address(request), pending.user_id)  # per (user, address)
    try:
        finished = await run_in_threadpool(mfa.finish, ctx, token, text(form, "code"))
    except rules.SignInExpired:
        return await _expired(request)
    except TenantryError as exc:
        limiter(request).hit("second_factor", address(request), pending.user_id)
        pending = await run_in_threadpool(mfa.pending, ctx, token)
        if pending is None:
            return await _expired(request)
        return await render(
            request, "login_mfa.html", status_code=400, pending=pending, next=next_url, errors=_code_error(exc)
        )
    response: Response
    if finished.recovery_codes:  # enrolled during this sign-in: show the codes once, then go on
        response = await render(request, "login_mfa.html", codes=finished.recovery_codes, next=next_url)
        set_session_cookie(request, response, finished.session_token)
    else:
        response = await signed_in(request, finished.session_token, next_url)
    response.delete_cookie(PENDING_COOKIE, path="/")
    return response


@router.get("/login/mfa/step-up")
async def step_up(request: Request, next: str | None = None) -> Response:
    """An application asked for MFA (``acr_values``) of a single-factor session."""
    next_url = safe_next(next)
    ctx = context(request)
    held = await run_in_threadpool(mfa.step_up, ctx, session_token(request), request.headers.get("user-agent"))
    if held is None:
        return redirect(f"/login?{urlencode({'next': next_url})}")
    response = redirect(next_url)
    set_session_cookie(request, response, held)
    return response


# --- the profile's authenticator settings -------------------------------------------------


_SIGN_IN = "/login?next=/profile/mfa"


async def _manage(request: Request, session: SessionView, status_code: int = 200, **variables: Any) -> Response:
    status = await run_in_threadpool(factors.status, context(request), session.user.id)
    return await render(
        request, "profile_mfa.html", status_code=status_code, session=session, status=status, **variables
    )


@router.get("/profile/mfa")
async def manage_page(request: Request) -> Response:
    session = await current_session(request)
    return await _manage(request, session) if session else redirect(_SIGN_IN)


@router.post("/profile/mfa/begin")
async def begin(request: Request) -> Response:
    await check_csrf(request)
    session = await current_session(request)
    if session is None:
        return redirect(_SIGN_IN)
    try:
        enrolment = await run_in_threadpool(factors.begin_enrolment, context(request), session.user.id)
    except TenantryError as exc:
        return await _manage(request, session, 400, error=exc)
    return await _manage(request, session, enrolment=enrolment)


async def _with_code(
    request: Request,
    field: str,
    action: Callable[[Context, str, str], Any],
    failed: Callable[[Context, str], Awaitable[dict[str, Any]]] | None = None,
) -> Response:
    """Run ``action(ctx, user_id, code)`` for the signed-in user with the submitted code,
    counted against the code rate limit per (user, address); on failure the page shows
    ``failed(ctx, user_id)``'s variables too."""
    form = await check_csrf(request)
    session = await current_session(request)
    if session is None:
        return redirect(_SIGN_IN)
    ctx = context(request)
    limiter(request).check("second_factor", address(request), session.user.id)
    try:
        result = await run_in_threadpool(action, ctx, session.user.id, text(form, field))
    except TenantryError as exc:
        limiter(request).hit("second_factor", address(request), session.user.id)
        extra = await failed(ctx, session.user.id) if failed else {}
        return await _manage(request, session, 400, errors=_code_error(exc, field), **extra)
    return await _manage(request, session, codes=result) if result else redirect("/profile/mfa")


async def _enrolment_in_progress(ctx: Context, user_id: str) -> dict[str, Any]:
    return {"enrolment": await run_in_threadpool(factors.enrolment_of, ctx, user_id)}


@router.post("/profile/mfa/setup")
async def confirm(request: Request) -> Response:
    return await _with_code(request, "code", factors.confirm_enrolment, _enrolment_in_progress)


@router.post("/profile/mfa/recovery-codes")
async def regenerate(request: Request) -> Response:
    return await _with_code(request, "code", factors.regenerate_recovery_codes)


@router.post("/profile/mfa/remove")
async def remove(request: Request) -> Response:
    return await _with_code(request, "remove_code", factors.remove_own)
