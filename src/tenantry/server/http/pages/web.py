"""Plumbing shared by the hosted pages: templates, the session cookie, CSRF, forms.

CSRF: signed double submit. A random ``tenantry_csrf`` cookie per browser, and in every
form an HMAC of it under a server secret; a cross-site form can neither read the cookie
nor compute the HMAC. The cookie is replaced at every sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain.colours import palette
from tenantry.server.domain.environment import EnvironmentSettings
from tenantry.server.domain.errors import FieldError, TenantryError
from tenantry.server.domain.messages import explain
from tenantry.server.domain.wording import MetaName
from tenantry.server.ratelimits import Limiter
from tenantry.server.sealing import Legacy, Sealer, Unreadable
from tenantry.server.services.directory import environment
from tenantry.server.services.identity import mfa, sessions
from tenantry.server.services.identity.sessions import SessionView
from tenantry.server.services.integration import actors, server_secrets

SESSION_COOKIE = "tenantry_session"
PENDING_COOKIE = "tenantry_mfa"  # a sign-in waiting for its second factor (services/identity/mfa.py)
CSRF_COOKIE = "tenantry_csrf"
CSRF_FIELD = "csrf_token"

templates = Jinja2Templates(directory=str(Path(__file__).parents[2] / "templates" / "pages"))


def install_filters(environment: Any) -> None:
    """Filters the shared form macros (``pages/_fields.html``) use, in every template set."""
    environment.filters["pair"] = lambda value: (value, value)  # an option whose text is its value


install_filters(templates.env)


class CsrfFailed(TenantryError):
    code = "csrf_failed"
    default_message = "This form has expired or did not come from this site. Go back, reload the page and try again."


def context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


def address(request: Request) -> str:
    """The client's address (behind a proxy, run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def limiter(request: Request) -> Limiter:
    return context(request).limiter


def secure_cookies(ctx: Context) -> bool:
    return ctx.settings.https


def _csrf_key(ctx: Context) -> bytes:
    return server_secrets.get(ctx, "csrf").encode()


def _browser_secret(request: Request) -> str:
    """This browser's CSRF cookie value, or a new one to set with this response."""
    if not hasattr(request.state, "csrf_cookie"):
        request.state.csrf_cookie = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    return str(request.state.csrf_cookie)


def csrf_token(ctx: Context, request: Request) -> str:
    return _expected_csrf(ctx, _browser_secret(request))


def _expected_csrf(ctx: Context, cookie: str) -> str:
    return hmac.new(_csrf_key(ctx), cookie.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request) -> dict[str, str]:
    """The submitted form, once its CSRF token proves it came from our page. Raises CsrfFailed."""
    ctx = context(request)
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not cookie:
        raise CsrfFailed()
    expected = (
        _expected_csrf(ctx, cookie)  # the key in memory: no worker thread for an HMAC (issue 18)
        if server_secrets.known(ctx, "csrf")
        else await run_in_threadpool(_expected_csrf, ctx, cookie)
    )
    if not hmac.compare_digest(sent, expected):
        raise CsrfFailed()
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


def browser_binding(request: Request) -> str:
    """A keyed digest of this browser's secret cookie (the CSRF one): binds a passkey
    ceremony or a magic link to the browser that asked for it. Stable until the next sign-in."""
    return hmac.new(
        _csrf_key(context(request)), f"browser:{_browser_secret(request)}".encode(), hashlib.sha256
    ).hexdigest()


def ensure_csrf_cookie(request: Request, response: Response) -> None:
    """Give the browser its CSRF secret if it has none (set on the page that shows a form)."""
    if request.cookies.get(CSRF_COOKIE) != _browser_secret(request):
        _set_csrf_cookie(request, response)


def rotate_csrf_cookie(request: Request, response: Response) -> None:
    """A new CSRF secret at every sign-in (hosted pages and dashboard): a token somebody
    learned or planted before the sign-in never works for the signed-in session."""
    request.state.csrf_cookie = secrets.token_urlsafe(32)
    _set_csrf_cookie(request, response)


def _set_csrf_cookie(request: Request, response: Response) -> None:
    if getattr(request.state, "framed_by_another_site", False):  # an embedded admin portal
        set_framed_cookie(response, CSRF_COOKIE, _browser_secret(request), path="/")
        return
    response.set_cookie(
        CSRF_COOKIE,
        _browser_secret(request),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(context(request)),
        path="/",
    )


def set_framed_cookie(response: Response, key: str, value: str, **options: Any) -> None:
    """An HttpOnly cookie that works inside another site's frame (https only):
    ``SameSite=None; Secure``, and ``Partitioned`` (CHIPS) so that browsers blocking
    third-party cookies keep it for that site's frame. Starlette writes ``Partitioned`` only
    on Python 3.14+, hence the attribute appended here."""
    response.set_cookie(key, value, httponly=True, samesite="none", secure=True, **options)
    name, header = response.raw_headers[-1]
    response.raw_headers[-1] = (name, header + b"; Partitioned")


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


