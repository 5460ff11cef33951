"""The audit log and webhook endpoints: typed models and the two resources.

Verifying the signature of a delivery your application receives is ``tenantry.sdk.webhooks.verify``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Literal

from tenantry.sdk.calls import Call, PageCall, nothing, one
from tenantry.sdk.models import Model
from tenantry.sdk.resources import UNSET, Resource, given

DeliveryStatus = Literal["PENDING", "DELIVERED", "FAILED"]


class Actor(Model):
    type: str  # ADMIN | API_CLIENT | USER | SYSTEM
    id: str | None = None


class Event(Model):
    id: str
    type: str
    timestamp: datetime
    actor: Actor
    organization_id: str | None = None
    user_id: str | None = None
    data: dict[str, Any]


class Webhook(Model):
    id: str
    url: str
    description: str = ""
    event_types: list[str]
    enabled: bool
    create_time: datetime
    update_time: datetime


class WebhookWithSecret(Model):
    webhook: Webhook
    secret: str  # whsec_…, returned only on create and rotation


class Delivery(Model):
    id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_time: datetime | None = None
    create_time: datetime
    finish_time: datetime | None = None


class Attempt(Model):
    id: str
    number: int
    create_time: datetime
    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    response_body: str | None = None
    succeeded: bool


class Events(Resource):
    def list(
        self,
        *,
        types: Iterable[str] = (),
        organization_id: str | None = None,
        user_id: str | None = None,
        since: datetime | str | None = None,
        page_size: int = 100,
    ) -> Iterator[Event]:
        """The audit log, oldest first, narrowed by type(s), organization, user and time."""
        params: dict[str, Any] = {"type": list(types) or None, "organization_id": organization_id, "user_id": user_id}
        params["since"] = since.isoformat() if isinstance(since, datetime) else since
        filters = {key: value for key, value in params.items() if value is not None}
        return self._r.pages(PageCall("/api/v1/events", "events", Event, filters, page_size))

    def get(self, event_id: str) -> Event:
        return self._r.run(Call("GET", f"/api/v1/events/{event_id}", one(Event, "event")))


class Webhooks(Resource):
    def create(
        self, url: str, *, event_types: Iterable[str] = (), description: str = "", enabled: bool = True
    ) -> WebhookWithSecret:
        """Register an endpoint (no ``event_types``: every type). The secret is in this answer only."""
        body = {"url": url, "event_types": list(event_types), "description": description, "enabled": enabled}
        return self._r.run(Call("POST", "/api/v1/webhooks", WebhookWithSecret.model_validate, json=body))

    def list(self, *, page_size: int = 100) -> Iterator[Webhook]:
        return self._r.pages(PageCall("/api/v1/webhooks", "webhooks", Webhook, page_size=page_size))

    def get(self, webhook_id: str) -> Webhook:
        return self._r.run(Call("GET", f"/api/v1/webhooks/{webhook_id}", one(Webhook, "webhook")))

    def update(
        self,
        webhook_id: str,
        *,
        url: str = UNSET,
        event_types: Iterable[str] = UNSET,
        description: str = UNSET,
        enabled: bool = UNSET,
    ) -> Webhook:
        """Change only what is given (``event_types=[]``: every type)."""
        body = given(url=url, description=description, enabled=enabled)
        if event_types is not UNSET:
            body["event_types"] = list(event_types)
        return self._r.run(Call("PATCH", f"/api/v1/webhooks/{webhook_id}", one(Webhook, "webhook"), json=body))

    def delete(self, webhook_id: str) -> None:
        return self._r.run(Call("DELETE", f"/api/v1/webhooks/{webhook_id}", nothing))

    def rotate_secret(self, webhook_id: str) -> WebhookWithSecret:
        """A new signing secret; the old one stops at once."""
        path = f"/api/v1/webhooks/{webhook_id}/secret:rotate"
        return self._r.run(Call("POST", path, WebhookWithSecret.model_validate))

    def deliveries(
        self, webhook_id: str, *, status: DeliveryStatus | None = None, page_size: int = 100
    ) -> Iterator[Delivery]:
        params = {"status": status} if status else {}
        path = f"/api/v1/webhooks/{webhook_id}/deliveries"
        return self._r.pages(PageCall(path, "deliveries", Delivery, params, page_size))

    def attempts(self, webhook_id: str, delivery_id: str, *, page_size: int = 100) -> Iterator[Attempt]:
        path = f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/attempts"
        return self._r.pages(PageCall(path, "attempts", Attempt, page_size=page_size))

    def replay(self, webhook_id: str, delivery_id: str) -> Delivery:
        """Send a delivery again now (same ``webhook-id``, so receivers can tell)."""
        path = f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}:replay"
        return self._r.run(Call("POST", path, one(Delivery, "delivery")))
