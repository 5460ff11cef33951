"""The API clients tab: credentials for the management API (OAuth2 client credentials) —
list, create and rotate (the secret shown once), delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import NotFound
from tenantry.server.domain.types import DisplayName
from tenantry.server.http.admin.responses import Confirmation, confirm
from tenantry.server.http.admin.web import render, signed_in_admin
from tenantry.server.http.notices import with_notice
from tenantry.server.http.pages.forms import errors_of, text
from tenantry.server.http.pages.web import check_csrf, context, redirect
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.commands import Strict
from tenantry.server.services.integration import clients
from tenantry.server.services.integration.clients import ClientView

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/api-clients",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)

CLIENTS = "/admin/api-clients"


class NewApiClient(Strict):
    name: DisplayName


async def _list_page(request: Request, status_code: int = 200, **extra: Any) -> Response:
    """Every client; ``extra`` carries a refused form, or a secret right after it was made."""
    ctx = context(request)
    everyone = await run_in_threadpool(clients.list_clients, ctx)
    extra.setdefault("values", {})
    return await render(
        request,
        "api_clients.html",
        status_code=status_code,
        tab="api-clients",
        clients=everyone,
        bootstrap_id=ctx.settings.bootstrap_client_id,
        token_url=ctx.settings.public_url.rstrip("/") + "/oauth/token",
        **extra,
    )


@router.get("")
async def api_clients_list(request: Request) -> Response:
    return await _list_page(request)


@router.post("")
async def create_api_client(request: Request) -> Response:
    form = await check_csrf(request)
    try:
        name = NewApiClient.model_validate({"name": text(form, "name")}).name
    except ValidationError as exc:
        message, errors = errors_of(exc)
        return await _list_page(request, 400, values=form, error=message, errors=errors)
    created = await run_in_threadpool(clients.create_client, context(request), name)
    # The secret exists only in this response: it is rendered here and never again.
    return await _list_page(request, 201, created=created, notice=f"API client {created.name} created.")


def _confirmation(client: ClientView, action: str, bootstrap_id: str | None) -> Confirmation:
    """What rotating or deleting ``client`` does. Raises NotFound for any other action."""
    # The bootstrap client comes back from the environment at every start-up.
    bootstrap = client.id == bootstrap_id
    if action == "rotate":
        return Confirmation(
            heading=f"Rotate the secret of {client.name}?",
            question="A new client secret is made and shown once.",
            consequences=[
                "The current secret stops working at once.",
                "Access tokens issued with it are revoked: calls made with them are refused from now on.",
                *(
                    ["At the next start-up the secret is set back to TENANTRY_BOOTSTRAP_CLIENT_SECRET."]
                    if bootstrap
                    else []
                ),
            ],
            action=f"{CLIENTS}/{client.id}/rotate",
            button="Rotate secret",
            cancel=CLIENTS,
        )
    if action == "delete":
        return Confirmation(
            heading=f"Delete {client.name}?",
            question="Whatever uses these credentials loses access to the management API. This cannot be undone.",
            consequences=[
                "Its secret stops working at once.",
                "Its access tokens are revoked.",
                *(["It is created again at the next start-up, from TENANTRY_BOOTSTRAP_CLIENT_*."] if bootstrap else []),
            ],
            action=f"{CLIENTS}/{client.id}/delete",
            button="Delete API client",
            cancel=CLIENTS,
        )
    raise NotFound(f"There is nothing to {action!r} here.")


@router.get("/{client_id}/{action}")
async def confirm_action(request: Request, client_id: str, action: str) -> Response:
    ctx = context(request)
    client = await run_in_threadpool(clients.get_client, ctx, client_id)
    return await confirm(request, "api-clients", _confirmation(client, action, ctx.settings.bootstrap_client_id))


@router.post("/{client_id}/rotate")
async def rotate_api_client(request: Request, client_id: str) -> Response:
    await check_csrf(request)
    rotated = await run_in_threadpool(clients.rotate_client_secret, context(request), client_id)
    return await _list_page(
        request, created=rotated, notice=f"New secret for {rotated.name}; the old secret and its tokens no longer work."
    )


@router.post("/{client_id}/delete")
async def delete_api_client(request: Request, client_id: str) -> Response:
    await check_csrf(request)
    await run_in_threadpool(clients.delete_client, context(request), client_id)
    return redirect(with_notice(CLIENTS, "client_deleted"))
