from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel

from tenantry.server.http.api.v1 import routers
from tenantry.server.http.api.v1.schemas import Paged
from tenantry.server.http.deps import Ctx, Paging
from tenantry.server.services.integration import webhooks
from tenantry.server.services.integration.webhooks import CreateWebhook, UpdateWebhook

router = routers.protected("webhooks")


class Webhook(BaseModel):
    id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    create_time: datetime
    update_time: datetime


class WebhookEnvelope(BaseModel):
    webhook: Webhook


class WebhookWithSecret(WebhookEnvelope):
    secret: str


class WebhookList(Paged):
    webhooks: list[Webhook]


class Delivery(BaseModel):
    id: str
    event_id: str
    event_type: str
    status: Literal["PENDING", "DELIVERED", "FAILED"]
    attempts: int
    next_attempt_time: datetime | None
    create_time: datetime
    finish_time: datetime | None


class DeliveryEnvelope(BaseModel):
    delivery: Delivery


class DeliveryList(Paged):
    deliveries: list[Delivery]


class Attempt(BaseModel):
    id: str
    number: int
    create_time: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_body: str | None
    succeeded: bool


class AttemptList(Paged):
    attempts: list[Attempt]


def _with_secret(created: webhooks.WithSecret) -> WebhookWithSecret:
    return WebhookWithSecret(webhook=Webhook(**asdict(created.webhook)), secret=created.secret)


@router.post("/webhooks", status_code=201, response_model=WebhookWithSecret)
def create_webhook(ctx: Ctx, body: CreateWebhook) -> WebhookWithSecret:
    """Register an endpoint. The signing `secret` (`whsec_…`) is in this answer only.
    The URL must be publicly routable: a loopback, private, link-local, reserved, multicast or
    unspecified address (or a name resolving to one) is refused with `400 invalid_argument`,
    detail `url`/`forbidden_target`, unless `TENANTRY_WEBHOOK_ALLOWED_TARGETS` names it; every
    delivery checks the resolved address again."""
    return _with_secret(webhooks.create(ctx, body))


@router.get("/webhooks", response_model=WebhookList)
def list_webhooks(ctx: Ctx, paging: Paging) -> WebhookList:
    page = webhooks.list_page(ctx, paging)
    return WebhookList(
        webhooks=[Webhook(**asdict(w)) for w in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )


@router.get("/webhooks/{webhook_id}", response_model=WebhookEnvelope)
def get_webhook(ctx: Ctx, webhook_id: str) -> WebhookEnvelope:
    return WebhookEnvelope(webhook=Webhook(**asdict(webhooks.get(ctx, webhook_id))))


@router.patch("/webhooks/{webhook_id}", response_model=WebhookEnvelope)
def update_webhook(ctx: Ctx, webhook_id: str, body: UpdateWebhook) -> WebhookEnvelope:
    """Change any field; a new `url` is checked like at registration (`forbidden_target`)."""
    return WebhookEnvelope(webhook=Webhook(**asdict(webhooks.update(ctx, webhook_id, body))))


@router.delete("/webhooks/{webhook_id}")
def delete_webhook(ctx: Ctx, webhook_id: str) -> dict[str, object]:
    webhooks.delete(ctx, webhook_id)
    return {}


@router.post("/webhooks/{webhook_id}/secret:rotate", response_model=WebhookWithSecret)
def rotate_webhook_secret(ctx: Ctx, webhook_id: str) -> WebhookWithSecret:
    """A new signing secret, in this answer only; the old one stops at once."""
    return _with_secret(webhooks.rotate_secret(ctx, webhook_id))


@router.get("/webhooks/{webhook_id}/deliveries", response_model=DeliveryList)
def list_deliveries(
    ctx: Ctx,
    webhook_id: str,
    paging: Paging,
    status: Annotated[Literal["PENDING", "DELIVERED", "FAILED"] | None, Query()] = None,
) -> DeliveryList:
    page = webhooks.list_deliveries(ctx, webhook_id, paging, status)
    return DeliveryList(
        deliveries=[Delivery(**asdict(d)) for d in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )


@router.get("/webhooks/{webhook_id}/deliveries/{delivery_id}/attempts", response_model=AttemptList)
def list_attempts(ctx: Ctx, webhook_id: str, delivery_id: str, paging: Paging) -> AttemptList:
    page = webhooks.list_attempts(ctx, webhook_id, delivery_id, paging)
    return AttemptList(
        attempts=[Attempt(**asdict(a)) for a in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}:replay", response_model=DeliveryEnvelope)
def replay_delivery(ctx: Ctx, webhook_id: str, delivery_id: str) -> DeliveryEnvelope:
    """Send again now (same `webhook-id`, fresh 24-hour retry window)."""
    return DeliveryEnvelope(delivery=Delivery(**asdict(webhooks.replay(ctx, webhook_id, delivery_id))))
