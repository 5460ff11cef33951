"""Social sign-in pages (SPEC §13): the log-in page's buttons post here (CSRF) to go to the
provider; the provider sends the browser back to the callback. The state is kept in the
database (single use) and in a short-lived cookie of this browser: an answer must come back
to the browser that asked (no login CSRF with somebody else's code)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain import social as rules
from tenantry.server.domain.errors import TenantryError
from tenantry.server.http.pages.account import signed_in
from tenantry.server.http.pages.web import (
    address,
    check_csrf,
    context,
    limiter,
    render,
    safe_next,
    secure_cookies,
)
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.federation import social
from tenantry.server.services.identity import social_login

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)
STATE_COOKIE = "tenantry_social_state"
STATE_MAX_AGE = 600  # as long as a pending request lives (federation/requests.py)


@router.post("/login/social/{connection_id}")
async def start(request: Request, connection_id: str) -> Response:
    """Send the browser to the provider."""
    form = await check_csrf(request)
    limiter(request).check("social", address(request))
    limiter(request).hit("social", address(request))
    try:
        url, state = await run_in_threadpool(social.start, context(request), connection_id, safe_next(form.get("next")))
    except TenantryError as exc:
        return await _refused(request, exc)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=STATE_MAX_AGE,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back
        secure=secure_cookies(context(request)),
        path="/login/social",
    )
    return response


@router.get("/login/social/{connection_id}/callback")
async def callback(request: Request, connection_id: str) -> Response:
    params = dict(request.query_params)
    kept = request.cookies.get(STATE_COOKIE) or ""
    if not kept or not hmac.compare_digest(kept.encode(), params.get("state", "").encode()):
        refused = rules.SocialSignInRefused(
            "This answer does not belong to a sign-in started in this browser. Start again from the sign-in page.",
            reason="state",
        )
        return await _refused(request, refused)
    try:
        done = await run_in_threadpool(
            social_login.sign_in, context(request), connection_id, params, request.headers.get("user-agent")
        )
    except TenantryError as exc:
        return await _refused(request, exc)
    response = await signed_in(request, done.session_token, safe_next(done.next_url))
    response.delete_cookie(STATE_COOKIE, path="/login/social")
    return response


async def _refused(request: Request, exc: TenantryError) -> Response:
    prove_address = exc.reason == "account_unverified"  # an e-mailed code proves it, then linking works
    response = await render(
        request,
        "message.html",
        status_code=403 if isinstance(exc, rules.SocialSignInRefused) else 400,
        heading="Signing in did not work",
        message=exc.message,
        link="/login/code" if prove_address else "/login",
        link_text="E-mail me a sign-in code" if prove_address else "Back to sign-in",
    )
    response.delete_cookie(STATE_COOKIE, path="/login/social")
    return response
