"""The Configuration tab: environment settings, saved through the same service as the API."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.colours import palette
from tenantry.server.domain.environment import EnvironmentSettings, EnvironmentSettingsPatch
from tenantry.server.domain.errors import FieldError, TenantryError
from tenantry.server.http.admin.web import render, signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import errors_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect, request_settings
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
        "passkeys": settings.sign_in_methods.passkeys,
        "magic_link": settings.sign_in_methods.magic_link,
        "magic_link_minutes": settings.sign_in_methods.magic_link_lifetime_seconds // 60,
        "mfa": settings.mfa,
        "admin_mfa_required": settings.admin_mfa_required,
    }


def _number(form: dict[str, str], name: str) -> int | str:
    """An integer when the field holds one; otherwise the raw text, for the validator to refuse."""
    value = text(form, name)
    return int(value) if value.lstrip("-").isdigit() else value


# Each section of the page is its own form with its own Save; its notice is
# ``settings_saved_<section>`` (http/notices.py).
SECTIONS = ("signup", "creation", "invitations", "meta", "branding", "sign_in", "mfa")


def _section_values(form: dict[str, str], section: str) -> dict[str, object]:
    if section == "signup":
        return {"signup_enabled": form.get("signup_enabled") == "true"}
    if section == "creation":  # one control: "no limit" ignores the number box
        limited = form.get("creation_limit") == "limited"
        return {"max_organizations_per_user": _number(form, "max_organizations_per_user") if limited else None}
    if section == "invitations":
        amount = _number(form, "invitation_expiry")
        unit = UNIT_SECONDS.get(form.get("invitation_expiry_unit", ""), 86_400)
        return {"invitation_expiry_seconds": amount * unit if isinstance(amount, int) else amount}
    if section == "sign_in":
        minutes = _number(form, "magic_link_minutes")
        return {
            "sign_in_methods": {
                "passkeys": form.get("passkeys") == "true",
                "magic_link": form.get("magic_link") == "true",
                "magic_link_lifetime_seconds": minutes * 60 if isinstance(minutes, int) else minutes,
            }
        }
    if section == "mfa":  # an unknown policy is passed on for the validator to refuse
        return {"mfa": form.get("mfa", ""), "admin_mfa_required": form.get("admin_mfa_required") == "true"}
    if section == "meta":
        names = ("singular", "plural")
        return {"organization_meta_name": {n: text(form, f"organization_meta_name.{n}") for n in names}}
    return {
        "branding": {
            "app_name": text(form, "branding.app_name"),
            "logo_url": text(form, "branding.logo_url") or None,
            "primary_color": text(form, "branding.primary_color"),
        }
    }


def patch_from_form(form: dict[str, str]) -> EnvironmentSettingsPatch:
    """One section of the page (``section``; the whole page when absent) as a settings
    update. Raises ValidationError (per field) or InvalidArgument."""
    section = form.get("section", "")
    chosen = [section] if section in SECTIONS else list(SECTIONS)
    values: dict[str, object] = {}
    for name in chosen:
        values.update(_section_values(form, name))
    return EnvironmentSettingsPatch.model_validate(values)


def _on_form(errors: list[FieldError]) -> list[FieldError]:
    renamed = {
        "invitation_expiry_seconds": "invitation_expiry",
        "sign_in_methods.magic_link_lifetime_seconds": "magic_link_minutes",
    }
    return [replace(e, field=renamed.get(e.field, e.field)) for e in errors]


async def _page(request: Request, values: dict[str, Any], status_code: int = 200, **extra: Any) -> Response:
    colours = palette(str(values.get("branding.primary_color") or "#4f46e5")) if _is_colour(values) else None
    return await render(
        request,
        "configuration.html",
        status_code=status_code,
        tab="configuration",
        values=values,
        preview=colours,
        **extra,
    )


def _is_colour(values: dict[str, Any]) -> bool:
    colour = str(values.get("branding.primary_color") or "")
    return len(colour) == 7 and colour.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in colour[1:])


@router.get("/configuration")
async def configuration(request: Request) -> Response:
    return await _page(request, form_values(await request_settings(request)))


@router.post("/configuration")
async def save_configuration(request: Request) -> Response:
    form = await check_csrf(request)
    try:
        patch = patch_from_form(form)
        await run_in_threadpool(environment.update_settings, context(request), patch)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        stored = form_values(await request_settings(request))  # unchanged: the update was refused
        values = {**stored, **form}  # the other sections as stored, this one as typed
        if form.get("section") in (None, "signup"):
            values["signup_enabled"] = form.get("signup_enabled") == "true"
        if form.get("section") in (None, "sign_in"):
            values.update({name: form.get(name) == "true" for name in ("passkeys", "magic_link")})
        if form.get("section") in (None, "mfa"):
            values["admin_mfa_required"] = form.get("admin_mfa_required") == "true"
        return await _page(request, values, 400, error=message, errors=_on_form(errors))
    section = form.get("section", "")
    key = f"settings_saved_{section}" if section in SECTIONS else "settings_saved"
    return redirect(with_notice("/admin/configuration" + (f"#{section}" if section else ""), key))
