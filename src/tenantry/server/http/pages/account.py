"""Sign-up, e-mail verification, sign-in (password or e-mailed code), password reset, sign-out."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import AlreadyExists, InvalidArgument, TenantryError
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.lockout import PasswordLoginLocked
from tenantry.server.domain.types import normalize_email
from tenantry.server.http.pages.forms import errors_of, profile_from_form, text
from tenantry.server.http.pages.sso import sso_start_url
from tenantry.server.http.pages.web import (
    PendingSignUp,
    address,
    browser_binding,
    check_csrf,
    clear_session_cookie,
    clear_signup_cookie,
    context,
    current_session,
    limiter,
    pending_signup,
    redirect,
    render,
    safe_next,
    session_token,
    set_session_cookie,
    set_signup_cookie,
)
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import SignUp
from tenantry.server.services.directory import attributes, domains, environment
from tenantry.server.services.federation import signin, social_connections
from tenantry.server.services.identity import login, magic_links, mail_requests, sessions, signup

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


def _agent(request: Request) -> str | None:
    return request.headers.get("user-agent")


@router.get("/")
async def home(request: Request) -> Response:
    return redirect("/organizations" if await current_session(request) else "/login")


@router.get("/signup")
async def signup_page(request: Request, next: str | None = None) -> Response:
    definitions = await run_in_threadpool(attributes.collected_on_signup, context(request))
    return await render(
        request,
        "signup.html",
        session=await current_session(request),
        definitions=definitions,
        values={},
        next=safe_next(next, ""),
    )


@router.post("/signup")
async def signup_submit(request: Request) -> Response:
    form = await check_csrf(request)
    ctx = context(request)
    definitions = await run_in_threadpool(attributes.collected_on_signup, ctx)
    next_url = safe_next(form.get("next"))
    limiter(request).check("signup", address(request), text(form, "email"))
    limiter(request).hit("signup", address(request), text(form, "email"))
    organization_name = text(form, "organization_name")
    try:
        command = SignUp.model_validate(
            {
                "email": text(form, "email"),
                "password": form.get("password", ""),
                "user_profile": profile_from_form(form, definitions),
                "organization": {"display_name": organization_name} if organization_name else None,
            }
        )
        result = await run_in_threadpool(signup.sign_up, ctx, command)
    except AlreadyExists:
        # Say nothing here about the address being registered: tell its owner by e-mail and
        # show the same "check your e-mail" page a new account gets, with the same cookie
        # (naming no account), so that no later page tells the two apart either.
        send_later = await run_in_threadpool(mail_requests.ask, ctx, mail_requests.ACCOUNT_EXISTS, text(form, "email"))
        response = _to_code_step(request, text(form, "email"), new_id("usr"), next_url)
        response.background = BackgroundTask(send_later)
        return response
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await render(
            request,
            "signup.html",
            status_code=400,
            definitions=definitions,
            values=form,
            errors=errors,
            error=message,
            next=next_url,
        )
    # No session yet: the e-mailed code signs the new account in (a session now would be
    # what a sign-up with a registered address cannot have, and tell the two apart).
    await run_in_threadpool(login.send_verification_code, ctx, result.user.id)
    return _to_code_step(request, text(form, "email"), result.user.id, next_url)


@router.get("/verify-email")
async def verify_page(request: Request, next: str | None = None, resent: bool = False) -> Response:
    session = await current_session(request)
    if session and session.user.email_verified:
        return redirect(safe_next(next))
    return await render(
        request,
        "verify_email.html",
        session=session,
        email=_waiting_address(request, session),
        next=safe_next(next),
        resent=resent,
    )


def _waiting_address(request: Request, session: sessions.SessionView | None) -> str | None:
    """The address the code went to: the session's, else the one typed at sign-up."""
    if session is not None:
        return session.user.email
    pending = pending_signup(request)
    return pending.email if pending else None


@router.post("/verify-email")
async def verify_submit(request: Request) -> Response:
    form = await check_csrf(request)
    ctx = context(request)
    session = await current_session(request)
    pending = None if session else pending_signup(request)
    next_url = safe_next(form.get("next"))
    account = session.user.id if session else pending.user_id if pending else None
    limiter(request).check("code", address(request), account)
    token = None
    try:
        if session is not None:
            await run_in_threadpool(login.verify_email, ctx, session.user.id, text(form, "code"))
        elif pending is not None:  # a hosted sign-up: the code also signs the account in
            token = await run_in_threadpool(
                login.finish_sign_up, ctx, pending.user_id, text(form, "code"), _agent(request)
            )
        if account is None:
            raise login.InvalidCode()
        await run_in_threadpool(domains.join_automatically, ctx, account)  # now the address is proved
    except TenantryError as exc:
        limiter(request).hit("code", address(request), account)
        return await render(
            request,
            "verify_email.html",
            status_code=400,
            session=session,
            email=_waiting_address(request, session),
            next=next_url,
            errors=[InvalidArgument.field("code", exc.code, exc.message).details[0]],
        )
    response = redirect(_with_notice(next_url, "verified"))
    if token is not None:
        set_session_cookie(request, response, token)
        clear_signup_cookie(response)
    return response


