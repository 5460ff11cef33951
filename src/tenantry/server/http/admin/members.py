"""An organization's members on the dashboard: invite or add, resend, revoke, remove, change role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain.errors import FieldError, InvalidArgument, TenantryError
from tenantry.server.http.admin.organizations import detail_page
from tenantry.server.http.admin.web import signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import errors_of, profile_from_form, status_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import CreateUserInOrganization, RoleInput, UserProfileInput
from tenantry.server.services.directory import attributes
from tenantry.server.services.identity import users
from tenantry.server.services.identity.admins import AdminView
from tenantry.server.services.identity.profiles import additions_only
from tenantry.server.services.membership import invitations, lifecycle

router = APIRouter(
    route_class=RetryingRoute, prefix="/admin/organizations/{organization_id}/members", include_in_schema=False
)


def _done(organization_id: str, notice: str) -> Response:
    return redirect(with_notice(f"/admin/organizations/{organization_id}#members", notice))


@router.post("")
async def invite(request: Request, organization_id: str, admin: AdminView = Depends(signed_in_admin)) -> Response:
    """Invite, or add as an active member at once. A new active member needs the required
    custom attributes now: when they are missing the form comes back asking for them, with
    each one's error next to its input (``asked``); the next submission carries them."""
    form = await check_csrf(request)
    send = form.get("send_invitation") == "true"
    required = [d for d in await run_in_threadpool(attributes.all_definitions, context(request)) if d.required]
    asked = required if form.get("with_attributes") == "true" else []
    try:
        fields: dict[str, Any] = {
            "email": text(form, "email"),
            "membership": {
                "roles": [{"name": text(form, "role")}] if text(form, "role") else None,
                "inviter_email": admin.email,
            },
        }
        if asked:  # only what the admin typed: a blank box never clears an existing user's value
            fields["user_profile"] = additions_only(UserProfileInput(**profile_from_form(form, asked, ())))
        command = CreateUserInOrganization.model_validate(fields)
        await run_in_threadpool(
            users.create_in_organization, context(request), organization_id, command, send_invitation=send
        )
    except (ValidationError, TenantryError) as exc:
        refusal, errors = errors_of(exc)
        message: str | TenantryError | None = refusal
        if _attribute_errors(errors):
            asked = required
            message = (
                "To add them as an active member now, fill in the required details below "
                "(or send an invitation: they fill them in when accepting)."
            )
        return await detail_page(
            request,
            organization_id,
            status_code=status_of(exc),
            values={"invite": form},
            error=message,
            errors=errors,
            asked_attributes=asked,
        )
    return _done(organization_id, "invited" if send else "added")


def _attribute_errors(errors: list[FieldError]) -> bool:
    return any(error.field.startswith("user_profile.custom_attributes.") for error in errors)


async def _act(
    request: Request, organization_id: str, user_id: str, action: Callable[[Context, str, str], object], notice: str
) -> Response:
    await check_csrf(request)
    try:
        await run_in_threadpool(action, context(request), organization_id, user_id)
    except TenantryError as exc:
        return await detail_page(request, organization_id, status_code=status_of(exc), error=exc)
    return _done(organization_id, notice)


@router.post("/{user_id}/resend", dependencies=[Depends(signed_in_admin)])
async def resend(request: Request, organization_id: str, user_id: str) -> Response:
    return await _act(request, organization_id, user_id, invitations.resend, "resent")


@router.post("/{user_id}/revoke", dependencies=[Depends(signed_in_admin)])
async def revoke(request: Request, organization_id: str, user_id: str) -> Response:
    return await _act(request, organization_id, user_id, lifecycle.revoke_invitation, "revoked")


@router.post("/{user_id}/remove", dependencies=[Depends(signed_in_admin)])
async def remove(request: Request, organization_id: str, user_id: str) -> Response:
    return await _act(request, organization_id, user_id, lifecycle.remove, "removed")


@router.post("/{user_id}/roles", dependencies=[Depends(signed_in_admin)])
async def change_role(request: Request, organization_id: str, user_id: str) -> Response:
    form = await check_csrf(request)
    try:
        if not text(form, "role"):
            raise InvalidArgument.field("role", "required", "choose a role")
        roles = [RoleInput(name=text(form, "role"))]
        await run_in_threadpool(lifecycle.update_roles, context(request), organization_id, user_id, roles)
    except (ValidationError, TenantryError) as exc:
        message, _ = errors_of(exc)
        return await detail_page(request, organization_id, status_code=400, error=message or "Choose a valid role.")
    return _done(organization_id, "roles")
