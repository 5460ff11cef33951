"""Accepting an invitation from its e-mail link: creates the account if needed, joins, signs in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import (
    FieldError,
    InvitationExpired,
    InvitationInvalid,
    OrganizationUserLimitReached,
    TenantryError,
)
from tenantry.server.http.pages.forms import errors_of, profile_from_form
from tenantry.server.http.pages.web import check_csrf, context, current_session, redirect, render, set_session_cookie
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import AcceptInvitation
from tenantry.server.services.directory import attributes
from tenantry.server.services.identity import sessions
from tenantry.server.services.membership import invitations

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


async def _problem(request: Request, exc: TenantryError) -> Response:
    problem, status = {
        InvitationExpired: ("expired", 410),
        OrganizationUserLimitReached: ("full", 409),
    }.get(type(exc), ("invalid", 400))
    return await render(
        request,
        "invitation_problem.html",
        status_code=status,
        problem=problem,
        message=exc.message,
        session=await current_session(request),
    )


@router.get("/invitations/accept")
async def accept_page(request: Request, token: str = "") -> Response:
    ctx = context(request)
    try:
        preview = await run_in_threadpool(invitations.preview, ctx, token)
    except (InvitationInvalid, InvitationExpired) as exc:
        return await _problem(request, exc)
    definitions = await run_in_threadpool(attributes.collected_on_signup, ctx)
    return await render(
        request,
        "invitation.html",
        invitation=preview,
        token=token,
        definitions=definitions,
        values={},
        session=await current_session(request),
    )


@router.post("/invitations/accept")
async def accept_submit(request: Request) -> Response:
    form = await check_csrf(request)
    ctx = context(request)
    token = form.get("token", "")
    definitions = await run_in_threadpool(attributes.collected_on_signup, ctx)
    try:
        preview = await run_in_threadpool(invitations.preview, ctx, token)
        command = AcceptInvitation.model_validate(
            {
                "token": token,
                "password": form.get("password") or None if not preview.has_password else None,
                "user_profile": profile_from_form(
                    form, definitions, () if preview.has_password else ("given_name", "family_name")
                ),
            }
        )
        if not preview.has_password and not command.password:
            return await render(
                request,
                "invitation.html",
                status_code=400,
                invitation=preview,
                token=token,
                definitions=definitions,
                values=form,
                errors=[_password_required()],
            )
        accepted = await run_in_threadpool(invitations.accept, ctx, command)
    except (InvitationInvalid, InvitationExpired, OrganizationUserLimitReached) as exc:
        return await _problem(request, exc)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await render(
            request,
            "invitation.html",
            status_code=400,
            invitation=preview,
            token=token,
            definitions=definitions,
            values=form,
            errors=errors,
            error=message,
        )
    session = await run_in_threadpool(
        sessions.open_session, ctx, accepted.user.id, request.headers.get("user-agent"), accepted.organization.id
    )
    response = redirect("/organizations")
    set_session_cookie(request, response, session)
    return response


def _password_required() -> FieldError:
    return FieldError("password", "required", "choose a password for your new account")
