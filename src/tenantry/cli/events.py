"""``tenantry webhooks …`` and ``tenantry events …``: webhook endpoints and the audit log
from a shell, through the SDK client's generic calls (same login, output and errors as the
other resource commands)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer
from pydantic import BaseModel, ConfigDict

from tenantry.cli.api import JsonOption, api_command, client, console, show

WEBHOOK_COLUMNS = ["id", "url", "enabled", "event_types", "description"]
DELIVERY_COLUMNS = ["id", "event_type", "status", "attempts", "next_attempt_time", "event_id"]
ATTEMPT_COLUMNS = ["number", "create_time", "status_code", "error", "duration_ms"]
EVENT_COLUMNS = ["id", "timestamp", "type", "actor.type", "actor.id", "organization_id", "user_id"]


class _Item(BaseModel):
    """An API object as it comes (the SDK's typed models for these are still to come)."""

    model_config = ConfigDict(extra="allow")


class Webhook(_Item):
    id: str
    url: str
    enabled: bool
    event_types: list[str]
    description: str


class Delivery(_Item):
    id: str
    event_type: str
    status: str


class Attempt(_Item):
    number: int


class Event(_Item):
    id: str
    type: str
    timestamp: datetime
    actor: dict[str, Any]


def register(app: typer.Typer) -> None:
    app.add_typer(_webhooks(), name="webhooks")
    app.add_typer(_events(), name="events")


def _webhooks() -> typer.Typer:
    webhooks = typer.Typer(help="Webhook endpoints, their deliveries and attempts.", no_args_is_help=True)

    @webhooks.command("list")
    @api_command
    def list_(as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.pages("/api/v1/webhooks", Webhook, "webhooks"), WEBHOOK_COLUMNS, as_json)

    @webhooks.command("get")
    @api_command
    def get(webhook_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.get(f"/api/v1/webhooks/{webhook_id}", Webhook, "webhook"), WEBHOOK_COLUMNS, as_json)

    @webhooks.command("create")
    @api_command
    def create(
        url: str,
        event_type: list[str] = typer.Option([], "--event-type", help="Only these types (repeat); default all."),
        description: str = typer.Option("", help="A note for administrators."),
        disabled: bool = typer.Option(False, "--disabled", help="Create it switched off."),
        as_json: bool = JsonOption,
    ) -> None:
        """Register an endpoint; prints its signing secret, shown only now."""
        body = {"url": url, "event_types": event_type, "description": description, "enabled": not disabled}
        with client() as sdk:
            created = sdk.request("POST", "/api/v1/webhooks", json=body)
        _with_secret(created, as_json)

    @webhooks.command("update")
    @api_command
    def update(
        webhook_id: str,
        url: str | None = typer.Option(None),
        event_type: list[str] | None = typer.Option(None, "--event-type", help="Replace the filter (repeat)."),
        all_types: bool = typer.Option(False, "--all-types", help="Clear the filter: every event type."),
        description: str | None = typer.Option(None),
        enabled: bool | None = typer.Option(None, "--enable/--disable"),
        as_json: bool = JsonOption,
    ) -> None:
        body: dict[str, Any] = {"url": url, "description": description, "enabled": enabled, "event_types": event_type}
        if all_types:
            body["event_types"] = []
        changes = {k: v for k, v in body.items() if v is not None}
        with client() as sdk:
            answer = sdk.request("PATCH", f"/api/v1/webhooks/{webhook_id}", json=changes)
        show(Webhook.model_validate(answer["webhook"]), WEBHOOK_COLUMNS, as_json)

    @webhooks.command("delete")
    @api_command
    def delete(webhook_id: str) -> None:
        with client() as sdk:
            sdk.request("DELETE", f"/api/v1/webhooks/{webhook_id}")
        console.print(f"Deleted {webhook_id}.")

    @webhooks.command("rotate-secret")
    @api_command
    def rotate_secret(webhook_id: str, as_json: bool = JsonOption) -> None:
        """A new signing secret (shown only now); the old one stops at once."""
        with client() as sdk:
            _with_secret(sdk.request("POST", f"/api/v1/webhooks/{webhook_id}/secret:rotate"), as_json)

    @webhooks.command("deliveries")
    @api_command
    def deliveries(
        webhook_id: str,
        status: str | None = typer.Option(None, help="PENDING, DELIVERED or FAILED"),
        as_json: bool = JsonOption,
    ) -> None:
        params = {"status": status} if status else None
        with client() as sdk:
            rows = sdk.pages(f"/api/v1/webhooks/{webhook_id}/deliveries", Delivery, "deliveries", params)
            show(rows, DELIVERY_COLUMNS, as_json)

    @webhooks.command("attempts")
    @api_command
    def attempts(webhook_id: str, delivery_id: str, as_json: bool = JsonOption) -> None:
        path = f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/attempts"
        with client() as sdk:
            show(sdk.pages(path, Attempt, "attempts"), ATTEMPT_COLUMNS, as_json)

    @webhooks.command("replay")
    @api_command
    def replay(webhook_id: str, delivery_id: str, as_json: bool = JsonOption) -> None:
        """Send a delivery again now (same webhook-id)."""
        with client() as sdk:
            answer = sdk.request("POST", f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}:replay")
        show(Delivery.model_validate(answer["delivery"]), DELIVERY_COLUMNS, as_json)

    return webhooks


def _with_secret(answer: dict[str, Any], as_json: bool) -> None:
    if as_json:
        show(_Item.model_validate(answer), [], True)
        return
    show(Webhook.model_validate(answer["webhook"]), WEBHOOK_COLUMNS, False)
    console.print(f"secret: {answer['secret']}")
    console.print("Store the secret now: it is not shown again.", style="dim")


def _events() -> typer.Typer:
    events = typer.Typer(help="The audit log.", no_args_is_help=True)

    @events.command("list")
    @api_command
    def list_(
        type_: list[str] = typer.Option([], "--type", help="Event type (repeat for several)."),
        organization_id: str | None = typer.Option(None),
        user_id: str | None = typer.Option(None),
        since: str | None = typer.Option(None, help="ISO 8601 time; without an offset, UTC."),
        as_json: bool = JsonOption,
    ) -> None:
        """Events, oldest first, with their actor and the object's new state (--json)."""
        params = {"type": type_ or None, "organization_id": organization_id, "user_id": user_id, "since": since}
        with client() as sdk:
            rows = sdk.pages("/api/v1/events", Event, "events", {k: v for k, v in params.items() if v is not None})
            show(rows, EVENT_COLUMNS, as_json)

    return events
