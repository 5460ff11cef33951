"""Single sign-on pages (SPEC §11): start a sign-in at a connection's identity provider, the
OIDC callback, the SAML ACS and SP metadata, and the pages for refusals (a full organization
is worded with the meta name)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import NotFound, TenantryError
from tenantry.server.domain.sso import SsoRefused
from tenantry.server.http.pages.web import context, meta_of, redirect, render, safe_next, set_session_cookie
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import environment
from tenantry.server.services.federation import connections, provisioning, signin
from tenantry.server.services.federation.signin import Finished

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


def sso_start_url(connection_id: str, next_url: str, login_hint: str | None = None) -> str:
    query = {"connection_id": connection_id, "next": next_url}
    if login_hint:
        query["login_hint"] = login_hint
    return f"/sso/start?{urlencode(query)}"


async def _refused(request: Request, exc: TenantryError, status_code: int = 400) -> Response:
    tested_from = getattr(exc, "test_started_at", None)
    if tested_from and tested_from.startswith("/portal/"):  # a connection test from the admin portal
        link, link_text, heading = tested_from, "Back to the set-up", "The connection test did not work"
    else:
        link, link_text, heading = "/login", "Back to sign-in", "Single sign-on did not work"
    return await render(
        request,
        "message.html",
        status_code=status_code,
        heading=heading,
        message=exc.message,
        link=link,
        link_text=link_text,
    )


async def _full(request: Request, organization_name: str) -> Response:
    settings = await run_in_threadpool(environment.get_settings, context(request))
    meta = meta_of(settings)
    return await render(
        request,
        "message.html",
        status_code=409,
        heading=f"{organization_name}'s {meta.singular_lower} is full",
        message=f"{organization_name}'s {meta.singular_lower} is full — ask your administrator to free a seat "
        "or raise the limit, then sign in again.",
        link="/login",
        link_text="Back to sign-in",
    )


@router.get("/sso/start")
async def start(
    request: Request, connection_id: str, next: str | None = None, login_hint: str | None = None, test: bool = False
) -> Response:
    """Send the browser to the connection's identity provider."""
    try:
        url = await run_in_threadpool(
            signin.start, context(request), connection_id, safe_next(next), login_hint=login_hint, test=test
        )
    except TenantryError as exc:
        return await _refused(request, exc)
    return RedirectResponse(url, status_code=303)


async def _finished(request: Request, finished: Finished) -> Response:
    if finished.signed_in is None:  # a test: show what came, sign nobody in
        attributes = sorted(
            (k, v if isinstance(v, str) else json.dumps(v)) for k, v in finished.answer.attributes.items()
        )
        back = finished.next_url if finished.next_url.startswith("/portal/") else None  # a test from the portal
        return await render(request, "sso_test.html", subject=finished.answer.subject, attributes=attributes, back=back)
    response = redirect(safe_next(finished.next_url))
    set_session_cookie(request, response, finished.signed_in.session_token)
    return response


@router.get("/sso/oidc/{connection_id}/callback")
async def oidc_callback(request: Request, connection_id: str) -> Response:
    params = dict(request.query_params)
    try:
        finished = await run_in_threadpool(
            signin.finish_oidc, context(request), connection_id, params, request.headers.get("user-agent")
        )
    except provisioning.OrganizationFull as full:
        return await _full(request, full.organization_name)
    except TenantryError as exc:
        return await _refused(request, exc)
    return await _finished(request, finished)


@router.post("/sso/saml/{connection_id}/acs")
async def saml_acs(request: Request, connection_id: str) -> Response:
    """The Assertion Consumer Service (HTTP-POST binding). A cross-site form post by design:
    the signed response and the single-use RelayState stand in for a CSRF token."""
    form = {k: v for k, v in (await request.form()).multi_items() if isinstance(v, str)}
    try:
        finished = await run_in_threadpool(
            signin.finish_saml, context(request), connection_id, form, request.headers.get("user-agent")
        )
    except provisioning.OrganizationFull as full:
        return await _full(request, full.organization_name)
    except TenantryError as exc:
        return await _refused(request, exc)
    return await _finished(request, finished)


@router.get("/sso/saml/{connection_id}/metadata")
async def saml_metadata(request: Request, connection_id: str) -> Response:
    try:
        xml = await run_in_threadpool(connections.sp_metadata, context(request), connection_id)
    except NotFound:
        return Response("Unknown connection.", status_code=404, media_type="text/plain")
    except SsoRefused as exc:
        return Response(exc.message, status_code=503, media_type="text/plain")
    return Response(xml, media_type="application/samlmetadata+xml")
