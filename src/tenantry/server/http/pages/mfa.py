"""Two-step verification pages: the second-factor step of sign-in (a code or a security
key, and enrolment when required), the step-up an application asks for, and the profile's
second factors (authenticator app, security keys, recovery codes). The security keys'
browser part is static/passkeys.js, as for passkeys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain import mfa as rules
from tenantry.server.domain.errors import FieldError, InvalidArgument, NotFound, TenantryError
from tenantry.server.http.pages.account import signed_in
from tenantry.server.http.pages.forms import text
from tenantry.server.http.pages.web import (
    PENDING_COOKIE,
    address,
    browser_binding,
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
from tenantry.server.services.identity import factors, mfa, security_keys
from tenantry.server.services.identity.sessions import SessionView

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


def _code_error(exc: TenantryError, field: str = "code") -> list[FieldError]:
    return InvalidArgument.field(field, exc.code, exc.message).details


def _name_error() -> list[FieldError]:
    return InvalidArgument.field("name", "invalid_name", "Give the key a name of 1 to 80 characters.").details


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
    return await _second_factor(request, lambda ctx, token, form: mfa.finish(ctx, token, text(form, "code")))


@router.post("/login/mfa/key")
async def second_factor_key(request: Request) -> Response:
    browser = browser_binding(request)
    return await _second_factor(
        request, lambda ctx, token, form: mfa.finish_with_key(ctx, token, browser, form.get("credential", ""))
    )


@router.post("/login/mfa/key/new")
async def second_factor_new_key(request: Request) -> Response:
    """Enrolment during sign-in with a security key instead of an authenticator app."""
    browser = browser_binding(request)
    return await _second_factor(
        request,
        lambda ctx, token, form: mfa.enrol_key(ctx, token, browser, form.get("credential", ""), text(form, "name")),
        "name",
    )


@router.post("/login/mfa/key/options")
async def second_factor_key_options(request: Request) -> Response:
    return await _pending_options(request, mfa.key_options)


@router.post("/login/mfa/key/new/options")
async def second_factor_new_key_options(request: Request) -> Response:
    return await _pending_options(request, mfa.key_registration_options)


async def _pending_options(request: Request, options: Callable[[Context, str | None, str], str]) -> Response:
    """A WebAuthn ceremony's options for the pending sign-in of this browser (JSON)."""
    await check_csrf(request)
    limiter(request).check("code", address(request))  # each asks for a stored challenge
    token = request.cookies.get(PENDING_COOKIE)
    return _json(await run_in_threadpool(options, context(request), token, browser_binding(request)))


async def _second_factor(
    request: Request, act: Callable[[Context, str | None, Any], mfa.Finished], field: str = "code"
) -> Response:
    """Finish this browser's pending sign-in with ``act`` (a code, a key's answer, a new
    key), counted against the second-factor limit per (user, address)."""
    form = await check_csrf(request)
    ctx = context(request)
    next_url = safe_next(form.get("next"))
    token = request.cookies.get(PENDING_COOKIE)
    pending = await run_in_threadpool(mfa.pending, ctx, token)
    if pending is None:
        return await _expired(request)
    limiter(request).check("second_factor", address(request), pending.user_id)  # per (user, address)
    try:
        finished = await run_in_threadpool(act, ctx, token, form)
    except rules.SignInExpired:
        return await _expired(request)
    except (TenantryError, ValidationError) as exc:
        limiter(request).hit("second_factor", address(request), pending.user_id)
        pending = await run_in_threadpool(mfa.pending, ctx, token)
        if pending is None:
            return await _expired(request)
        errors = _code_error(exc, field) if isinstance(exc, TenantryError) else _name_error()
        return await render(request, "login_mfa.html", status_code=400, pending=pending, next=next_url, errors=errors)
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


NOTICES = {
    "key_added": "Security key added.",
    "key_renamed": "Security key renamed.",
    "key_removed": "Security key removed.",
    "totp_removed": "Authenticator app removed.",
    "codes_kept": "Authenticator app added. Your recovery codes stay the same.",
}
LAST_REMOVED = (
    " You have no second factor left, and two-step verification is required for your account:"
    " you will set one up at your next sign-in."
)


async def _manage(request: Request, session: SessionView, status_code: int = 200, **variables: Any) -> Response:
    ctx = context(request)
    status = await run_in_threadpool(factors.status, ctx, session.user.id)
    keys = await run_in_threadpool(security_keys.list_for_user, ctx, session.user.id)
    notice = NOTICES.get(request.query_params.get("done", ""))
    if notice and status.required and not status.enrolled and request.query_params.get("done", "").endswith("removed"):
        notice += LAST_REMOVED
    return await render(
        request,
        "profile_mfa.html",
        status_code=status_code,
        session=session,
        status=status,
        keys=keys,
        notice=notice,
        recent_sign_in=security_keys.recent(ctx, session),
        **variables,
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
    done: str = "",
) -> Response:
    """Run ``action(ctx, user_id, code)`` for the signed-in user with the submitted code,
    counted against the code rate limit per (user, address); on failure the page shows
    ``failed(ctx, user_id)``'s variables too."""
    return await _with_proof(
        request, field, lambda ctx, session, proof, form: action(ctx, session.user.id, proof.code), failed, done, False
    )


