"""The Users tab: search, one user's profile, memberships and sessions, edit, sign out
everywhere, delete — through the same services (and validators) as the API."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.attributes import AttributeDefinition
from tenantry.server.domain.errors import FieldError, NotFound, TenantryError
from tenantry.server.http.admin.responses import json_object, json_text
from tenantry.server.http.admin.web import page_request, render, signed_in_admin, sorting
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import errors_of, profile_from_form, text
from tenantry.server.http.pages.web import check_csrf, context, form_field, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import UpdateUser
from tenantry.server.services.directory import attributes
from tenantry.server.services.identity import sessions, users
from tenantry.server.services.provisioning import ownership
from tenantry.server.services.read_models.views import PROFILE_FIELDS, UserView

router = APIRouter(
    route_class=RetryingRoute, prefix="/admin/users", include_in_schema=False, dependencies=[Depends(signed_in_admin)]
)

USERS = "/admin/users"


@router.get("")
async def users_list(request: Request, q: str = "", page_token: str = "") -> Response:
    order = sorting(request, ("created", "email"), USERS + (f"?{urlencode({'q': q})}" if q else ""))
    try:
        page = await run_in_threadpool(
            lambda: users.list_page(
                context(request), page_request(page_token), search=q, sort=order.key, descending=order.descending
            )
        )
    except TenantryError as exc:  # key=value naming an unknown attribute, or a value of the wrong type
        message, errors = errors_of(exc)
        details = [replace(e, field="q") for e in errors]
        return await render(
            request,
            "users.html",
            status_code=400,
            tab="users",
            page=None,
            q=q,
            error=message,
            errors=details,
            order=order,
        )
    return await render(request, "users.html", tab="users", page=page, q=q, order=order)


def form_values(user: UserView) -> dict[str, Any]:
    """The edit form filled with the user as stored."""
    values: dict[str, Any] = {name: user.profile.get(name) or "" for name in PROFILE_FIELDS}
    values.update({f"ca.{key}": value for key, value in user.custom_attributes.items()})
    values.update(external_id=user.external_id or "", metadata=json_text(user.metadata))
    return values


def update_from_form(form: dict[str, str], definitions: list[AttributeDefinition]) -> UpdateUser:
    """The edit form as one update: every standard field (blank clears it), every custom
    attribute shown, metadata and external id. Raises ValidationError or InvalidArgument."""
    return UpdateUser.model_validate(
        {
            "external_id": text(form, "external_id") or None,
            "metadata": json_object(form, "metadata"),
            "user_profile": profile_from_form(form, definitions, PROFILE_FIELDS),
        }
    )


def _on_form(errors: list[FieldError]) -> list[FieldError]:
    """API field paths (``user_profile.phone_number``) as the form's input names."""
    return [replace(e, field=form_field(e.field).removeprefix("user_profile.")) for e in errors]


async def detail_page(request: Request, user_id: str, *, status_code: int = 200, **extra: Any) -> Response:
    """One user. A refused edit passes the submitted ``values`` and its errors in ``extra``."""
    ctx = context(request)
    user = await run_in_threadpool(users.get, ctx, user_id)
    definitions = await run_in_threadpool(attributes.all_definitions, ctx)
    live = await run_in_threadpool(sessions.list_for_user, ctx, user_id)
    owned = await run_in_threadpool(ownership.owned, ctx, user_id)
    extra.setdefault("values", form_values(user))
    return await render(
        request,
        "user.html",
        status_code=status_code,
        tab="users",
        user=user,
        definitions=definitions,
        sessions=live,
        owned=owned,
        metadata_text=json_text(user.metadata),
        **extra,
    )


@router.get("/{user_id}")
async def user_detail(request: Request, user_id: str) -> Response:
    return await detail_page(request, user_id)


@router.post("/{user_id}")
async def update_user(request: Request, user_id: str) -> Response:
    form = await check_csrf(request)
    ctx = context(request)
    definitions = await run_in_threadpool(attributes.all_definitions, ctx)
    owned = await run_in_threadpool(ownership.owned, ctx, user_id)
    shown = [d for d in definitions if ownership.CUSTOM + d.key not in owned]  # a directory's are read-only
    try:
        command = update_from_form(form, shown)
        await run_in_threadpool(partial(users.update, ctx, user_id, command, directory_fields_read_only=True))
    except NotFound:
        raise  # answered by the dashboard's "not found" page
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await detail_page(
            request,
            user_id,
            status_code=400,
            values=form,
            error=message,
            errors=_on_form(errors),
        )
    return redirect(with_notice(f"{USERS}/{user_id}", "user_saved"))


@router.post("/{user_id}/sessions/end")
async def sign_out_everywhere(request: Request, user_id: str) -> Response:
    await check_csrf(request)
    ended = await run_in_threadpool(sessions.end_everywhere, context(request), user_id)
    return redirect(with_notice(f"{USERS}/{user_id}", "signed_out_everywhere", count=ended))


@router.get("/{user_id}/delete")
async def confirm_delete(request: Request, user_id: str) -> Response:
    ctx = context(request)
    user = await run_in_threadpool(users.get, ctx, user_id)
    live = await run_in_threadpool(sessions.list_for_user, ctx, user_id)
    return await render(request, "user_delete.html", tab="users", user=user, sessions=live)


@router.post("/{user_id}/delete")
async def delete_user(request: Request, user_id: str) -> Response:
    await check_csrf(request)
    await run_in_threadpool(users.delete_, context(request), user_id)
    return redirect(with_notice(USERS, "user_deleted"))
