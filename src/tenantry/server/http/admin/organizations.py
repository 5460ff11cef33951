"""The Organizations tab: search, create, and one organization's details, seat limit and
members (invite, resend, revoke, remove, change role), and admin portal links, through the
API's services."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import InvalidArgument, TenantryError
from tenantry.server.http.admin.organization_sections import SECTIONS
from tenantry.server.http.admin.responses import json_object
from tenantry.server.http.admin.web import page_request, render, signed_in_admin, sorting
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import errors_of, status_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import CreateOrganization, UpdateOrganization
from tenantry.server.services.directory import organization_mfa, organizations
from tenantry.server.services.identity import users
from tenantry.server.services.identity.admins import AdminView
from tenantry.server.services.membership import roles
from tenantry.server.services.portal import links

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/organizations",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)


def limit_from_form(form: dict[str, str]) -> int | None:
    """The seat limit typed in (empty = no limit). Raises InvalidArgument."""
    raw = text(form, "max_allowed_users")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 100_000_000:
        raise InvalidArgument.field("max_allowed_users", "invalid", "enter a whole number of users, or leave it empty")
    return int(raw) or None


async def _list(request: Request, q: str, page_token: str | None, status_code: int = 200, **extra: Any) -> Response:
    ctx = context(request)
    order = sorting(request, ("created", "name"), "/admin/organizations" + (f"?{urlencode({'q': q})}" if q else ""))
    page = await run_in_threadpool(
        lambda: organizations.list_page(ctx, page_request(page_token), q, sort=order.key, descending=order.descending)
    )
    counts = await run_in_threadpool(organizations.member_counts, ctx, [org.id for org in page.items])
    extra.setdefault("values", {})
    return await render(
        request,
        "organizations.html",
        status_code=status_code,
        tab="organizations",
        page=page,
        q=q,
        order=order,
        counts=counts,
        **extra,
    )


@router.get("")
async def organizations_list(request: Request, q: str = "", page_token: str = "") -> Response:
    return await _list(request, q, page_token)


@router.post("")
async def create_organization(request: Request) -> Response:
    form = await check_csrf(request)
    try:
        command = CreateOrganization.model_validate(
            {"display_name": text(form, "display_name"), "external_id": text(form, "external_id") or None}
        )
        created = await run_in_threadpool(organizations.create, context(request), command)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await _list(request, "", None, 400, values=form, error=message, errors=errors)
    return redirect(with_notice(f"/admin/organizations/{created.id}", "organization_created"))


async def detail_page(
    request: Request, organization_id: str, *, status_code: int = 200, page_token: str = "", **extra: Any
) -> Response:
    """One organization: details, limits, members. Errors and form values ride in ``extra``."""
    ctx = context(request)
    org = await run_in_threadpool(organizations.get, ctx, organization_id)
    seats = await run_in_threadpool(organizations.get_user_management, ctx, organization_id)
    members = await run_in_threadpool(users.list_page, ctx, page_request(page_token), organization_id)
    available = await run_in_threadpool(roles.list_roles, ctx, organization_id)
    mfa_required = await run_in_threadpool(organization_mfa.required, ctx, organization_id)
    extra.setdefault("values", {})
    return await render(
        request,
        "organization.html",
        status_code=status_code,
        tab="organizations",
        organization=org,
        seats=seats,
        members=members,
        role_options=[(r.name, r.display_name) for r in available],
        default_role=next((r.name for r in available if r.default_member), ""),
        metadata_text=json.dumps(org.metadata, indent=2, ensure_ascii=False) if org.metadata else "",
        sections=SECTIONS,
        section="",
        mfa_required=mfa_required,
        **extra,
    )


@router.get("/{organization_id}")
async def organization_detail(request: Request, organization_id: str, page_token: str = "") -> Response:
    try:
        return await detail_page(request, organization_id, page_token=page_token)
    except TenantryError as exc:
        return await render(
            request,
            "message.html",
            status_code=404,
            heading="Not found",
            message=exc,
            link="/admin/organizations",
        )


@router.post("/{organization_id}")
async def update_organization(request: Request, organization_id: str) -> Response:
    form = await check_csrf(request)
    try:
        command = UpdateOrganization.model_validate(
            {
                "display_name": text(form, "display_name"),
                "external_id": text(form, "external_id") or None,
                "metadata": json_object(form, "metadata"),
            }
        )
        await run_in_threadpool(organizations.update, context(request), organization_id, command)
    except (ValidationError, TenantryError) as exc:
        return await _refused(request, organization_id, exc, form, "details")
    return redirect(with_notice(f"/admin/organizations/{organization_id}", "organization_saved"))


@router.post("/{organization_id}/limits")
async def update_limits(request: Request, organization_id: str) -> Response:
    form = await check_csrf(request)
    try:
        limit = limit_from_form(form)
        await run_in_threadpool(organizations.set_max_allowed_users, context(request), organization_id, limit)
    except TenantryError as exc:
        return await _refused(request, organization_id, exc, form, "limits")
    return redirect(with_notice(f"/admin/organizations/{organization_id}#limits", "limit_saved"))


@router.post("/{organization_id}/portal-link")
async def make_portal_link(request: Request, organization_id: str) -> Response:
    """A link to the admin portal (every feature, 7 days), shown on the page this once."""
    await check_csrf(request)
    try:
        link = await run_in_threadpool(links.create, context(request), organization_id)
    except TenantryError as exc:
        return await _refused(request, organization_id, exc, {}, "portal")
    return await detail_page(request, organization_id, portal_link=link.location)


async def _refused(request: Request, organization_id: str, exc: Exception, form: dict[str, str], part: str) -> Response:
    """Show the organization again with a refused form's values and its errors."""
    message, errors = errors_of(exc)
    errors = [replace(e, field=e.field.removeprefix("settings.")) for e in errors]
    return await detail_page(
        request, organization_id, status_code=status_of(exc), values={part: form}, error=message, errors=errors
    )


@router.get("/{organization_id}/delete")
async def confirm_delete(request: Request, organization_id: str) -> Response:
    ctx = context(request)
    org = await run_in_threadpool(organizations.get, ctx, organization_id)
    members = await run_in_threadpool(users.list_page, ctx, page_request(None, 1), organization_id)
    return await render(
        request, "organization_delete.html", tab="organizations", organization=org, member_count=members.total_size
    )


@router.post("/{organization_id}/delete")
async def delete_organization(
    request: Request, organization_id: str, admin: AdminView = Depends(signed_in_admin)
) -> Response:
    await check_csrf(request)
    await run_in_threadpool(organizations.delete_, context(request), organization_id)
    return redirect(with_notice("/admin/organizations", "organization_deleted"))
