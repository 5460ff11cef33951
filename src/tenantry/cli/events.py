"""``tenantry webhooks …`` and ``tenantry events …``: webhook endpoints and the audit log
from a shell, through the SDK (same login, output and errors as the other resource commands)."""

from __future__ import annotations

from typing import Any

import typer

from tenantry.cli.api import JsonOption, api_command, client, console, show
from tenantry.sdk.events import WebhookWithSecret

WEBHOOK_COLUMNS = ["id", "url", "enabled", "event_types", "description"]
DELIVERY_COLUMNS = ["id", "event_type", "status", "attempts", "next_attempt_time", "event_id"]
ATTEMPT_COLUMNS = ["number", "create_time", "status_code", "error", "duration_ms"]
EVENT_COLUMNS = ["id", "timestamp", "type", "actor.type", "actor.id", "organization_id", "user_id"]


def register(app: typer.Typer) -> None:
    app.add_typer(_webhooks(), name="webhooks")
    app.add_typer(_events(), name="events")


def _webhooks() -> typer.Typer:
    webhooks = typer.Typer(help="Webhook endpoints, their deliveries and attempts.", no_args_is_help=True)

    @webhooks.command("list")
    @api_command
    def list_(as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.webhooks.list(), WEBHOOK_COLUMNS, as_json)

    @webhooks.command("get")
    @api_command
    def get(webhook_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.webhooks.get(webhook_id), WEBHOOK_COLUMNS, as_json)

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
        with client() as sdk:
            created = sdk.webhooks.create(url, event_types=event_type, description=description, enabled=not disabled)
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
            show(sdk.webhooks.update(webhook_id, **changes), WEBHOOK_COLUMNS, as_json)

    @webhooks.command("delete")
    @api_command
    def delete(webhook_id: str) -> None:
        with client() as sdk:
            sdk.webhooks.delete(webhook_id)
        console.print(f"Deleted {webhook_id}.")

    @webhooks.command("rotate-secret")
    @api_command
    def rotate_secret(webhook_id: str, as_json: bool = JsonOption) -> None:
        """A new signing secret (shown only now); the old one stops at once."""
        with client() as sdk:
            _with_secret(sdk.webhooks.rotate_secret(webhook_id), as_json)

    @webhooks.command("deliveries")
    @api_command
    def deliveries(
        webhook_id: str,
        status: str | None = typer.Option(None, help="PENDING, DELIVERED or FAILED"),
        as_json: bool = JsonOption,
    ) -> None:
        with client() as sdk:
            show(sdk.webhooks.deliveries(webhook_id, status=status), DELIVERY_COLUMNS, as_json)  # type: ignore[arg-type]

    @webhooks.command("attempts")
    @api_command
    def attempts(webhook_id: str, delivery_id: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.webhooks.attempts(webhook_id, delivery_id), ATTEMPT_COLUMNS, as_json)

    @webhooks.command("replay")
    @api_command
    def replay(webhook_id: str, delivery_id: str, as_json: bool = JsonOption) -> None:
        """Send a delivery again now (same webhook-id)."""
        with client() as sdk:
            show(sdk.webhooks.replay(webhook_id, delivery_id), DELIVERY_COLUMNS, as_json)

    return webhooks


def _with_secret(answer: WebhookWithSecret, as_json: bool) -> None:
    if as_json:
        show(answer, [], True)
        return
    show(answer.webhook, WEBHOOK_COLUMNS, False)
    console.print(f"secret: {answer.secret}")
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
        with client() as sdk:
            rows = sdk.events.list(types=type_, organization_id=organization_id, user_id=user_id, since=since)
            show(rows, EVENT_COLUMNS, as_json)

    return events
