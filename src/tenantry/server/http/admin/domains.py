"""An organization's domains on the dashboard (SPEC §10): add one, see the TXT record that
proves it, check DNS or mark it verified, delete it; domain join and SSO enforcement."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.domains import DOMAIN_JOIN_VALUES, DomainType, VerificationMethod
from tenantry.server.domain.errors import InvalidArgument, TenantryError
from tenantry.server.http.admin.organization_sections import refused, section_page, without
from tenantry.server.http.admin.web import signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import domains

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/organizations/{organization_id}/domains",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)
TYPES: dict[str, DomainType] = {
    "ORGANIZATION_DOMAIN": "ORGANIZATION_DOMAIN",
    "ALLOWED_EMAIL_DOMAIN": "ALLOWED_EMAIL_DOMAIN",
}
METHODS: dict[str, VerificationMethod] = {"verify": "DNS", "approve": "ADMIN"}


async def domains_page(request: Request, organization_id: str, **extra: Any) -> Response:
    ctx = context(request)
    listed = await run_in_threadpool(domains.list_, ctx, organization_id)
    settings = await run_in_threadpool(domains.get_settings, ctx, organization_id)
    return await section_page(
        request, organization_id, "organization_domains.html", "domains", domains=listed, settings=settings, **extra
    )


def _done(organization_id: str, notice: str) -> Response:
    return redirect(with_notice(f"/admin/organizations/{organization_id}/domains", notice))


@router.get("")
async def domains_list(request: Request, organization_id: str) -> Response:
    return await domains_page(request, organization_id)


@router.post("")
async def add_domain(request: Request, organization_id: str) -> Response:
    form = await check_csrf(request)
    try:
        kind = TYPES.get(text(form, "domain_type") or "ORGANIZATION_DOMAIN")
        if kind is None:
            raise InvalidArgument.field("domain_type", "not_in_options", "choose a domain type")
        await run_in_threadpool(domains.create, context(request), organization_id, text(form, "domain"), kind)
    except TenantryError as exc:
        return await refused(partial(domains_page, request, organization_id), exc, form, "add", without("domain."))
    return _done(organization_id, "domain_added")


@router.post("/settings")
async def save_settings(request: Request, organization_id: str) -> Response:
    form = await check_csrf(request)
    try:
        join = text(form, "domain_join")
        if join not in DOMAIN_JOIN_VALUES:
            raise InvalidArgument.field("domain_join", "not_in_options", "choose off, suggest or auto")
        changes = {"domain_join": join, "sso_required": form.get("sso_required") == "true"}
        await run_in_threadpool(domains.update_settings, context(request), organization_id, changes)
    except TenantryError as exc:
        return await refused(partial(domains_page, request, organization_id), exc, form, "settings")
    return _done(organization_id, "settings_saved")


async def _act(request: Request, organization_id: str, domain_id: str, action: str) -> Response:
    """``verify`` (look for the TXT record now), ``approve`` (mark it verified without DNS:
    the application proved it another way) or ``delete``."""
    await check_csrf(request)
    ctx = context(request)
    try:
        if action == "delete":
            await run_in_threadpool(domains.delete, ctx, organization_id, domain_id)
            return _done(organization_id, "domain_deleted")
        await run_in_threadpool(domains.verify, ctx, organization_id, domain_id, METHODS[action])
    except TenantryError as exc:
        return await refused(partial(domains_page, request, organization_id), exc, {}, "verify")
    return _done(organization_id, "domain_verified")


@router.post("/{domain_id}/verify")
async def verify_domain(request: Request, organization_id: str, domain_id: str) -> Response:
    return await _act(request, organization_id, domain_id, "verify")


@router.post("/{domain_id}/approve")
async def approve_domain(request: Request, organization_id: str, domain_id: str) -> Response:
    return await _act(request, organization_id, domain_id, "approve")


@router.post("/{domain_id}/delete")
async def delete_domain(request: Request, organization_id: str, domain_id: str) -> Response:
    return await _act(request, organization_id, domain_id, "delete")
