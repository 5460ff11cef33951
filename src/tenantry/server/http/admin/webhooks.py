"""The Webhooks tab: endpoints (the signing secret shown once), their deliveries and
attempts, replay — through the same services as /api/v1/webhooks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import NotFound, TenantryError
from tenantry.server.domain.events import EVENT_TYPES
from tenantry.server.http.admin.responses import Confirmation, confirm
from tenantry.server.http.admin.web import page_request, render, signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import errors_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.integration import webhooks
from tenantry.server.services.integration.webhooks import CreateWebhook, UpdateWebhook

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/webhooks",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)

HOOKS = "/admin/webhooks"
STATUSES = ("PENDING", "DELIVERED", "FAILED")


def _fields(form: dict[str, str], types: list[str]) -> dict[str, Any]:
    return {
        "url": text(form, "url"),
        "description": text(form, "description"),
        "event_types": types,
        "enabled": form.get("enabled") == "true",
    }


async def _event_types(request: Request) -> list[str]:
    """The ticked event-type boxes (none ticked: every type)."""
    form = await request.form()
    return [str(value) for value in form.getlist("event_types")]


async def _list_page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    page = await run_in_threadpool(
        webhooks.list_page, context(request), page_request(request.query_params.get("page_token"))
    )
    extra.setdefault("values", {"enabled": True, "event_types": []})
    return await render(
        request, "webhooks.html", status_code=status_code, tab="webhooks", page=page, types=EVENT_TYPES, **extra
    )


@router.get("")
async def webhook_list(request: Request) -> Response:
    return await _list_page(request)


@router.post("")
async def create_webhook(request: Request) -> Response:
    form = await check_csrf(request)
    fields = _fields(form, await _event_types(request))
    try:
        created = await run_in_threadpool(webhooks.create, context(request), CreateWebhook.model_validate(fields))
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await _list_page(request, 400, values=fields, error=message, errors=errors)
    # The secret exists only in this response: rendered here and never again.
    return await _detail(request, created.webhook.id, status_code=201, secret=created.secret, notice="Webhook created.")


async def _detail(request: Request, webhook_id: str, status_code: int = 200, **extra: Any) -> Response:
    ctx = context(request)
    hook = await run_in_threadpool(webhooks.get, ctx, webhook_id)
    status = request.query_params.get("status", "")
    deliveries = await run_in_threadpool(
        webhooks.list_deliveries,
        ctx,
        webhook_id,
        page_request(request.query_params.get("page_token")),
        status if status in STATUSES else None,
    )
    extra.setdefault(
        "values",
        {"url": hook.url, "description": hook.description, "enabled": hook.enabled, "event_types": hook.event_types},
    )
    return await render(
        request,
        "webhook.html",
        status_code=status_code,
        tab="webhooks",
        hook=hook,
        deliveries=deliveries,
        status=status,
        statuses=STATUSES,
        types=EVENT_TYPES,
        **extra,
    )


@router.get("/{webhook_id}")
async def webhook_detail(request: Request, webhook_id: str) -> Response:
    return await _detail(request, webhook_id)


@router.post("/{webhook_id}")
async def update_webhook(request: Request, webhook_id: str) -> Response:
    form = await check_csrf(request)
    fields = _fields(form, await _event_types(request))
    try:
        command = UpdateWebhook.model_validate(fields)
        await run_in_threadpool(webhooks.update, context(request), webhook_id, command)
    except (ValidationError, TenantryError) as exc:
        message, errors = errors_of(exc)
        return await _detail(request, webhook_id, 400, values=fields, error=message, errors=errors)
    return redirect(with_notice(f"{HOOKS}/{webhook_id}", "webhook_saved"))


def _confirmation(hook: webhooks.WebhookView, action: str) -> Confirmation:
    if action == "rotate":
        return Confirmation(
            heading=f"Rotate the signing secret of {hook.url}?",
            question="A new secret is made and shown once.",
            consequences=["Deliveries from now on are signed with the new secret; the receiver must switch to it."],
            action=f"{HOOKS}/{hook.id}/rotate",
            button="Rotate secret",
            cancel=f"{HOOKS}/{hook.id}",
        )
    if action == "delete":
        return Confirmation(
            heading=f"Delete the webhook {hook.url}?",
            question="It stops receiving events. This cannot be undone.",
            consequences=["Its pending deliveries and the record of past attempts go with it.", "The audit log stays."],
            action=f"{HOOKS}/{hook.id}/delete",
            button="Delete webhook",
            cancel=f"{HOOKS}/{hook.id}",
        )
    raise NotFound(f"There is nothing to {action!r} here.")


@router.get("/{webhook_id}/{action}")
async def confirm_action(request: Request, webhook_id: str, action: str) -> Response:
    hook = await run_in_threadpool(webhooks.get, context(request), webhook_id)
    return await confirm(request, "webhooks", _confirmation(hook, action))


@router.post("/{webhook_id}/rotate")
async def rotate_webhook_secret(request: Request, webhook_id: str) -> Response:
    await check_csrf(request)
    rotated = await run_in_threadpool(webhooks.rotate_secret, context(request), webhook_id)
    return await _detail(request, webhook_id, secret=rotated.secret, notice="New signing secret; the old one is dead.")


@router.post("/{webhook_id}/delete")
async def delete_webhook(request: Request, webhook_id: str) -> Response:
    await check_csrf(request)
    await run_in_threadpool(webhooks.delete, context(request), webhook_id)
    return redirect(with_notice(HOOKS, "webhook_deleted"))


@router.get("/{webhook_id}/deliveries/{delivery_id}")
async def delivery_attempts(request: Request, webhook_id: str, delivery_id: str) -> Response:
    ctx = context(request)
    hook = await run_in_threadpool(webhooks.get, ctx, webhook_id)
    attempts = await run_in_threadpool(
        webhooks.list_attempts, ctx, webhook_id, delivery_id, page_request(request.query_params.get("page_token"))
    )
    return await render(
        request, "webhook_attempts.html", tab="webhooks", hook=hook, delivery_id=delivery_id, attempts=attempts
    )


@router.post("/{webhook_id}/deliveries/{delivery_id}/replay")
async def replay_delivery(request: Request, webhook_id: str, delivery_id: str) -> Response:
    await check_csrf(request)
    await run_in_threadpool(webhooks.replay, context(request), webhook_id, delivery_id)
    return redirect(with_notice(f"{HOOKS}/{webhook_id}", "delivery_replayed"))
