"""An organization's directories on the dashboard (SPEC §12): create one (its SCIM base URL
and bearer token, shown once), rotate the token, map groups to roles and SCIM attributes to
custom attributes, delete it."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import TenantryError
from tenantry.server.domain.pagination import PageRequest
from tenantry.server.http.admin.organization_sections import provider_options, refused, section_page
from tenantry.server.http.admin.web import signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages import attribute_mapping
from tenantry.server.http.pages.forms import text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import attributes
from tenantry.server.services.membership import roles
from tenantry.server.services.provisioning import attribute_paths, directories

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/organizations/{organization_id}/directories",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)
PROVIDER_OPTIONS = provider_options(directories.PROVIDERS)
GROUPS_SHOWN = PageRequest(100)  # the groups whose roles the page sets (the API pages through more)
MAP_FIELD = "map."  # the form field of custom attribute <key> is "map.<key>"


async def list_page(request: Request, organization_id: str, **extra: Any) -> Response:
    listed = await run_in_threadpool(directories.list_, context(request), organization_id)
    return await section_page(
        request,
        organization_id,
        "organization_directories.html",
        "directories",
        directories=listed,
        provider_options=PROVIDER_OPTIONS,
        **extra,
    )


async def detail_page(request: Request, organization_id: str, directory_id: str, **extra: Any) -> Response:
    ctx = context(request)
    found = await run_in_threadpool(directories.get, ctx, organization_id, directory_id)
    groups = await run_in_threadpool(directories.list_groups, ctx, organization_id, directory_id, GROUPS_SHOWN)
    available = await run_in_threadpool(roles.list_roles, ctx, organization_id)
    defined = await run_in_threadpool(attributes.list_all, ctx)
    return await section_page(
        request,
        organization_id,
        "organization_directory.html",
        "directories",
        directory=found,
        groups=groups,
        mapped={a["group_id"]: a["role_name"] for a in found.role_assignments},
        role_options=[("", "Default role")] + [(r.name, r.display_name) for r in available],
        definitions=[a.definition for a in defined],
        attribute_map={m["key"]: m["map_to"] for m in found.attribute_mappings},
        fixed_mapping=attribute_mapping.FIXED_MAPPING,
        suggested_paths=attribute_paths.SUGGESTED,
        **extra,
    )


@router.get("")
async def directories_list(request: Request, organization_id: str) -> Response:
    return await list_page(request, organization_id)


@router.post("")
async def create_directory(request: Request, organization_id: str) -> Response:
    """A new directory and its first token, shown on the answer to this POST only."""
    form = await check_csrf(request)
    try:
        created, token = await run_in_threadpool(
            directories.create_with_secret,
            context(request),
            organization_id,
            text(form, "name") or None,
            text(form, "provider") or None,
        )
    except TenantryError as exc:
        page = partial(list_page, request, organization_id)
        return await refused(page, exc, form, "create", lambda f: {"directory_provider": "provider"}.get(f, f))
    return await detail_page(request, organization_id, created.id, status_code=201, token=token)


@router.get("/{directory_id}")
async def directory_detail(request: Request, organization_id: str, directory_id: str) -> Response:
    return await detail_page(request, organization_id, directory_id)


@router.post("/{directory_id}/rotate")
async def rotate_token(request: Request, organization_id: str, directory_id: str) -> Response:
    """A new token, shown once; the previous one stops working at once."""
    await check_csrf(request)
    token, _ = await run_in_threadpool(directories.create_secret, context(request), organization_id, directory_id)
    return await detail_page(request, organization_id, directory_id, token=token, rotated=True)


@router.post("/{directory_id}")
async def save_directory(request: Request, organization_id: str, directory_id: str) -> Response:
    form = await check_csrf(request)
    try:
        await run_in_threadpool(
            partial(
                directories.update,
                context(request),
                organization_id,
                directory_id,
                name=text(form, "name"),
                enabled=form.get("enabled") == "true",
            )
        )
    except TenantryError as exc:
        return await refused(partial(detail_page, request, organization_id, directory_id), exc, form, "settings")
    return redirect(
        with_notice(f"/admin/organizations/{organization_id}/directories/{directory_id}", "directory_saved")
    )


@router.post("/{directory_id}/roles")
async def assign_roles(request: Request, organization_id: str, directory_id: str) -> Response:
    """Group → role: each ``role.<group id>`` chosen (empty: the default member role)."""
    form = await check_csrf(request)
    chosen = [
        {"group_id": name.removeprefix("role."), "role_name": value}
        for name, value in form.items()
        if name.startswith("role.") and value
    ]
    try:
        await run_in_threadpool(directories.assign_roles, context(request), organization_id, directory_id, chosen)
    except TenantryError as exc:
        return await refused(partial(detail_page, request, organization_id, directory_id), exc, form, "roles")
    return redirect(with_notice(f"/admin/organizations/{organization_id}/directories/{directory_id}", "roles_saved"))


@router.post("/{directory_id}/attributes")
async def map_attributes(request: Request, organization_id: str, directory_id: str) -> Response:
    """SCIM attribute → custom attribute: each ``map.<key>`` filled in (empty: not mapped)."""
    form = await check_csrf(request)
    chosen, field_of = attribute_mapping.read(form, MAP_FIELD)
    try:
        await run_in_threadpool(directories.update_attributes, context(request), organization_id, directory_id, chosen)
    except TenantryError as exc:
        page = partial(detail_page, request, organization_id, directory_id)
        return await refused(page, exc, form, "attributes", field_of)
    return redirect(
        with_notice(f"/admin/organizations/{organization_id}/directories/{directory_id}", "attributes_mapped")
    )


@router.post("/{directory_id}/delete")
async def delete_directory(request: Request, organization_id: str, directory_id: str) -> Response:
    await check_csrf(request)
    await run_in_threadpool(directories.delete, context(request), organization_id, directory_id)
    return redirect(with_notice(f"/admin/organizations/{organization_id}/directories", "directory_deleted"))
