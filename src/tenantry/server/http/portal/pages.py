"""Entering the portal (the link), its overview, domains, and the organization's log."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import TenantryError
from tenantry.server.domain.portal import EmbeddingNeedsHttps, PortalLinkNotFound
from tenantry.server.http.pages.forms import errors_of, status_of, text
from tenantry.server.http.pages.web import address, check_csrf, context, limiter, redirect
from tenantry.server.http.portal.web import message_page, page, portal_access, set_portal_cookie
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import domains
from tenantry.server.services.portal import links, log

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)
LOG_SIZE = 50


@router.get("/portal/open")
async def open_link(request: Request, token: str | None = None) -> Response:
    """The link the application handed out: a portal session for this browser."""
    limiter(request).check("portal_link", address(request))
    try:
        opened = await run_in_threadpool(links.open_, context(request), token)
    except PortalLinkNotFound:  # guessing links costs the guesser
        limiter(request).hit("portal_link", address(request))
        raise
    except EmbeddingNeedsHttps as exc:  # said here, not in a frame that silently lacks its cookie
        return await message_page(request, 409, "This portal cannot open inside another site", exc.message)
    response = redirect("/portal")
    set_portal_cookie(request, response, opened)
    return response


@router.get("/portal")
async def home(request: Request) -> Response:
    access = await portal_access(request)
    return await page(request, "portal/home.html", access)


async def _domains_page(request: Request, status_code: int = 200, **variables: object) -> Response:
    access = await portal_access(request, "domains")
    listed = await run_in_threadpool(domains.list_, context(request), access.organization_id)
    return await page(request, "portal/domains.html", access, status_code=status_code, domains=listed, **variables)


@router.get("/portal/domains")
async def domains_page(request: Request) -> Response:
    return await _domains_page(request)


@router.post("/portal/domains")
async def add_domain(request: Request) -> Response:
    form = await check_csrf(request)
    access = await portal_access(request, "domains")
    try:
        await run_in_threadpool(
            domains.create, context(request), access.organization_id, text(form, "domain"), "ORGANIZATION_DOMAIN"
        )
    except (TenantryError, ValidationError) as exc:
        error, errors = errors_of(exc)
        named = [replace(detail, field="domain") for detail in errors]
        return await _domains_page(request, status_of(exc), error=error, errors=named, values=form)
    return redirect("/portal/domains")


@router.post("/portal/domains/{domain_id}/verify")
async def verify_domain(request: Request, domain_id: str) -> Response:
    await check_csrf(request)
    access = await portal_access(request, "domains")
    try:
        checked = await run_in_threadpool(domains.verify, context(request), access.organization_id, domain_id, "DNS")
    except TenantryError as exc:
        return await _domains_page(request, status_of(exc), error=exc)
    return await _domains_page(request, notice=f"{checked.domain} is verified.")


@router.get("/portal/log")
async def log_page(request: Request) -> Response:
    """The organization's single sign-on sign-ins, provisioning and set-up changes, newest first."""
    access = await portal_access(request)
    found = await run_in_threadpool(log.entries, context(request), access.organization_id, access.link_id, LOG_SIZE)
    return await page(request, "portal/log.html", access, entries=found)
