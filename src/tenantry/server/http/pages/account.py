"""Sign-up, e-mail verification, sign-in (password or e-mailed code), password reset, sign-out."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain import passwords
from tenantry.server.domain.errors import InvalidArgument, TenantryError
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
from tenantry.server.ratelimits import RateLimited
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
        result = await run_in_threadpool(signup.sign_up_hosted, ctx, command)
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
    # A registered address says nothing here: a pending sign-up stands for the account a new
    # address makes (the same cookie, pages and log-in after: services/identity/pending_signups.py),
    # and the owner is e-mailed a code. No session for either: the code signs in. Both
    # e-mails are written after the answer, so its time does not tell them apart either.
    sign_up_id = result.pending_id if isinstance(result, signup.AlreadyRegistered) else result.user.id
    return await _to_code_step_mailed(request, command.email, text(form, "email"), sign_up_id, next_url)


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
    finished = None
    try:
        if session is not None:
            await run_in_threadpool(login.verify_email, ctx, session.user.id, text(form, "code"))
        elif pending is not None:  # a hosted sign-up: the code also signs the account in
            finished = await run_in_threadpool(
                login.finish_sign_up, ctx, pending.user_id, text(form, "code"), _agent(request)
            )
        if account is None:
            raise login.InvalidCode()
        proved = finished.user_id if finished else account  # a pending sign-up's: the account it was for
        await run_in_threadpool(domains.join_automatically, ctx, proved)  # now the address is proved
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
    # Only the mailbox's owner gets here: after a sign-up with their registered address, say
    # that they are in the account they already had, with its password unchanged.
    response = redirect(_with_notice(next_url, "existing_account" if finished and finished.existing else "verified"))
    if finished is not None:
        set_session_cookie(request, response, finished.token)
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
    elif pending is not None:  # a new account's or a pending sign-up's: written after the answer alike
        limiter(request).check("email", address(request), pending.user_id)
        limiter(request).hit("email", address(request), pending.user_id)
        send_later = await run_in_threadpool(
            mail_requests.ask, context(request), mail_requests.SIGN_UP_CODE_AGAIN, pending.email, pending.user_id
        )
        response = redirect("/verify-email?resent=true")
        response.background = BackgroundTask(send_later)
        return response
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
    holder = await run_in_threadpool(login.after_sign_in, context(request), token)  # with SPEC §10 domain join "auto"
    return await _go_on(request, token, next_url, holder)


async def _go_on(request: Request, token: str, next_url: str, holder: login.SignedIn | None) -> Response:
    """``_signed_in`` once ``login.after_sign_in`` has run."""
    if holder is not None and not holder.email_verified:
        ctx = context(request)
        await run_in_threadpool(lambda: login.send_verification_code(ctx, holder.user_id, on_login=True))
        response = redirect(f"/verify-email?next={quote(next_url)}")
    else:
        response = redirect(next_url)
    set_session_cookie(request, response, token)
    return response


signed_in = _signed_in  # the second-factor page (pages/mfa.py) goes on the same way


@dataclass(frozen=True)
class _Steps:
    """How the steps of a password log-in ended: at the identity provider (``sso``), refused
    (``refused``), at the code step (``prove``), or signed in (``token``, ``holder``)."""

    sso: str | None = None
    refused: TenantryError | None = None
    prove: login.ProveAddress | None = None
    token: str | None = None  # or an mfa.PendingToken
    holder: login.SignedIn | None = None


# PostgreSQL: the steps of password log-ins that wait on the network run here, handed on
# from one to the next around the argon2 computation.
_STEP_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sign-in")


def _password_sign_in(ctx: Context, client: str, email: str, password: str, agent: str | None) -> Future[_Steps]:
    """The steps of a password log-in: the reads (home-realm discovery, SPEC §11; the rate
    limit, whose refusal is raised as everywhere; the lock-out and the account), the argon2
    computation, and the write, with what the page needs after it. No thread waits for
    another (issue 18). On SQLite, whose statements never wait on a network, all three run
    on one thread of the hashing pool (its size still bounds the argon2 computations): each
    hand-off between threads cost a wake-up and a GIL switch. On PostgreSQL the reads and
    the write run on the ``sign-in`` threads, handed on through the hashing pool, so that
    no argon2 thread waits on a round trip. Once the password is being checked its outcome
    is written whatever becomes of the request (a failure counts toward the lock-out)."""
    done: Future[_Steps] = Future()
    done.set_running_or_notify_cancel()  # the steps go on even if the request is cancelled
    request_context = contextvars.copy_context()  # the request's origin and actor, for the steps

    def step(work: Callable[[], _Steps | None]) -> None:
        try:
            steps = request_context.copy().run(work)
        except BaseException as exc:
            done.set_exception(exc)
            return
        if steps is not None:
            done.set_result(steps)

    def read() -> login.PasswordAttempt | _Steps:
        try:
            attempt = login.begin_password(
                ctx, email, discover=True, gate=lambda: ctx.limiter.check("password", client, email)
            )
        except RateLimited:
            raise
        except TenantryError as exc:
            return _Steps(refused=exc)
        return _Steps(sso=attempt.sso) if attempt.sso else attempt

    def write(attempt: login.PasswordAttempt, matched: int | None) -> _Steps:
        try:
            opened = login.finish_password(ctx, attempt, matched, agent, after=True)
        except TenantryError as exc:
            return _Steps(refused=exc)
        if isinstance(opened, login.ProveAddress):
            return _Steps(prove=opened)
        return _Steps(token=opened.token, holder=opened.holder)  # with SPEC §10 domain join "auto"

    def on_one_thread() -> _Steps:
        attempt = read()
        return attempt if isinstance(attempt, _Steps) else write(attempt, attempt.matching(password))

    def read_then_hash() -> _Steps | None:
        attempt = read()
        if isinstance(attempt, _Steps):
            return attempt
        attempt.matching_later(password).add_done_callback(
            lambda hashed: _STEP_THREADS.submit(step, lambda: write(attempt, hashed.result()))
        )
        return None  # done by write()

    if ctx.engine.dialect.name == "sqlite":
        passwords.on_hashing_pool(lambda: step(on_one_thread))
    else:
        _STEP_THREADS.submit(step, read_then_hash)
    return done


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await check_csrf(request)
    next_url = safe_next(form.get("next"))
    email = text(form, "email")
    password = form.get("password", "")
    steps = await asyncio.wrap_future(
        _password_sign_in(context(request), address(request), email, password, _agent(request))
    )
    if steps.sso:  # SPEC §11: an address on a verified domain with SSO goes to its identity provider
        return redirect(sso_start_url(steps.sso, next_url, email))
    if isinstance(steps.refused, PasswordLoginLocked):  # the page's links (code, reset) still get the owner in
        response = await render_login(request, status_code=429, values=form, error=steps.refused, next=next_url)
        response.headers["Retry-After"] = str(steps.refused.retry_after)
        return response
    if steps.refused is not None:
        limiter(request).hit("password", address(request), email)
        return await render_login(request, status_code=401, values=form, error=steps.refused, next=next_url)
    if steps.prove is not None:  # never verified, or a pending sign-up: on to the code, as after sign-up
        return await _to_code_step_mailed(request, steps.prove.email, email, steps.prove.user_id, next_url)
    assert steps.token is not None
    return await _go_on(request, steps.token, next_url, steps.holder)


async def _to_code_step_mailed(request: Request, address_: str, typed: str, sign_up_id: str, next_url: str) -> Response:
    """The code step, its code e-mailed once the answer is out (the same outbox row now,
    the same after-answer work, for a new account and a pending sign-up)."""
    send_later = await run_in_threadpool(
        mail_requests.ask, context(request), mail_requests.SIGN_UP_CODE, address_, sign_up_id
    )
    response = _to_code_step(request, typed, sign_up_id, next_url)
    response.background = BackgroundTask(send_later)
    return response


def _to_code_step(request: Request, email: str, user_id: str, next_url: str) -> Response:
    """The "check your e-mail" step of a hosted sign-up (its code signs the account in), for
    a sign-up (``user_id`` naming a pending sign-up when the address was registered) and for
    a password sign-in of an account whose address was never proved, or with a pending
    sign-up's password: the same page."""
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
