"""The User Attributes tab: define, edit, reorder and delete custom profile fields, through
the same service (and validator) as the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.attributes import AttributeDefinition, AttributeDefinitionPatch, AttributeType
from tenantry.server.domain.errors import TenantryError
from tenantry.server.http.admin.web import render, signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import errors_of, status_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import attributes

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/attributes",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)

FLAGS = ("required", "collect_on_signup", "user_editable")
NUMBERS = ("min_length", "max_length", "minimum", "maximum")


def _number(raw: str) -> int | float | str | None:
    """Empty = no constraint; a number when it parses; otherwise the text, for the validator to refuse."""
    if not raw:
        return None
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            continue
    return raw


def rules_from_form(form: dict[str, str]) -> dict[str, Any]:
    """Every field of a definition from the form (checkboxes absent = false; empty = none)."""
    kind = text(form, "type")
    options = [line.strip() for line in form.get("options", "").splitlines() if line.strip()]
    return {
        "display_name": text(form, "display_name"),
        "description": text(form, "description"),
        "type": kind,
        **{flag: form.get(flag) == "true" for flag in FLAGS},
        "options": options if kind == AttributeType.ENUM else None,
        **{name: _number(text(form, name)) for name in NUMBERS},
        "pattern": text(form, "pattern") or None,
    }


def form_from_definition(definition: AttributeDefinition) -> dict[str, Any]:
    values: dict[str, Any] = definition.model_dump(mode="json")
    values["options"] = "\n".join(definition.options or [])
    for name in NUMBERS:
        number = values[name]
        values[name] = "" if number is None else (int(number) if float(number).is_integer() else number)
    return values


async def _list(request: Request, status_code: int = 200, **extra: Any) -> Response:
    ctx = context(request)
    views = await run_in_threadpool(attributes.list_all, ctx)
    counts = await run_in_threadpool(attributes.holder_counts, ctx)
    return await render(
        request, "attributes.html", status_code=status_code, tab="attributes", attributes=views, counts=counts, **extra
    )


@router.get("")
async def attribute_list(request: Request) -> Response:
    return await _list(request)


async def _form(request: Request, status_code: int = 200, **extra: Any) -> Response:
    extra.setdefault("values", {"type": "string", "user_editable": False})  # new attributes: admin-only until ticked
    return await render(
        request, "attribute_form.html", status_code=status_code, tab="attributes", types=list(AttributeType), **extra
    )


@router.get("/new")
async def new_attribute(request: Request) -> Response:
    return await _form(request)


@router.post("")
async def create_attribute(request: Request) -> Response:
    form = await check_csrf(request)
    try:
        definition = AttributeDefinition.model_validate({"key": text(form, "key"), **rules_from_form(form)})
        await run_in_threadpool(attributes.create, context(request), definition)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await _form(request, 400, values=_redisplay(form), error=message, errors=errors)
    return redirect(with_notice("/admin/attributes", "attribute_created"))


def _redisplay(form: dict[str, str]) -> dict[str, Any]:
    return {**form, **{flag: form.get(flag) == "true" for flag in FLAGS}}


@router.get("/{key}")
async def edit_attribute(request: Request, key: str) -> Response:
    ctx = context(request)
    view = await run_in_threadpool(attributes.get, ctx, key)  # NotFound: the dashboard's 404 page
    holders = await run_in_threadpool(attributes.holders, ctx, key)
    return await _form(request, key=key, holders=holders, values=form_from_definition(view.definition))


@router.post("/{key}")
async def update_attribute(request: Request, key: str) -> Response:
    form = await check_csrf(request)
    force = form.get("force") == "true"
    try:
        patch = AttributeDefinitionPatch.model_validate(rules_from_form(form))
        changed = await run_in_threadpool(attributes.update, context(request), key, patch, force=force)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        incompatible = isinstance(exc, TenantryError) and exc.code == "incompatible_attribute_values"
        holders = await run_in_threadpool(attributes.holders, context(request), key)
        return await _form(
            request,
            status_of(exc),
            key=key,
            holders=holders,
            values=_redisplay(form),
            error=str(exc) if incompatible else message,
            errors=[] if incompatible else errors,
            offer_force=incompatible,
        )
    if changed.values_cleared:
        return redirect(with_notice("/admin/attributes", "attribute_saved_cleared", count=changed.values_cleared))
    return redirect(with_notice("/admin/attributes", "attribute_saved"))


@router.post("/{key}/move")
async def move_attribute(request: Request, key: str) -> Response:
    form = await check_csrf(request)
    offset = -1 if form.get("direction") == "up" else 1
    await run_in_threadpool(attributes.move, context(request), key, offset)
    return redirect("/admin/attributes")


@router.get("/{key}/delete")
async def confirm_delete(request: Request, key: str) -> Response:
    ctx = context(request)
    view = await run_in_threadpool(attributes.get, ctx, key)
    holders = await run_in_threadpool(attributes.holders, ctx, key)
    return await render(request, "attribute_delete.html", tab="attributes", attribute=view.definition, holders=holders)


@router.post("/{key}/delete")
async def delete_attribute(request: Request, key: str) -> Response:
    await check_csrf(request)
    removed = await run_in_threadpool(attributes.delete, context(request), key)
    return redirect(with_notice("/admin/attributes", "attribute_deleted", count=removed))