async def _with_proof(
    request: Request,
    field: str,
    action: Callable[[Context, SessionView, Any, Any], Any],
    failed: Callable[[Context, str], Awaitable[dict[str, Any]]] | None = None,
    done: str = "",
    keys: bool = True,
) -> Response:
    """Run ``action(ctx, session, proof, form)`` for the signed-in user with a fresh second
    factor: the submitted code, or (``keys``) a security key's answer, counted against the
    second-factor limit per (user, address). On failure the page shows the error under
    ``field`` and ``failed(ctx, user_id)``'s variables; recovery codes returned are shown
    once, else back to the page with the ``done`` notice."""
    form = await check_csrf(request)
    session = await current_session(request)
    if session is None:
        return redirect(_SIGN_IN)
    ctx = context(request)
    limiter(request).check("second_factor", address(request), session.user.id)
    answer = form.get("credential", "") if keys else ""
    try:
        if answer:
            browser = browser_binding(request)
            proof: Any = await run_in_threadpool(
                lambda: security_keys.answer(ctx, session.user.id, browser, answer, session=session)
            )
        else:
            proof = factors.Code(text(form, field))
        result = await run_in_threadpool(action, ctx, session, proof, form)
    except rules.LastSecondFactor as exc:  # nothing was tried: not a failure to count
        extra = await failed(ctx, session.user.id) if failed else {}
        return await _manage(request, session, 409, errors=_code_error(exc, "confirm_last"), **extra)
    except TenantryError as exc:
        limiter(request).hit("second_factor", address(request), session.user.id)
        extra = await failed(ctx, session.user.id) if failed else {}
        return await _manage(request, session, 400, errors=_code_error(exc, field), **extra)
    if result:
        return await _manage(request, session, codes=result)
    return redirect(f"/profile/mfa?done={done}" if done else "/profile/mfa")


async def _enrolment_in_progress(ctx: Context, user_id: str) -> dict[str, Any]:
    return {"enrolment": await run_in_threadpool(factors.enrolment_of, ctx, user_id)}


@router.post("/profile/mfa/setup")
async def confirm(request: Request) -> Response:
    return await _with_code(request, "code", factors.confirm_enrolment, _enrolment_in_progress, "codes_kept")


@router.post("/profile/mfa/recovery-codes")
async def regenerate(request: Request) -> Response:
    return await _with_proof(
        request,
        "code",
        lambda ctx, session, proof, _form: factors.regenerate_recovery_codes(ctx, session.user.id, proof),
    )


def _removal(factor_id: str | None) -> Callable[[Context, SessionView, Any, Any], None]:
    return lambda ctx, session, proof, form: factors.remove_own(
        ctx, session.user.id, factor_id, proof, last_confirmed=form.get("confirm_last") == "true"
    )


@router.post("/profile/mfa/remove")
async def remove(request: Request) -> Response:
    return await _with_proof(request, "remove_code", _removal(None), done="totp_removed")


# --- the profile's security keys -----------------------------------------------------------


def _json(body: str) -> Response:
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.post("/profile/mfa/keys/options")
async def key_options(request: Request) -> Response:
    """Options for adding a security key (JSON)."""
    return await _session_options(request, security_keys.registration_options)


@router.post("/profile/mfa/keys/confirm-options")
async def key_confirm_options(request: Request) -> Response:
    """Options for confirming a change with one of the user's security keys (JSON)."""
    return await _session_options(request, security_keys.assertion_options)


async def _session_options(request: Request, options: Callable[..., str]) -> Response:
    """A ceremony's options for the signed-in user, bound to this browser and session."""
    await check_csrf(request)
    session = await current_session(request)
    if session is None:
        raise NotFound("Sign in first.")
    browser, ctx = browser_binding(request), context(request)
    return _json(await run_in_threadpool(lambda: options(ctx, session.user.id, browser, session=session)))


@router.post("/profile/mfa/keys")
async def add_key(request: Request) -> Response:
    form = await check_csrf(request)
    session = await current_session(request)
    if session is None:
        return redirect(_SIGN_IN)
    ctx = context(request)
    browser = browser_binding(request)
    try:
        codes = await run_in_threadpool(
            security_keys.add, ctx, session, browser, form.get("credential", ""), text(form, "name")
        )
    except ValidationError:
        return await _manage(request, session, 400, errors=_name_error())
    except TenantryError as exc:
        return await _manage(request, session, 400, errors=_code_error(exc, "name"))
    return await _manage(request, session, codes=codes) if codes else redirect("/profile/mfa?done=key_added")


@router.post("/profile/mfa/keys/{key_id}/rename")
async def rename_key(request: Request, key_id: str) -> Response:
    form = await check_csrf(request)
    session = await current_session(request)
    if session is None:
        return redirect(_SIGN_IN)
    try:
        await run_in_threadpool(security_keys.rename, context(request), session.user.id, key_id, text(form, "name"))
    except ValidationError:
        return await _manage(request, session, 400, errors=_name_error())
    return redirect("/profile/mfa?done=key_renamed")


@router.get("/profile/mfa/keys/{key_id}/remove")
async def remove_key_page(request: Request, key_id: str) -> Response:
    session = await current_session(request)
    if session is None:
        return redirect(_SIGN_IN)
    return await _manage(request, session, removing=await _own_key(request, session, key_id))


async def _own_key(request: Request, session: SessionView, key_id: str) -> security_keys.SecurityKeyView:
    keys = await run_in_threadpool(security_keys.list_for_user, context(request), session.user.id)
    found = next((k for k in keys if k.id == key_id), None)
    if found is None:
        raise NotFound("You have no such security key.")
    return found


@router.post("/profile/mfa/keys/{key_id}/remove")
async def remove_key(request: Request, key_id: str) -> Response:
    async def still_removing(ctx: Context, user_id: str) -> dict[str, Any]:
        keys = await run_in_threadpool(security_keys.list_for_user, ctx, user_id)
        return {"removing": next((k for k in keys if k.id == key_id), None)}

    return await _with_proof(request, "code", _removal(key_id), still_removing, "key_removed")
