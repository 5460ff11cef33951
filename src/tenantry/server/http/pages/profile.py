"""The signed-in user's own profile: standard fields and user-editable attributes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import TenantryError
from tenantry.server.http.pages import passkeys, profile_access
from tenantry.server.http.pages.forms import PROFILE_INPUTS, errors_of, profile_from_form
from tenantry.server.http.pages.web import check_csrf, context, current_session, redirect, render
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import UserProfileInput
from tenantry.server.services.directory import attributes
from tenantry.server.services.identity import users
from tenantry.server.services.provisioning import ownership
from tenantry.server.services.read_models.views import UserView

router = APIRouter(route_class=RetryingRoute, include_in_schema=False)


def _values(user: UserView) -> dict[str, Any]:
    values: dict[str, Any] = {name: user.profile.get(name) for name in PROFILE_INPUTS}
    values.update({f"ca.{key}": value for key, value in user.custom_attributes.items()})
    return values


@router.get("/profile")
async def profile_page(request: Request, saved: bool = False, passkey: str = "", passkey_problem: str = "") -> Response:
    session = await current_session(request)
    if session is None:
        return redirect("/login?next=/profile")
    ctx = context(request)
    definitions = await run_in_threadpool(attributes.all_definitions, ctx)
    owned = await run_in_threadpool(ownership.owned, ctx, session.user.id)
    return await render(
        request,
        "profile.html",
        session=session,
        definitions=definitions,
        owned=owned,
        values=_values(session.user),
        saved=saved,
        **await passkeys.section(request, session, passkey, passkey_problem),
        **await profile_access.section(request, session),
    )


@router.post("/profile")
async def profile_submit(request: Request) -> Response:
    form = await check_csrf(request)
    session = await current_session(request)
    if session is None:
        return redirect("/login?next=/profile")
    ctx = context(request)
    definitions = await run_in_threadpool(attributes.all_definitions, ctx)
    owned = await run_in_threadpool(ownership.owned, ctx, session.user.id)
    # A directory's attributes show read-only and are not read back; its standard fields are
    # disabled (not sent), and the service refuses a submission that sets one anyway.
    editable = [d for d in definitions if d.user_editable and ownership.CUSTOM + d.key not in owned]
    try:
        profile = UserProfileInput.model_validate(profile_from_form(form, editable, PROFILE_INPUTS))
        await run_in_threadpool(users.update_own_profile, ctx, session.user.id, profile)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await render(
            request,
            "profile.html",
            status_code=400,
            session=session,
            definitions=definitions,
            owned=owned,
            values={**_values(session.user), **form},
            errors=errors,
            error=message,
            **await passkeys.section(request, session),
            **await profile_access.section(request, session),
        )
    return redirect("/profile?saved=true")
