"""The portal's directory pages: create a SCIM directory and see its token once, rotate the
token, map the directory's groups to roles and SCIM attributes to custom attributes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain.errors import TenantryError
from tenantry.server.domain.pagination import PageRequest
from tenantry.server.http.pages import attribute_mapping
from tenantry.server.http.pages.forms import errors_of, status_of, text
from tenantry.server.http.pages.web import check_csrf, context
from tenantry.server.http.portal.web import page, portal_access
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import attributes
from tenantry.server.services.provisioning import attribute_paths, directories
from tenantry.server.services.provisioning.directories import PROVIDERS, DirectoryGroupView, DirectoryView

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)
FEATURE = "directory_sync"
GROUPS_SHOWN = 100
PROVIDER_NAMES = {
    "OKTA": "Okta",
    "MICROSOFT_AD": "Microsoft Entra ID",
    "GOOGLE": "Google Workspace",
    "ONELOGIN": "OneLogin",
    "JUMPCLOUD": "JumpCloud",
    "PING_IDENTITY": "Ping Identity",
    "AUTH0": "Auth0",
    "CUSTOM": "Another SCIM 2.0 client",
}


def _listing(ctx: Context, organization_id: str) -> list[tuple[DirectoryView, list[DirectoryGroupView]]]:
    found = directories.list_(ctx, organization_id)
    return [
        (d, directories.list_groups(ctx, organization_id, d.id, PageRequest(size=GROUPS_SHOWN)).items) for d in found
    ]


async def _page(request: Request, status_code: int = 200, **variables: Any) -> Response:
    access = await portal_access(request, FEATURE)
    listing = await run_in_threadpool(_listing, context(request), access.organization_id)
    defined = await run_in_threadpool(attributes.list_all, context(request))
    return await page(
        request,
        "portal/directories.html",
        access,
        status_code=status_code,
        listing=listing,
        providers=[(p, PROVIDER_NAMES.get(p, p)) for p in PROVIDERS],
        definitions=[a.definition for a in defined],
        suggested_paths=attribute_paths.SUGGESTED,
        **variables,
    )


def _map_field(directory_id: str) -> str:
    """The form field of custom attribute <key> for one directory: ``map.<directory id>.<key>``
    (the page shows every directory's form)."""
    return f"map.{directory_id}."


@router.get("/portal/directories")
async def directories_page(request: Request) -> Response:
    return await _page(request)


@router.post("/portal/directories")
async def create_directory(request: Request) -> Response:
    form = await check_csrf(request)
    access = await portal_access(request, FEATURE)
    try:
        created, token = await run_in_threadpool(
            directories.create_with_secret,
            context(request),
            access.organization_id,
            text(form, "name") or None,
            text(form, "provider") or None,
        )
    except TenantryError as exc:
        error, errors = errors_of(exc)
        return await _page(request, status_of(exc), error=error, errors=errors, values=form)
    return await _page(request, 201, new_token=token, new_directory=created)


@router.post("/portal/directories/{directory_id}/token")
async def rotate_token(request: Request, directory_id: str) -> Response:
    await check_csrf(request)
    access = await portal_access(request, FEATURE)
    try:
        token, _ = await run_in_threadpool(
            directories.create_secret, context(request), access.organization_id, directory_id
        )
        directory = await run_in_threadpool(directories.get, context(request), access.organization_id, directory_id)
    except TenantryError as exc:
        return await _page(request, status_of(exc), error=exc)
    return await _page(request, new_token=token, new_directory=directory)


@router.post("/portal/directories/{directory_id}/roles")
async def map_groups(request: Request, directory_id: str) -> Response:
    """Group → role: one role name per group (empty: the group gives no role)."""
    form = await check_csrf(request)
    access = await portal_access(request, FEATURE)
    assignments = [
        {"group_id": name.removeprefix("group."), "role_name": value.strip()}
        for name, value in form.items()
        if name.startswith("group.") and value.strip()
    ]
    try:
        await run_in_threadpool(
            directories.assign_roles, context(request), access.organization_id, directory_id, assignments
        )
    except TenantryError as exc:
        error, errors = errors_of(exc)
        return await _page(request, status_of(exc), error=error or exc, errors=errors)
    return await _page(request, notice="The group roles are saved.")


@router.post("/portal/directories/{directory_id}/attributes")
async def map_attributes(request: Request, directory_id: str) -> Response:
    """SCIM attribute → custom attribute, as on the dashboard: one field per custom
    attribute (empty: not mapped); every bad entry is refused under its field."""
    form = await check_csrf(request)
    access = await portal_access(request, FEATURE)
    chosen, field_of = attribute_mapping.read(form, _map_field(directory_id))
    try:
        await run_in_threadpool(
            directories.update_attributes, context(request), access.organization_id, directory_id, chosen
        )
    except TenantryError as exc:
        error, errors = errors_of(exc)
        errors = [replace(e, field=field_of(e.field)) for e in errors]
        return await _page(
            request, status_of(exc), error=error, errors=errors, mapping_sent=form, mapping_for=directory_id
        )
    return await _page(request, notice="The attribute mapping is saved.")