def _with_notice(url: str, notice: str) -> str:
    """The switcher shows what was just done; other destinations (an application) are left as they are."""
    return f"/organizations?notice={notice}" if url == "/organizations" else url


@router.post("/verify-email/resend")
async def verify_resend(request: Request) -> Response:
    await check_csrf(request)
    session = await current_session(request)
    pending = None if session else pending_signup(request)
    if session is not None:
        limiter(request).check("email", address(request), session.user.id)
        limiter(request).hit("email", address(request), session.user.id)
        await run_in_threadpool(login.send_verification_code, context(request), session.user.id)
    elif pending is not None:  # the same for an id that names no account (sign-up with a registered address)
        limiter(request).check("email", address(request), pending.user_id)
        limiter(request).hit("email", address(request), pending.user_id)
        await run_in_threadpool(login.resend_sign_up_code, context(request), pending.user_id)
    return redirect("/verify-email?resent=true")


async def render_login(request: Request, **variables: Any) -> Response:
    """The log-in page, with a button per enabled social connection (SPEC §13)."""
    social = await run_in_threadpool(social_connections.list_, context(request), enabled_only=True)
    return await render(request, "login.html", social=social, **variables)


@router.get("/login")
async def login_page(request: Request, next: str | None = None, login_hint: str = "") -> Response:
    return await render_login(
        request,
        session=await current_session(request),
        values={"email": login_hint[:320]},
        next=safe_next(next, ""),
    )


async def _signed_in(request: Request, token: str, next_url: str) -> Response:
    """Set the session cookie and go on: to e-mail verification first if still unverified."""
    ctx = context(request)
    holder = await run_in_threadpool(login.after_sign_in, ctx, token)  # with SPEC §10 domain join "auto"
    if holder is not None and not holder.email_verified:
        await run_in_threadpool(lambda: login.send_verification_code(ctx, holder.user_id, on_login=True))
        response = redirect(f"/verify-email?next={quote(next_url)}")
    else:
        response = redirect(next_url)
    set_session_cookie(request, response, token)
    return response


signed_in = _signed_in  # the second-factor page (pages/mfa.py) goes on the same way


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await check_csrf(request)
    next_url = safe_next(form.get("next"))
    sso = await _home_realm(request, text(form, "email"), next_url)
    if sso is not None:  # SPEC §11: an address on a verified domain with SSO goes to its identity provider
        return sso
    limiter(request).check("password", address(request), text(form, "email"))
    try:
        token = await run_in_threadpool(
            login.login_with_password,
            context(request),
            text(form, "email"),
            form.get("password", ""),
            _agent(request),
        )
    except PasswordLoginLocked as exc:  # the page's links (code, reset) still get the owner in
        response = await render_login(request, status_code=429, values=form, error=exc, next=next_url)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except TenantryError as exc:
        limiter(request).hit("password", address(request), text(form, "email"))
        return await render_login(request, status_code=401, values=form, error=exc, next=next_url)
    if isinstance(token, login.ProveAddress):  # never verified: on to the code, as after sign-up
        return _to_code_step(request, text(form, "email"), token.user_id, next_url)
    return await _signed_in(request, token, next_url)


def _to_code_step(request: Request, email: str, user_id: str, next_url: str) -> Response:
    """The "check your e-mail" step of a hosted sign-up (its code signs the account in), for
    a sign-up (``user_id`` naming no account when the address was registered) and for a
    password sign-in of an account whose address was never proved: the same page."""
    response = redirect(f"/verify-email?next={quote(next_url)}")
    if session_token(request):  # the code page serves a signed-in session first: not this one
        clear_session_cookie(response)
    set_signup_cookie(request, response, PendingSignUp(email, user_id))
    return response


async def _home_realm(request: Request, email: str, next_url: str) -> Response | None:
    connection_id = await run_in_threadpool(lambda: signin.discover(context(request), login_hint=email))
    return redirect(sso_start_url(connection_id, next_url, email)) if connection_id else None


@router.post("/login/sso")
async def login_sso(request: Request) -> Response:
    """E-mail first: the address alone finds the organization's identity provider."""
    form = await check_csrf(request)
    next_url = safe_next(form.get("next"))
    sso = await _home_realm(request, text(form, "email"), next_url)
    if sso is not None:
        return sso
    return await render_login(
        request,
        status_code=400,
        values=form,
        next=next_url,
        error="Single sign-on is not set up for this address. Sign in with your password or an e-mailed code.",
    )


