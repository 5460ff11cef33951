"""An organization's SSO connections on the dashboard (SPEC §11): create a SAML or OIDC
connection, see the values to give the identity provider, configure it, set how first
sign-ins are provisioned (default role, group → role and attribute mappings), enable,
disable, test and delete it."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain import sso as rules
from tenantry.server.domain.errors import InvalidArgument, TenantryError
from tenantry.server.http.admin.organization_sections import provider_options, refused, section_page, without
from tenantry.server.http.admin.web import signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import names, pairs, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.federation import connections
from tenantry.server.services.federation.commands import ConnectionInput
from tenantry.server.services.membership import roles

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/organizations/{organization_id}/connections",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)


PROVIDER_OPTIONS = provider_options(rules.PROVIDERS)


def _idp_settings(kind: str, form: dict[str, str]) -> dict[str, Any]:
    if kind == "OIDC":
        given = {
            "issuer": text(form, "issuer"),
            "client_id": text(form, "client_id"),
            "client_secret": text(form, "client_secret"),
        }
        oidc: dict[str, Any] = {key: value for key, value in given.items() if value}  # blank keeps what is stored
        if text(form, "scopes"):
            oidc["scopes"] = text(form, "scopes").split()
        return {"oidc_config": oidc}
    saml: dict[str, Any] = {
        "idp_metadata_url": text(form, "idp_metadata_url") or None,
        "idp_initiated_enabled": form.get("idp_initiated_enabled") == "true",
    }
    if text(form, "idp_metadata_xml"):
        saml["idp_metadata_xml"] = text(form, "idp_metadata_xml")
    return {"saml_config": saml}


def _input(kind: str, form: dict[str, str]) -> ConnectionInput:
    """What the settings form asks for, as the API's request body. Raises InvalidArgument
    and pydantic's ValidationError."""
    groups = {group: names(listed) for group, listed in pairs(form, "group_roles").items()}
    return ConnectionInput.model_validate(
        {
            "provider": text(form, "provider") or None,
            "ui_button_title": text(form, "ui_button_title") or None,
            "attribute_mapping": pairs(form, "attribute_mapping"),
            "default_roles": [text(form, "default_role")] if text(form, "default_role") else None,
            "group_roles": groups,
            **_idp_settings(kind, form),
        }
    )


def form_field(field: str) -> str:
    """The settings form's input for a field the service or the API's body names."""
    name = field.removeprefix("connection.")
    head, _, rest = name.partition(".")
    if head in ("oidc_config", "saml_config"):
        return rest.partition(".")[0]
    return {"default_roles": "default_role"}.get(head, head)


async def list_page(request: Request, organization_id: str, **extra: Any) -> Response:
    listed = await run_in_threadpool(connections.list_, context(request), organization_id)
    return await section_page(
        request,
        organization_id,
        "organization_connections.html",
        "connections",
        connections=listed,
        provider_options=PROVIDER_OPTIONS,
        **extra,
    )


async def detail_page(request: Request, organization_id: str, connection_id: str, **extra: Any) -> Response:
    ctx = context(request)
    found = await run_in_threadpool(connections.get, ctx, organization_id, connection_id)
    available = await run_in_threadpool(roles.list_roles, ctx, organization_id)
    return await section_page(
        request,
        organization_id,
        "organization_connection.html",
        "connections",
        connection=found,
        provider_options=PROVIDER_OPTIONS,
        role_options=[(r.name, r.display_name) for r in available],
        **extra,
    )


def _to_detail(organization_id: str, connection_id: str, notice: str) -> Response:
    return redirect(with_notice(f"/admin/organizations/{organization_id}/connections/{connection_id}", notice))


@router.get("")
async def connections_list(request: Request, organization_id: str) -> Response:
    return await list_page(request, organization_id)


@router.post("")
async def create_connection(request: Request, organization_id: str) -> Response:
    form = await check_csrf(request)
    try:
        kind = text(form, "type")
        if kind not in ("SAML", "OIDC"):
            raise InvalidArgument.field("type", "not_in_options", "choose SAML or OpenID Connect")
        body = ConnectionInput.model_validate({"type": kind, "provider": text(form, "provider") or None})
        created = await run_in_threadpool(connections.create, context(request), organization_id, body)
    except (ValidationError, TenantryError) as exc:
        return await refused(partial(list_page, request, organization_id), exc, form, "create", without("connection."))
    return _to_detail(organization_id, created.id, "connection_saved")


@router.get("/{connection_id}")
async def connection_detail(request: Request, organization_id: str, connection_id: str) -> Response:
    return await detail_page(request, organization_id, connection_id)


@router.post("/{connection_id}")
async def save_connection(request: Request, organization_id: str, connection_id: str) -> Response:
    form = await check_csrf(request)
    ctx = context(request)
    page = partial(detail_page, request, organization_id, connection_id)
    try:
        current = await run_in_threadpool(connections.get, ctx, organization_id, connection_id)
        body = _input(current.type, form)
        await run_in_threadpool(connections.update, ctx, organization_id, connection_id, body)
    except (ValidationError, TenantryError) as exc:
        return await refused(page, exc, form, "settings", form_field)
    return _to_detail(organization_id, connection_id, "connection_saved")


async def _switch(request: Request, organization_id: str, connection_id: str, enabled: bool) -> Response:
    await check_csrf(request)
    try:
        await run_in_threadpool(connections.set_enabled, context(request), organization_id, connection_id, enabled)
    except TenantryError as exc:
        return await refused(partial(detail_page, request, organization_id, connection_id), exc, {}, "switch")
    return _to_detail(organization_id, connection_id, "connection_enabled" if enabled else "connection_disabled")


@router.post("/{connection_id}/enable")
async def enable_connection(request: Request, organization_id: str, connection_id: str) -> Response:
    return await _switch(request, organization_id, connection_id, True)


@router.post("/{connection_id}/disable")
async def disable_connection(request: Request, organization_id: str, connection_id: str) -> Response:
    return await _switch(request, organization_id, connection_id, False)


@router.post("/{connection_id}/delete")
async def delete_connection(request: Request, organization_id: str, connection_id: str) -> Response:
    await check_csrf(request)
    await run_in_threadpool(connections.delete, context(request), organization_id, connection_id)
    return redirect(with_notice(f"/admin/organizations/{organization_id}/connections", "connection_deleted"))
