"""Webhook endpoints (where events go) and their deliveries: create, list, change, delete,
see attempts, replay. The worker side (claiming, sending) is ``services/deliveries``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl
from sqlalchemy import select

from tenantry.server.context import Context
from tenantry.server.db.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tenantry.server.db.paging import fetch_page
from tenantry.server.domain.egress import TargetRefused
from tenantry.server.domain.errors import InvalidArgument, NotFound
from tenantry.server.domain.events import RETRY_WINDOW
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.pagination import Page, PageRequest
from tenantry.server.domain.types import ReadableText
from tenantry.server.domain.webhook_signing import new_signing_secret
from tenantry.server.services.integration import egress, event_log, webhook_secrets


def _known_types(types: list[str]) -> list[str]:
    event_log.check_types(types, "event_types")
    return sorted(set(types))


EndpointUrl = Annotated[HttpUrl, Field(max_length=2000)]
Description = Annotated[str, Field(max_length=500), ReadableText]
EventTypes = Annotated[list[str], Field(max_length=100), AfterValidator(_known_types)]


class CreateWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: EndpointUrl
    event_types: EventTypes = Field(default_factory=list, description="Empty: every event type.")
    description: Description = ""
    enabled: bool = True


class UpdateWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: EndpointUrl | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = None


@dataclass(frozen=True)
class WebhookView:
    id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True)
class WithSecret:
    webhook: WebhookView
    secret: str  # shown once, at creation and rotation


def _view(row: WebhookEndpoint) -> WebhookView:
    return WebhookView(
        row.id, row.url, row.description, list(row.event_types), row.enabled, row.created_at, row.updated_at
    )


def _endpoint(session: Any, endpoint_id: str) -> WebhookEndpoint:
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound(f"No webhook with id {endpoint_id!r}.")
    return row


def _check_target(ctx: Context, url: object) -> None:
    """Refuse a URL that deliveries would refuse (SSRF, ``domain/egress.py``). Raises
    InvalidArgument on ``url`` with the code ``forbidden_target``."""
    try:
        egress.check_new_target(str(url), ctx.settings.webhook_allow_list)
    except TargetRefused as refused:
        raise InvalidArgument.field("url", "forbidden_target", str(refused)) from None


def create(ctx: Context, command: CreateWebhook) -> WithSecret:
    """A new endpoint with a fresh ``whsec_`` secret; it receives events recorded from now on.
    Raises InvalidArgument (``forbidden_target``) for a private, loopback or link-local target."""
    _check_target(ctx, command.url)
    endpoint_id = new_id("whk")
    secret = new_signing_secret()
    sealed = webhook_secrets.encrypt(ctx, endpoint_id, secret)  # before the transaction: may create the key
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = WebhookEndpoint(
            id=endpoint_id,
            url=str(command.url),
            description=command.description,
            event_types=command.event_types,
            enabled=command.enabled,
            secret_encrypted=sealed,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(row)
        uow.session.flush()  # later events of this transaction see it (config_stamp: a guarded write)
        view = _view(row)
        uow.commit()
        return WithSecret(view, secret)


def list_page(ctx: Context, request: PageRequest) -> Page[WebhookView]:
    with ctx.uow(readonly=True) as uow:
        page = fetch_page(uow.session, select(WebhookEndpoint), WebhookEndpoint.id, request)
        return Page([_view(r) for r in page.items], page.next_page_token, page.prev_page_token, page.total_size)


def get(ctx: Context, endpoint_id: str) -> WebhookView:
    with ctx.uow(readonly=True) as uow:
        return _view(_endpoint(uow.session, endpoint_id))


def update(ctx: Context, endpoint_id: str, command: UpdateWebhook) -> WebhookView:
    """Change the fields sent. A changed filter applies to events recorded from now on;
    deliveries already queued keep going (disabled endpoints' deliveries wait). Raises
    NotFound and InvalidArgument (``forbidden_target``)."""
    if command.url is not None:
        _check_target(ctx, command.url)
    with ctx.uow() as uow:
        row = _endpoint(uow.session, endpoint_id)
        for name in command.model_fields_set:
            value = getattr(command, name)
            if value is not None:
                setattr(row, name, str(value) if name == "url" else value)
        row.updated_at = ctx.clock.now()
        uow.session.flush()
        view = _view(row)
        uow.commit()
        return view


def rotate_secret(ctx: Context, endpoint_id: str) -> WithSecret:
    """A new secret; the old one stops signing at once (attempts from now on use the new one)."""
    secret = new_signing_secret()
    sealed = webhook_secrets.encrypt(ctx, endpoint_id, secret)
    with ctx.uow() as uow:
        row = _endpoint(uow.session, endpoint_id)
        row.secret_encrypted = sealed
        row.updated_at = ctx.clock.now()
        uow.session.flush()
        view = _view(row)
        uow.commit()
        return WithSecret(view, secret)


def delete(ctx: Context, endpoint_id: str) -> None:
    """Delete the endpoint with its deliveries and their attempts (events stay in the log)."""
    with ctx.uow() as uow:
        uow.session.delete(_endpoint(uow.session, endpoint_id))
        uow.commit()


@dataclass(frozen=True)
class DeliveryView:
    id: str  # the webhook-id header
    event_id: str
    event_type: str
    status: str  # PENDING | DELIVERED | FAILED
    attempts: int
    next_attempt_time: datetime | None
    create_time: datetime
    finish_time: datetime | None


@dataclass(frozen=True)
class AttemptView:
    id: str
    number: int
    create_time: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_body: str | None
    succeeded: bool


def _delivery_view(row: WebhookDelivery, event: Event) -> DeliveryView:
    pending = row.status == "pending"
    return DeliveryView(
        row.id,
        event.id,
        event.type,
        row.status.upper(),
        row.attempts,
        row.next_attempt_at if pending else None,
        row.created_at,
        row.finished_at,
    )


def list_deliveries(
    ctx: Context, endpoint_id: str, request: PageRequest, status: str | None = None
) -> Page[DeliveryView]:
    """The endpoint's deliveries, oldest first; ``status``: PENDING, DELIVERED or FAILED."""
    with ctx.uow(readonly=True) as uow:
        _endpoint(uow.session, endpoint_id)
        stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        if status is not None:
            stmt = stmt.where(WebhookDelivery.status == status.lower())
        page = fetch_page(uow.session, stmt, WebhookDelivery.id, request)
        seqs = [d.event_seq for d in page.items]
        by_seq = {e.seq: e for e in uow.session.scalars(select(Event).where(Event.seq.in_(seqs)))}
        views = [_delivery_view(d, by_seq[d.event_seq]) for d in page.items]
        return Page(views, page.next_page_token, page.prev_page_token, page.total_size)


def _delivery(session: Any, endpoint_id: str, delivery_id: str, *, for_update: bool = False) -> WebhookDelivery:
    stmt = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id)
    row = session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise NotFound(f"No delivery {delivery_id!r} for webhook {endpoint_id!r}.")
    return row


