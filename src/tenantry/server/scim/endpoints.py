"""What each SCIM 2.0 endpoint of ``router.py`` does (RFC 7644): parse, call one provisioning
service, render with scim2-models. Every request carries the directory's bearer token,
discovery included (the base URL names one directory). Responses are
``application/scim+json``; unknown paths give a SCIM 404 and known paths a SCIM 405 for
methods they do not serve.

Loaded at a process's first SCIM request, with scim2-models: its models took a fifth of
``tenantry serve``'s start-up (issue 17).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from scim2_models import Context as ScimContext
from scim2_models import PatchOp, Resource
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.scim import errors, params
from tenantry.server.services.provisioning import groups, related, tokens, users
from tenantry.server.services.provisioning.protocol import CONFIG, POLICY, PROVIDER, GroupModel, UserModel

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def _ctx(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


def _json(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, media_type=errors.MEDIA_TYPE, headers=headers)


async def _authenticate(request: Request, directory_id: str) -> Context:
    ctx = _ctx(request)
    organization_id = await run_in_threadpool(tokens.authenticate, ctx, directory_id, params.bearer(request))
    request.state.scim_organization_id = organization_id  # this request's writes are logged (route.py)
    return ctx


def _dump(model: Resource[Any], ctx_kind: ScimContext, listing: params.Listing | None = None) -> dict[str, Any]:
    with POLICY:
        return model.model_dump(scim_ctx=ctx_kind, response_parameters=listing.selection if listing else None)


def _list(found: Any, listing: params.Listing) -> JSONResponse:
    dumped = [_dump(model, ScimContext.SEARCH_RESPONSE, listing) for model in found.resources]
    return _json(
        {
            "schemas": [LIST],
            "totalResults": found.total,
            "startIndex": found.start_index,
            "itemsPerPage": len(dumped),
            "Resources": dumped,
        }
    )


def _single(request: Request, model: Resource[Any], status: int = 200) -> JSONResponse:
    listing = params.listing(dict(request.query_params), type(model))
    headers = {"Location": str(model.meta.location)} if status == 201 and model.meta else None
    return _json(_dump(model, ScimContext.RESOURCE_QUERY_RESPONSE, listing), status, headers)


def _read(payload: dict[str, Any], model: Any, kind: ScimContext) -> Any:
    return model.model_validate(payload, scim_ctx=kind, scim_policy=POLICY)


# --- discovery (RFC 7644 §4) -------------------------------------------------------------


def _located(base: str, kind: str, document: dict[str, Any], ident: str) -> dict[str, Any]:
    meta = dict(document.get("meta") or {})
    meta.update({"resourceType": kind, "location": f"{base}/{kind}s/{ident}"})
    return {**document, "meta": meta}


def _schemas(ctx: Context, directory_id: str) -> list[dict[str, Any]]:
    base = related.base_url(ctx.settings.public_url, directory_id)
    dumped = [s.model_dump(scim_ctx=ScimContext.RESOURCE_QUERY_RESPONSE) for s in PROVIDER.schemas]
    return [_located(base, "Schema", d, d["id"]) for d in dumped]


def _resource_types(ctx: Context, directory_id: str) -> list[dict[str, Any]]:
    base = related.base_url(ctx.settings.public_url, directory_id)
    dumped = [r.model_dump(scim_ctx=ScimContext.RESOURCE_QUERY_RESPONSE) for r in PROVIDER.resource_types]
    return [_located(base, "ResourceType", d, d["id"]) for d in dumped]


def _listed(items: list[dict[str, Any]]) -> JSONResponse:
    return _json(
        {"schemas": [LIST], "totalResults": len(items), "startIndex": 1, "itemsPerPage": len(items), "Resources": items}
    )


def _one_of(items: list[dict[str, Any]], ident: str, what: str) -> JSONResponse:
    found = next((item for item in items if item["id"].lower() == ident.lower()), None)
    if found is None:
        return errors.respond(404, f"No {what} {ident!r}.")
    return _json(found)


async def service_provider_config(request: Request, directory_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    document = CONFIG.model_dump(scim_ctx=ScimContext.RESOURCE_QUERY_RESPONSE)
    base = related.base_url(ctx.settings.public_url, directory_id)
    document["meta"] = {"resourceType": "ServiceProviderConfig", "location": f"{base}/ServiceProviderConfig"}
    return _json(document)


async def schemas(request: Request, directory_id: str) -> JSONResponse:
    return _listed(_schemas(await _authenticate(request, directory_id), directory_id))


async def schema(request: Request, directory_id: str, schema_id: str) -> JSONResponse:
    return _one_of(_schemas(await _authenticate(request, directory_id), directory_id), schema_id, "schema")


async def resource_types(request: Request, directory_id: str) -> JSONResponse:
    return _listed(_resource_types(await _authenticate(request, directory_id), directory_id))


async def resource_type(request: Request, directory_id: str, type_id: str) -> JSONResponse:
    return _one_of(_resource_types(await _authenticate(request, directory_id), directory_id), type_id, "resource type")


# --- Users ---------------------------------------------------------------------------------


async def list_users(request: Request, directory_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    listing = params.listing(dict(request.query_params), UserModel)
    found = await run_in_threadpool(users.list_, ctx, directory_id, listing.filter, listing.start_index, listing.count)
    return _list(found, listing)


async def search_users(request: Request, directory_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    listing = params.listing(await params.json_body(request), UserModel)
    found = await run_in_threadpool(users.list_, ctx, directory_id, listing.filter, listing.start_index, listing.count)
    return _list(found, listing)


async def create_user(request: Request, directory_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    resource = _read(await params.json_body(request), UserModel, ScimContext.RESOURCE_CREATION_REQUEST)
    model, created = await run_in_threadpool(users.create, ctx, directory_id, resource)
    return _single(request, model, 201 if created else 200)


async def get_user(request: Request, directory_id: str, user_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    return _single(request, await run_in_threadpool(users.get, ctx, directory_id, user_id))


async def replace_user(request: Request, directory_id: str, user_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    resource = _read(await params.json_body(request), UserModel, ScimContext.RESOURCE_REPLACEMENT_REQUEST)
    return _single(request, await run_in_threadpool(users.replace, ctx, directory_id, user_id, resource))


async def patch_user(request: Request, directory_id: str, user_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    operations = _read(
        params.patch_body(await params.json_body(request)), PatchOp[UserModel], ScimContext.RESOURCE_PATCH_REQUEST
    )
    return _single(request, await run_in_threadpool(users.patch, ctx, directory_id, user_id, operations))


async def delete_user(request: Request, directory_id: str, user_id: str) -> Response:
    ctx = await _authenticate(request, directory_id)
    await run_in_threadpool(users.delete, ctx, directory_id, user_id)
    return Response(status_code=204)


# --- Groups --------------------------------------------------------------------------------


def _wants_members(listing: params.Listing) -> bool:
    excluded = {name.lower() for name in listing.excluded or []}
    wanted = {name.lower().split(".")[0] for name in listing.attributes or []}
    return "members" not in excluded and (not wanted or "members" in wanted)


async def _group_list(request: Request, ctx: Context, directory_id: str, values: dict[str, Any]) -> JSONResponse:
    listing = params.listing(values, GroupModel)
    found = await run_in_threadpool(
        lambda: groups.list_(
            ctx, directory_id, listing.filter, listing.start_index, listing.count, members=_wants_members(listing)
        )
    )
    return _list(found, listing)


async def list_groups(request: Request, directory_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    return await _group_list(request, ctx, directory_id, dict(request.query_params))


async def search_groups(request: Request, directory_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    return await _group_list(request, ctx, directory_id, await params.json_body(request))


async def create_group(request: Request, directory_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    resource = _read(await params.json_body(request), GroupModel, ScimContext.RESOURCE_CREATION_REQUEST)
    return _single(request, await run_in_threadpool(groups.create, ctx, directory_id, resource), 201)


async def get_group(request: Request, directory_id: str, group_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    listing = params.listing(dict(request.query_params), GroupModel)
    model = await run_in_threadpool(lambda: groups.get(ctx, directory_id, group_id, members=_wants_members(listing)))
    return _single(request, model)


async def replace_group(request: Request, directory_id: str, group_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    resource = _read(await params.json_body(request), GroupModel, ScimContext.RESOURCE_REPLACEMENT_REQUEST)
    return _single(request, await run_in_threadpool(groups.replace, ctx, directory_id, group_id, resource))


async def patch_group(request: Request, directory_id: str, group_id: str) -> JSONResponse:
    ctx = await _authenticate(request, directory_id)
    operations = _read(
        params.patch_body(await params.json_body(request)), PatchOp[GroupModel], ScimContext.RESOURCE_PATCH_REQUEST
    )
    members = _wants_members(params.listing(dict(request.query_params), GroupModel))
    model = await run_in_threadpool(lambda: groups.patch(ctx, directory_id, group_id, operations, members=members))
    return _single(request, model)


async def delete_group(request: Request, directory_id: str, group_id: str) -> Response:
    ctx = await _authenticate(request, directory_id)
    await run_in_threadpool(groups.delete, ctx, directory_id, group_id)
    return Response(status_code=204)


# --- everything else under the base URL ------------------------------------------------------

_SERVED = {
    "serviceproviderconfig": "GET",
    "schemas": "GET",
    "resourcetypes": "GET",
    "users": "GET, POST",
    "groups": "GET, POST",
}


async def elsewhere(request: Request, directory_id: str, rest: str) -> JSONResponse:
    """A SCIM 404 for an unknown path, a SCIM 405 for a method a known path does not serve
    (``.search`` on the root is not offered: 501, as RFC 7644 §3.4.3 allows)."""
    await _authenticate(request, directory_id)
    parts = [part for part in rest.split("/") if part]
    head = parts[0].lower() if parts else ""
    if head == ".search":
        return errors.respond(
            501, "Search across resource types is not supported; use /Users/.search or /Groups/.search."
        )
    if head in _SERVED:
        allow = (
            _SERVED[head]
            if len(parts) == 1
            else ("GET" if head in ("schemas", "resourcetypes") else "GET, PUT, PATCH, DELETE")
        )
        if len(parts) <= 2:
            return errors.respond(405, f"{request.method} is not allowed here.", headers={"Allow": allow})
    return errors.respond(404, f"No SCIM endpoint at /{rest}.")
