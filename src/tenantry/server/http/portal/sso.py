"""The portal's single sign-on pages: pick an identity provider's guide, give the IdP's
settings (metadata URL, XML or file; OIDC issuer and client), test, map, enable."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from tenantry.server.domain.errors import InvalidArgument, TenantryError
from tenantry.server.http.pages.forms import errors_of, names, pairs, status_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.portal.guides import BY_KEY, GUIDES, guide_for
from tenantry.server.http.portal.web import page, portal_access
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.federation import connections
from tenantry.server.services.federation.commands import ConnectionInput
from tenantry.server.services.federation.saml_metadata import MAX_METADATA_BYTES
from tenantry.server.services.read_models.connections import Connection

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)
FEATURE = "sso"


@router.get("/portal/sso")
async def connections_page(request: Request) -> Response:
    access = await portal_access(request, FEATURE)
    found = await run_in_threadpool(connections.list_, context(request), access.organization_id)
    return await page(request, "portal/sso.html", access, connections=found, guides=GUIDES)


@router.post("/portal/sso")
async def start_setup(request: Request) -> Response:
    form = await check_csrf(request)
    access = await portal_access(request, FEATURE)
    guide = BY_KEY.get(text(form, "guide"))
    if guide is None:
        found = await run_in_threadpool(connections.list_, context(request), access.organization_id)
        return await page(
            request,
            "portal/sso.html",
            access,
            status_code=400,
            connections=found,
            guides=GUIDES,
            errors=[InvalidArgument.field("guide", "required", "Choose your identity provider.").details[0]],
        )
    data = ConnectionInput(type=guide.protocol, provider=guide.provider)  # type: ignore[arg-type]
    created = await run_in_threadpool(connections.create, context(request), access.organization_id, data)
    return redirect(f"/portal/sso/{created.id}")


def sp_values(connection: Connection) -> list[tuple[str, str, str]]:
    """(id, label, value) of what the identity provider needs from us."""
    if connection.saml_config is not None:
        saml = connection.saml_config
        return [
            ("acs_url", "ACS URL (Assertion Consumer Service, HTTP-POST)", saml.sp_assertion_url),
            ("entity_id", "Entity ID (audience)", saml.sp_entity_id),
            ("metadata_url", "Metadata URL", saml.sp_metadata_url),
        ]
    assert connection.oidc_config is not None
    return [("redirect_uri", "Redirect URI (callback)", connection.oidc_config.redirect_uri)]


async def _connection_page(request: Request, connection_id: str, status_code: int = 200, **variables: Any) -> Response:
    access = await portal_access(request, FEATURE)
    connection = await run_in_threadpool(connections.get, context(request), access.organization_id, connection_id)
    test_url = f"/sso/start?connection_id={connection.id}&test=true&next=/portal/sso/{connection.id}"
    return await page(
        request,
        "portal/connection.html",
        access,
        status_code=status_code,
        connection=connection,
        guide=guide_for(connection.provider, connection.type),
        sp_values=sp_values(connection),
        test_url=test_url,
        group_roles="\n".join(f"{group} = {', '.join(roles)}" for group, roles in connection.group_roles.items()),
        attribute_mapping="\n".join(f"{target} = {source}" for target, source in connection.attribute_mapping.items()),
        **variables,
    )


@router.get("/portal/sso/{connection_id}")
async def connection_page(request: Request, connection_id: str) -> Response:
    return await _connection_page(request, connection_id)


async def _change(request: Request, connection_id: str, data: ConnectionInput, notice: str) -> Response:
    access = await portal_access(request, FEATURE)
    try:
        await run_in_threadpool(connections.update, context(request), access.organization_id, connection_id, data)
    except (TenantryError, ValidationError) as exc:
        error, errors = errors_of(exc)
        return await _connection_page(request, connection_id, status_of(exc), error=error, errors=errors)
    return await _connection_page(request, connection_id, notice=notice)


async def _uploaded(request: Request) -> str | None:
    upload = (await request.form()).get("connection.saml_config.idp_metadata_file")
    if not isinstance(upload, UploadFile):
        return None
    content = await upload.read(MAX_METADATA_BYTES + 1)
    return content.decode("utf-8", errors="replace") or None


@router.post("/portal/sso/{connection_id}/idp")
async def save_idp(request: Request, connection_id: str) -> Response:
    """The identity provider's settings: SAML metadata (URL, pasted XML or a file), or the
    OIDC issuer and client."""
    form = await check_csrf(request)
    await portal_access(request, FEATURE)
    try:
        if form.get("protocol") == "OIDC":
            oidc = {
                "issuer": text(form, "connection.oidc_config.issuer") or None,
                "client_id": text(form, "connection.oidc_config.client_id") or None,
                "client_secret": form.get("connection.oidc_config.client_secret") or None,
            }
            data = ConnectionInput.model_validate({"oidc_config": {k: v for k, v in oidc.items() if v}})
        else:
            xml = await _uploaded(request) or text(form, "connection.saml_config.idp_metadata_xml") or None
            url = None if xml else text(form, "connection.saml_config.idp_metadata_url") or None
            if not xml and not url:
                raise InvalidArgument.field(
                    "connection.saml_config.idp_metadata_url", "required", "Give the metadata URL, XML or file."
                )
            data = ConnectionInput.model_validate({"saml_config": {"idp_metadata_url": url, "idp_metadata_xml": xml}})
    except (TenantryError, ValidationError) as exc:
        error, errors = errors_of(exc)
        return await _connection_page(request, connection_id, status_of(exc), error=error, errors=errors)
    return await _change(request, connection_id, data, "The identity provider's settings are saved.")


@router.post("/portal/sso/{connection_id}/mapping")
async def save_mapping(request: Request, connection_id: str) -> Response:
    """Attribute mapping (profile field = IdP attribute), default roles, and group → roles."""
    form = await check_csrf(request)
    await portal_access(request, FEATURE)
    try:
        groups = pairs(form, "connection.group_roles")
        mapping = pairs(form, "connection.attribute_mapping")
        data = ConnectionInput.model_validate(
            {
                "attribute_mapping": mapping,
                "default_roles": names(form.get("connection.default_roles", "")),
                "group_roles": {group: names(roles) for group, roles in groups.items()},
            }
        )
    except (TenantryError, ValidationError) as exc:
        error, errors = errors_of(exc)
        return await _connection_page(request, connection_id, status_of(exc), error=error, errors=errors)
    return await _change(request, connection_id, data, "The mapping is saved.")


async def _switch(request: Request, connection_id: str, enabled: bool) -> Response:
    await check_csrf(request)
    access = await portal_access(request, FEATURE)
    try:
        await run_in_threadpool(
            connections.set_enabled, context(request), access.organization_id, connection_id, enabled
        )
    except TenantryError as exc:
        return await _connection_page(request, connection_id, status_of(exc), error=exc)
    notice = (
        "The connection is on: people on your verified domains now sign in through it."
        if enabled
        else "The connection is off."
    )
    return await _connection_page(request, connection_id, notice=notice)


@router.post("/portal/sso/{connection_id}/enable")
async def enable(request: Request, connection_id: str) -> Response:
    return await _switch(request, connection_id, True)


@router.post("/portal/sso/{connection_id}/disable")
async def disable(request: Request, connection_id: str) -> Response:
    return await _switch(request, connection_id, False)
