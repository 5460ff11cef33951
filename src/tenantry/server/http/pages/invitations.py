"""Accepting an invitation from its e-mail link: creates the account if needed, joins, signs in.
A link that cannot be used says why before any form: expired (naming the organization and
the inviter, with "ask for a new invitation"), the organization over its limit, already used,
replaced by a newer invitation, withdrawn, or not valid."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain import seats
from tenantry.server.domain.attributes import AttributeDefinition
from tenantry.server.domain.errors import (
    FieldError,
    InvitationExpired,
    InvitationInvalid,
    OrganizationUserLimitReached,
    TenantryError,
)
from tenantry.server.domain.secrets import digest
from tenantry.server.http.pages.forms import errors_of, profile_from_form
from tenantry.server.http.pages.web import (
    address,
    check_csrf,
    context,
    current_session,
    limiter,
    redirect,
    render,
    set_session_cookie,
)
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import AcceptInvitation
from tenantry.server.services.directory import attributes
from tenantry.server.services.identity import login
from tenantry.server.services.membership import invitations, requests
from tenantry.server.services.membership.invitations import InvitationPreview

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


async def _problem(
    request: Request, exc: TenantryError, token: str = "", organization_name: str | None = None
) -> Response:
    problem, status = {
        InvitationExpired: ("expired", 410),
        OrganizationUserLimitReached: ("full", 409),
    }.get(type(exc), ("invalid", 400))
    if isinstance(exc, InvitationInvalid) and exc.reason in ("used", "replaced", "revoked"):
        problem = exc.reason  # why this link stopped working (services/membership/spent_links.py)
    lapsed = await run_in_threadpool(requests.lapsed, context(request), token) if problem == "expired" else None
    return await render(
        request,
        "invitation_problem.html",
        status_code=status,
        problem=problem,
        message=exc,
        lapsed=lapsed,
        token=token if lapsed else "",
        organization_name=organization_name,
        session=await current_session(request),
    )


def _asked(
    definitions: list[AttributeDefinition], preview: InvitationPreview
) -> tuple[list[AttributeDefinition], list[AttributeDefinition]]:
    """(the attributes the form asks for, those already in the invitee's profile). Someone
    who already has an account is asked only for what is missing; what they saved is shown,
    not asked again, and so never sent back blank (a date erased, a box unticked to false)."""
    saved = [d for d in definitions if d.key in preview.saved_attributes]
    return [d for d in definitions if d.key not in preview.saved_attributes], saved


@router.get("/invitations/accept")
async def accept_page(request: Request, token: str = "") -> Response:
    ctx = context(request)
    try:
        preview = await run_in_threadpool(invitations.preview, ctx, token)
    except (InvitationInvalid, InvitationExpired) as exc:
        return await _problem(request, exc, token)
    if preview.acceptance_blocked:  # said before the form, not after it (SPEC §2's exception)
        return await _problem(request, seats.over_limit_error(), organization_name=preview.organization_name)
    asked, saved = _asked(await run_in_threadpool(attributes.collected_on_signup, ctx), preview)
    return await render(
        request,
        "invitation.html",
        invitation=preview,
        token=token,
        definitions=asked,
        saved=saved,
        values={},
        session=await current_session(request),
    )


def _command(
    form: dict[str, str], preview: InvitationPreview, definitions: list[AttributeDefinition]
) -> AcceptInvitation:
    return AcceptInvitation.model_validate(
        {
            "token": form.get("token", ""),
            "password": form.get("password") or None if not preview.has_password else None,
            "user_profile": profile_from_form(
                form, definitions, () if preview.has_password else ("given_name", "family_name")
            ),
        }
    )


@router.post("/invitations/accept")
async def accept_submit(request: Request) -> Response:
    form = await check_csrf(request)
    ctx = context(request)
    token = form.get("token", "")
    collected = await run_in_threadpool(attributes.collected_on_signup, ctx)
    page: dict[str, Any] = {"token": token, "values": form, "definitions": collected, "saved": []}
    try:
        preview = await run_in_threadpool(invitations.preview, ctx, token)
        definitions, saved = _asked(collected, preview)
        page.update(definitions=definitions, saved=saved)
        command = _command(form, preview, definitions)
        if not preview.has_password and not command.password:
            errors = [_password_required()]
            return await render(request, "invitation.html", status_code=400, invitation=preview, errors=errors, **page)
        accepted = await run_in_threadpool(invitations.accept, ctx, command)
    except (InvitationInvalid, InvitationExpired, OrganizationUserLimitReached) as exc:
        return await _problem(request, exc, token)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await render(
            request,
            "invitation.html",
            status_code=400,
            invitation=preview,
            errors=errors,
            error=message,
            **page,
        )
    session = await run_in_threadpool(
        login.open_session, ctx, accepted.user.id, request.headers.get("user-agent"), accepted.organization.id
    )
    response = redirect("/organizations?notice=welcome")  # the switcher names the organization
    set_session_cookie(request, response, session)
    return response


@router.post("/invitations/request-new")
async def request_new(request: Request) -> Response:
    """The invitee of an expired link asks for a new one; the inviter is told by e-mail.
    Limited per address and per link, and answered the same whatever happened."""
    form = await check_csrf(request)
    token = form.get("token", "")
    limiter(request).check("invitation_request", address(request), digest(token))
    limiter(request).hit("invitation_request", address(request), digest(token))
    await run_in_threadpool(requests.request_new, context(request), token)
    lapsed = await run_in_threadpool(requests.lapsed, context(request), token)
    asked = (lapsed.inviter_email or f"the administrators of {lapsed.organization_name}") if lapsed else None
    return await render(
        request,
        "message.html",
        heading="Request sent",
        message=(
            f"We asked {asked} to send you a new invitation. It will arrive by e-mail with a fresh link."
            if asked
            else "If this invitation is still known, whoever sent it has been asked to send a new one."
        ),
        link="/login",
        link_text="Go to sign in",
    )


def _password_required() -> FieldError:
    return FieldError("password", "required", "choose a password for your new account")