def list_attempts(ctx: Context, endpoint_id: str, delivery_id: str, request: PageRequest) -> Page[AttemptView]:
    with ctx.uow(readonly=True) as uow:
        _delivery(uow.session, endpoint_id, delivery_id)
        stmt = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
        page = fetch_page(uow.session, stmt, WebhookAttempt.id, request)
        views = [
            AttemptView(
                a.id, a.number, a.started_at, a.duration_ms, a.status_code, a.error, a.response_body, a.succeeded
            )
            for a in page.items
        ]
        return Page(views, page.next_page_token, page.prev_page_token, page.total_size)


def replay(ctx: Context, endpoint_id: str, delivery_id: str) -> DeliveryView:
    """Send the delivery again, now, with the same ``webhook-id`` (it is the same message),
    and a fresh 24-hour retry window. A delivery still pending is just tried now."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        row = _delivery(uow.session, endpoint_id, delivery_id, for_update=True)
        row.next_attempt_at = now
        if row.status != "pending":
            row.status = "pending"
            row.retry_until = now + RETRY_WINDOW
            row.finished_at = None
            row.lease_owner = None
            row.lease_until = None
        uow.session.flush()
        view = _delivery_view(row, uow.session.scalars(select(Event).where(Event.seq == row.event_seq)).one())
        uow.commit()
        return view