@router.get("/login/code")
async def login_code_page(request: Request, next: str | None = None) -> Response:
    return await render(request, "login_code.html", values={}, sent=False, next=safe_next(next, ""))


async def _mail_if_registered(
    request: Request, form: dict[str, str], template: str, kind: str, request_data: str = "", **page: Any
) -> Response:
    """Validate the e-mail, count it against the rate limit, ask for the ``kind`` e-mail
    (nothing goes to an unknown address), and show the same "sent" page either way."""
    try:
        email = normalize_email(text(form, "email"))
    except ValueError as exc:
        return await render(
            request,
            template,
            status_code=400,
            values=form,
            sent=False,
            errors=InvalidArgument.field("email", "invalid", str(exc)).details,
            **page,
        )
    limiter(request).check("email", address(request), email)
    limiter(request).hit("email", address(request), email)
    send_later = await run_in_threadpool(mail_requests.ask, context(request), kind, email, request_data)
    response = await render(request, template, values={"email": email}, sent=True, **page)
    response.background = BackgroundTask(send_later)  # after the answer: its time says nothing (email/jobs.py)
    return response


@router.post("/login/code")
async def login_code_send(request: Request) -> Response:
    form = await check_csrf(request)
    next_url = safe_next(form.get("next"), "")
    # The code alone, or with a magic link bound to this browser (SPEC §13, per the settings).
    settings = await run_in_threadpool(environment.get_settings, context(request))
    if not settings.sign_in_methods.magic_link:
        return await _mail_if_registered(request, form, "login_code.html", mail_requests.LOGIN_CODE, next=next_url)
    data = magic_links.request_data(browser_binding(request), next_url)
    return await _mail_if_registered(
        request, form, "login_code.html", mail_requests.MAGIC_LINK, next=next_url, request_data=data
    )


@router.get("/login/link")
async def login_link(request: Request, token: str = "", next: str | None = None) -> Response:
    """A magic link: signs in the browser that asked for it; any other is shown the code."""
    limiter(request).check("code", address(request))
    try:
        opened = await run_in_threadpool(
            magic_links.open_link, context(request), token, browser_binding(request), _agent(request)
        )
    except TenantryError as exc:
        limiter(request).hit("code", address(request))
        return await render(request, "magic_link.html", status_code=400, message=exc)
    if isinstance(opened, magic_links.TypeTheCode):
        response = await render(request, "magic_link.html", code=opened.code, expires_at=opened.expires_at)
        response.headers["Cache-Control"] = "no-store"
        return response
    return await _signed_in(request, opened.token, safe_next(next))


@router.post("/login/code/verify")
async def login_code_verify(request: Request) -> Response:
    form = await check_csrf(request)
    next_url = safe_next(form.get("next"))
    limiter(request).check("code", address(request), text(form, "email"))
    try:
        token = await run_in_threadpool(
            login.login_with_code, context(request), text(form, "email"), text(form, "code"), _agent(request)
        )
    except TenantryError as exc:
        limiter(request).hit("code", address(request), text(form, "email"))
        return await render(
            request,
            "login_code.html",
            status_code=400,
            values=form,
            sent=True,
            next=next_url,
            errors=InvalidArgument.field("code", exc.code, exc.message).details,
        )
    return await _signed_in(request, token, next_url)


@router.get("/forgot-password")
async def forgot_page(request: Request) -> Response:
    return await render(request, "forgot_password.html", values={}, sent=False)


@router.post("/forgot-password")
async def forgot_submit(request: Request) -> Response:
    form = await check_csrf(request)
    return await _mail_if_registered(request, form, "forgot_password.html", mail_requests.PASSWORD_RESET)


@router.get("/reset-password")
async def reset_page(request: Request, token: str = "") -> Response:
    try:
        await run_in_threadpool(login.check_reset_link, context(request), token)
    except TenantryError:
        return await render(request, "reset_password.html", status_code=400, invalid=True)
    return await render(request, "reset_password.html", token=token, invalid=False)


@router.post("/reset-password")
async def reset_submit(request: Request) -> Response:
    form = await check_csrf(request)
    token = form.get("token", "")
    try:
        session_token_ = await run_in_threadpool(
            login.reset_password, context(request), token, form.get("password", ""), _agent(request)
        )
    except login.InvalidResetLink:
        return await render(request, "reset_password.html", status_code=400, invalid=True)
    except TenantryError as exc:
        message, errors = errors_of(exc)
        return await render(
            request, "reset_password.html", status_code=400, token=token, invalid=False, errors=errors, error=message
        )
    response = redirect("/organizations")
    set_session_cookie(request, response, session_token_)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await check_csrf(request)
    await run_in_threadpool(sessions.end, context(request), session_token(request))
    response = redirect("/login")
    clear_session_cookie(response)
    clear_signup_cookie(response)
    return response