async def current_session(request: Request) -> SessionView | None:
    """The signed-in session, if any; it also makes that user the actor of this request's events."""
    session = await run_in_threadpool(sessions.resolve, context(request), session_token(request))
    if session is not None:
        actors.set_for_request(actors.user(session.user.id))
    return session


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Sign the browser in with ``token``; a sign-in that still needs its second factor
    (``mfa.PendingToken``) gets its own cookie instead, and the redirect goes through the
    second-factor page first (whichever method led here)."""
    rotate_csrf_cookie(request, response)
    name, lifetime = SESSION_COOKIE, sessions.SESSION_LIFETIME
    if isinstance(token, mfa.PendingToken):
        then = response.headers.get("location") or "/organizations"
        response.headers["location"] = f"/login/mfa?{urlencode({'next': safe_next(then)})}"
        name, lifetime = PENDING_COOKIE, mfa.PENDING_LIFETIME
    response.set_cookie(
        name,
        token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(context(request)),
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


SIGNUP_COOKIE = "tenantry_signup"
SIGNUP_LIFETIME_SECONDS = 3600


@dataclass(frozen=True)
class PendingSignUp:
    """A sign-up waiting for its e-mail code: the address as typed and the account it made.
    After a sign-up with a registered address ``user_id`` names no account (a fresh id of
    the same shape), so the cookie, the pages and the answers are those of a new sign-up."""

    email: str
    user_id: str


def _signup_sealer(ctx: Context) -> Sealer:
    # cookies set before the sealing module (an hour's worth) still open
    key = _csrf_key(ctx)
    return Sealer(key, "signup-cookie", Legacy(hashlib.sha256(b"tenantry sign-up\0" + key).digest(), False, True))


def set_signup_cookie(request: Request, response: Response, pending: PendingSignUp) -> None:
    """Sealed (AES-GCM): opaque to the browser, and the same length for both kinds."""
    ctx = context(request)
    expires = int(ctx.clock.now().timestamp()) + SIGNUP_LIFETIME_SECONDS
    value = _signup_sealer(ctx).seal(json.dumps([pending.email, pending.user_id, expires]).encode())
    response.set_cookie(
        SIGNUP_COOKIE,
        value,
        max_age=SIGNUP_LIFETIME_SECONDS,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(ctx),
        path="/",
    )


def pending_signup(request: Request) -> PendingSignUp | None:
    value = request.cookies.get(SIGNUP_COOKIE)
    if not value:
        return None
    ctx = context(request)
    try:
        email, user_id, expires = json.loads(_signup_sealer(ctx).open(value))
    except (Unreadable, ValueError, TypeError):  # altered, from another key, or not ours
        return None
    if expires < ctx.clock.now().timestamp():
        return None
    return PendingSignUp(str(email), str(user_id))


def clear_signup_cookie(response: Response) -> None:
    response.delete_cookie(SIGNUP_COOKIE, path="/")


def safe_next(target: str | None, default: str = "/organizations") -> str:
    """Only same-site paths: never an absolute URL or a scheme-relative one (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    session: SessionView | None = None,
    errors: list[FieldError] | None = None,
    error: str | TenantryError | None = None,
    **variables: Any,
) -> HTMLResponse:
    """Render a page with what every page shows: branding, meta name, CSRF token, the
    signed-in user, and errors (one sentence per field, plus one for the form). A refusal
    passed as ``error`` (or as a message page's ``message``) is worded for the person it is
    about, with the meta name (domain/messages.py)."""
    response = templates.TemplateResponse(
        request,
        template,
        {**await page_variables(request, errors, error, variables, "self"), "session": session, **variables},
        status_code=status_code,
    )
    ensure_csrf_cookie(request, response)
    return response


async def request_settings(request: Request) -> EnvironmentSettings:
    """The environment settings, read once per request (the guard and the page share them).
    A handler that changes them redirects, so no request renders a stale copy."""
    cached: EnvironmentSettings | None = getattr(request.state, "environment_settings", None)
    if cached is None:
        cached = await run_in_threadpool(environment.get_settings, context(request))
        request.state.environment_settings = cached
    return cached


def meta_of(settings: EnvironmentSettings) -> MetaName:
    """Every form of the configured organization meta name."""
    return MetaName(settings.organization_meta_name.singular, settings.organization_meta_name.plural)


async def page_variables(
    request: Request,
    errors: list[FieldError] | None,
    error: str | TenantryError | None,
    variables: dict[str, Any],
    audience: str,
) -> dict[str, Any]:
    """What every hosted page and dashboard page shows: branding, the meta name, this
    browser's CSRF token, and errors (one sentence per form field, plus one for the form).
    Refusals in ``error`` or ``variables["message"]`` are worded for ``audience``."""
    ctx = context(request)
    settings = await request_settings(request)
    token = await run_in_threadpool(csrf_token, ctx, request)
    meta = meta_of(settings)
    by_field: dict[str, str] = {}
    for detail in errors or []:
        by_field.setdefault(form_field(detail.field), detail.sentence)
    if isinstance(variables.get("message"), TenantryError):
        variables["message"] = explain(variables["message"], meta, audience)
    return {
        "settings": settings,
        "branding": settings.branding,
        "palette": palette(settings.branding.primary_color),
        "meta": meta,
        "csrf_token": token,
        "errors": by_field,
        "error": explain(error, meta, audience) if isinstance(error, TenantryError) else error,
    }


def form_field(api_field: str) -> str:
    """The form input an API field path is shown on."""
    if api_field.startswith("user_profile.custom_attributes."):
        return "ca." + api_field.rsplit(".", 1)[1]
    return {
        "user_profile.given_name": "given_name",
        "user_profile.family_name": "family_name",
        "user_profile.name": "name",
        "organization.display_name": "organization_name",
        "membership": "email",
    }.get(api_field, api_field)
