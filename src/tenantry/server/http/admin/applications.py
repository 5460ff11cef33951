"""The Applications tab: OpenID Connect clients — list, create (the secret shown once),
edit, rotate the secret, delete — through the same service as the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import FailedPrecondition, FieldError, NotFound, TenantryError
from tenantry.server.http.admin.responses import Confirmation, confirm
from tenantry.server.http.admin.web import render, signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import errors_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.integration import applications
from tenantry.server.services.integration.applications import ApplicationView, CreateApplication, UpdateApplication

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/applications",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)

APPS = "/admin/applications"
URI_LISTS = ("redirect_uris", "post_logout_redirect_uris")


def lines(form: dict[str, str], name: str) -> list[str]:
    """The non-blank lines of a text box (one URI per line)."""
    return [line.strip() for line in form.get(name, "").splitlines() if line.strip()]


def _on_form(errors: list[FieldError]) -> list[FieldError]:
    """``redirect_uris.2`` is line 3 of the ``redirect_uris`` box."""
    shown = []
    for error in errors:
        name, _, index = error.field.partition(".")
        if name in URI_LISTS and index.isdigit():
            error = FieldError(name, error.code, f"line {int(index) + 1}: {error.message}")
        shown.append(error)
    return shown


def form_values(app: ApplicationView) -> dict[str, Any]:
    return {
        "name": app.name,
        "type": app.type,
        "redirect_uris": "\n".join(app.redirect_uris),
        "post_logout_redirect_uris": "\n".join(app.post_logout_redirect_uris),
    }


async def _list_page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    apps = await run_in_threadpool(applications.list_all, context(request))
    extra.setdefault("values", {"type": "confidential"})
    return await render(request, "applications.html", status_code=status_code, tab="applications", apps=apps, **extra)


async def _detail_page(request: Request, app: ApplicationView, *, status_code: int = 200, **extra: Any) -> Response:
    """One application; ``extra`` carries a refused edit, or the secret right after it was made."""
    extra.setdefault("values", form_values(app))
    issuer = context(request).settings.public_url.rstrip("/")
    return await render(
        request, "application.html", status_code=status_code, tab="applications", app=app, issuer=issuer, **extra
    )


@router.get("")
async def applications_list(request: Request) -> Response:
    return await _list_page(request)


@router.post("")
async def create_application(request: Request) -> Response:
    form = await check_csrf(request)
    try:
        command = CreateApplication.model_validate(
            {"name": text(form, "name"), "type": form.get("type", ""), **{n: lines(form, n) for n in URI_LISTS}}
        )
        created = await run_in_threadpool(applications.create, context(request), command)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await _list_page(request, 400, values=form, error=message, errors=_on_form(errors))
    # The secret exists only in this response: it is rendered here and never again.
    return await _detail_page(
        request,
        created.application,
        status_code=201,
        secret=created.client_secret,
        notice=f"Application {created.application.name} created.",
    )


@router.get("/{application_id}")
async def application_detail(request: Request, application_id: str) -> Response:
    app = await run_in_threadpool(applications.get, context(request), application_id)
    return await _detail_page(request, app)


@router.post("/{application_id}")
async def update_application(request: Request, application_id: str) -> Response:
    form = await check_csrf(request)
    ctx = context(request)
    try:
        command = UpdateApplication.model_validate(
            {"name": text(form, "name"), **{n: lines(form, n) for n in URI_LISTS}}
        )
        await run_in_threadpool(applications.update, ctx, application_id, command)
    except NotFound:
        raise  # answered by the dashboard's "not found" page
    except (ValidationError, TenantryError) as exc:
        app = await run_in_threadpool(applications.get, ctx, application_id)
        message, errors = errors_of(exc)
        values = {**form, "type": app.type}
        return await _detail_page(request, app, status_code=400, values=values, error=message, errors=_on_form(errors))
    return redirect(with_notice(f"{APPS}/{application_id}", "application_saved"))


def _confirmation(app: ApplicationView, action: str) -> Confirmation:
    """What rotating or deleting ``app`` does. Raises NotFound for any other action."""
    if action == "rotate":
        return Confirmation(
            heading=f"Rotate the secret of {app.name}?",
            question="A new client secret is made and shown once. Update the application's configuration right after.",
            consequences=[
                "The current secret stops working at once.",
                "Users already signed in stay signed in; the application needs the new secret to renew tokens.",
            ],
            action=f"{APPS}/{app.id}/rotate",
            button="Rotate secret",
            cancel=f"{APPS}/{app.id}",
        )
    if action != "delete":
        raise NotFound(f"There is nothing to {action!r} here.")
    return Confirmation(
        heading=f"Delete {app.name}?",
        question="The application can no longer sign anyone in. This cannot be undone.",
        consequences=[
            "Its client ID and secret stop working at once.",
            "Refresh tokens it holds are revoked, so its users must sign in again.",
            "Users and their accounts stay.",
        ],
        action=f"{APPS}/{app.id}/delete",
        button="Delete application",
        cancel=f"{APPS}/{app.id}",
    )


@router.get("/{application_id}/{action}")
async def confirm_action(request: Request, application_id: str, action: str) -> Response:
    app = await run_in_threadpool(applications.get, context(request), application_id)
    return await confirm(request, "applications", _confirmation(app, action))


@router.post("/{application_id}/rotate")
async def rotate_secret(request: Request, application_id: str) -> Response:
    await check_csrf(request)
    ctx = context(request)
    try:
        rotated = await run_in_threadpool(applications.rotate_secret, ctx, application_id)
    except FailedPrecondition as exc:  # a public application has no secret
        app = await run_in_threadpool(applications.get, ctx, application_id)
        return await _detail_page(request, app, status_code=409, error=exc)
    return await _detail_page(
        request,
        rotated.application,
        secret=rotated.client_secret,
        notice="New secret made; the old one no longer works.",
    )


@router.post("/{application_id}/delete")
async def delete_application(request: Request, application_id: str) -> Response:
    await check_csrf(request)
    await run_in_threadpool(applications.delete_, context(request), application_id)
    return redirect(with_notice(APPS, "application_deleted"))
