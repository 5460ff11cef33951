"""``POST /oauth/token``: the client-credentials grant of RFC 6749 §4.4 for the management API.

Errors carry both our problem fields (``code``, ``message``, ``details``) and the RFC's
(``error``, ``error_description``), so API.md clients and stock OAuth libraries both
understand them.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import FieldError, Unauthenticated
from tenantry.server.http import oidc
from tenantry.server.http.deps import Ctx
from tenantry.server.http.pages.web import address
from tenantry.server.http.problem import problem
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.ratelimits import RateLimited
from tenantry.server.services.integration import clients

router = APIRouter(route_class=RetryingRoute, tags=["oauth"])
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote(client_id), unquote(secret)) if sep else None


def _invalid_request(error: str, message: str, field: str) -> JSONResponse:
    return problem(
        400,
        "invalid_argument",
        message,
        [FieldError(field, "invalid", message)],
        headers=_NO_STORE,
        error=error,
        error_description=message,
    )


@router.post("/oauth/token")
async def token(request: Request, ctx: Ctx) -> Response:
    """client_credentials: management API clients (form fields or HTTP Basic) get a
    short-lived bearer token. authorization_code and refresh_token: OpenID Connect, for
    applications (see http/oidc.py)."""
    form = {key: value for key, value in (await request.form()).multi_items() if isinstance(value, str)}
    grant_type = form.get("grant_type")
    if grant_type in ("authorization_code", "refresh_token"):
        return await oidc.token_grant(request, form)
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    authorization = request.headers.get("authorization")
    if grant_type != "client_credentials":
        if not grant_type:
            return _invalid_request("invalid_request", "grant_type is required.", "grant_type")
        return _invalid_request(
            "unsupported_grant_type",
            "grant_type must be client_credentials, authorization_code or refresh_token.",
            "grant_type",
        )
    basic = basic_credentials(authorization)
    if basic is not None:
        client_id, client_secret = basic
    if not client_id or not client_secret:
        return _invalid_request("invalid_request", "client_id and client_secret are required.", "client_id")
    try:
        ctx.limiter.check("client_secret", address(request), client_id)
    except RateLimited as exc:
        return problem(
            429,
            exc.code,
            exc.message,
            headers={**_NO_STORE, "Retry-After": str(exc.retry_after)},
            error="slow_down",
            error_description=exc.message,
        )
    # Remembered credentials that match: no database, no worker thread (issue 18).
    issued = clients.issue_token_from_memory(ctx, client_id, client_secret)
    try:
        if issued is None:
            issued = await run_in_threadpool(clients.issue_token, ctx, client_id, client_secret)
    except Unauthenticated as exc:
        ctx.limiter.hit("client_secret", address(request), client_id)
        return problem(
            401,
            exc.code,
            exc.message,
            headers={**_NO_STORE, "WWW-Authenticate": 'Basic realm="tenantry"'},
            error="invalid_client",
            error_description=exc.message,
        )
    return JSONResponse(
        {"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in},
        headers=_NO_STORE,
    )
