"""The Configuration tab: environment settings, saved through the same service as the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.environment import EnvironmentSettings, EnvironmentSettingsPatch
from tenantry.server.domain.errors import FieldError, TenantryError
from tenantry.server.http.admin.web import render, signed_in_admin
from tenantry.server.http.pages.forms import errors_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.directory import environment

router = APIRouter(
    route_class=RetryingRoute, prefix="/admin", include_in_schema=False, dependencies=[Depends(signed_in_admin)]
)

UNIT_SECONDS = {"days": 86_400, "hours": 3_600, "minutes": 60}


def _expiry_in_units(seconds: int) -> tuple[int, str]:
    """The largest unit that expresses ``seconds`` exactly (15 days, not 360 hours)."""
    for unit, size in UNIT_SECONDS.items():
        if seconds % size == 0:
            return seconds // size, unit
    return seconds // 60, "minutes"


def form_values(settings: EnvironmentSettings) -> dict[str, Any]:
    amount, unit = _expiry_in_units(settings.invitation_expiry_seconds)
    limit = settings.max_organizations_per_user
    return {
        "signup_enabled": settings.signup_enabled,
        "creation_limit": "limited" if limit else "unlimited",
        "max_organizations_per_user": limit or "",
        "invitation_expiry": amount,
        "invitation_expiry_unit": unit,
        "organization_meta_name.singular": settings.organization_meta_name.singular,
        "organization_meta_name.plural": settings.organization_meta_name.plural,
        "branding.app_name": settings.branding.app_name,
        "branding.logo_url": settings.branding.logo_url or "",
        "branding.primary_color": settings.branding.primary_color,
    }


def _number(form: dict[str, str], name: str) -> int | str:
    """An integer when the field holds one; otherwise the raw text, for the validator to refuse."""
    value = text(form, name)
    return int(value) if value.lstrip("-").isdigit() else value


def patch_from_form(form: dict[str, str]) -> EnvironmentSettingsPatch:
    """The whole form as one settings update. Raises ValidationError (per field) or
    InvalidArgument; ``invitation_expiry`` errors name the form's field."""
    limited = form.get("creation_limit") == "limited"
    amount = _number(form, "invitation_expiry")
    unit = UNIT_SECONDS.get(form.get("invitation_expiry_unit", ""), 86_400)
    return EnvironmentSettingsPatch.model_validate(
        {
            "signup_enabled": form.get("signup_enabled") == "true",
            "max_organizations_per_user": _number(form, "max_organizations_per_user") if limited else None,
            "invitation_expiry_seconds": amount * unit if isinstance(amount, int) else amount,
            "organization_meta_name": {
                "singular": text(form, "organization_meta_name.singular"),
                "plural": text(form, "organization_meta_name.plural"),
            },
            "branding": {
                "app_name": text(form, "branding.app_name"),
                "logo_url": text(form, "branding.logo_url") or None,
                "primary_color": text(form, "branding.primary_color"),
            },
        }
    )


def _on_form(errors: list[FieldError]) -> list[FieldError]:
    renamed = {"invitation_expiry_seconds": "invitation_expiry"}
    return [FieldError(renamed.get(e.field, e.field), e.code, e.message) for e in errors]


@router.get("/configuration")
async def configuration(request: Request) -> Response:
    settings = await run_in_threadpool(environment.get_settings, context(request))
    return await render(request, "configuration.html", tab="configuration", values=form_values(settings))


@router.post("/configuration")
async def save_configuration(request: Request) -> Response:
    form = await check_csrf(request)
    try:
        patch = patch_from_form(form)
        await run_in_threadpool(environment.update_settings, context(request), patch)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        values = {**form, "signup_enabled": form.get("signup_enabled") == "true"}
        return await render(
            request,
            "configuration.html",
            status_code=400,
            tab="configuration",
            values=values,
            error=message or "Please correct the fields below.",
            errors=_on_form(errors),
        )
    return redirect("/admin/configuration?notice=Settings saved.")
