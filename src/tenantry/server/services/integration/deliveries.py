"""The worker's side of webhook deliveries: claim due ones under a lease, record outcomes.

Safe with any number of workers: a claim is a ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL (workers skip each other's rows instead of queueing) and, on SQLite, a read and
conditional ``UPDATE`` inside one ``BEGIN IMMEDIATE`` transaction (claims serialise). A
claimed delivery is leased for ``webhook_lease_seconds``; a worker that dies mid-delivery
loses the lease and another sends the same message again (same ``webhook-id``), so delivery
is at least once and receivers dedupe by id.

Per-object order: a delivery is due only when no earlier event about the same object
(same ``ordering_key``) is still pending for the same endpoint.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from tenantry.server.context import Context
from tenantry.server.db.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tenantry.server.domain.events import retry_delay
from tenantry.server.domain.ids import new_id
from tenantry.server.services.integration import event_log, webhook_secrets

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    """One attempt to make: where, what, and with which secret."""

    delivery_id: str
    endpoint_id: str
    attempt: int
    url: str
    body: str
    secret: str | None  # None: unreadable (wrong key); the attempt fails without sending


@dataclass(frozen=True)
class Outcome:
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_body: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _due(now: datetime) -> ColumnElement[bool]:
    earlier = aliased(WebhookDelivery)
    blocked = exists().where(
        earlier.endpoint_id == WebhookDelivery.endpoint_id,
        earlier.ordering_key == WebhookDelivery.ordering_key,
        earlier.status == "pending",
        earlier.event_seq < WebhookDelivery.event_seq,
    )
    enabled = exists().where(WebhookEndpoint.id == WebhookDelivery.endpoint_id, WebhookEndpoint.enabled.is_(True))
    return and_(
        WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until <= now),
        enabled,
        ~blocked,
    )


def claim(ctx: Context, owner: str, limit: int) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries to ``owner`` and count the attempt now (a
    worker that dies mid-request has still used it up, so backoff keeps growing)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.session
        taken = _lease(session, owner, limit, now, now + timedelta(seconds=ctx.settings.webhook_lease_seconds))
        events = {e.seq: e for e in session.scalars(select(Event).where(Event.seq.in_([d.event_seq for d in taken])))}
        endpoint_ids = {d.endpoint_id for d in taken}
        endpoints = {
            e.id: e for e in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id.in_(endpoint_ids)))
        }
        uow.commit()
    return [
        Claimed(
            delivery.id,
            delivery.endpoint_id,
            delivery.attempts,
            endpoints[delivery.endpoint_id].url,
            json.dumps(event_log.document(events[delivery.event_seq]), separators=(",", ":"), ensure_ascii=False),
            _secret(ctx, endpoints[delivery.endpoint_id]),  # after the transaction: may read the key
        )
        for delivery in taken
    ]


def _lease(session: Session, owner: str, limit: int, now: datetime, lease_until: datetime) -> list[WebhookDelivery]:
    """Due rows, locked (skipping rows another worker is claiming), each then taken by a
    conditional UPDATE; returns those this worker won, with ``attempts`` counting this one."""
    rows = session.scalars(
        select(WebhookDelivery)
        .where(_due(now))
        .order_by(WebhookDelivery.event_seq)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    ).all()
    won = []
    for row in rows:
        taken = session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == row.id,
                WebhookDelivery.status == "pending",
                or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until <= now),
            )
            .values(lease_owner=owner, lease_until=lease_until, attempts=WebhookDelivery.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if taken == 1:
            set_committed_value(row, "attempts", row.attempts + 1)
            won.append(row)
    return won


def _secret(ctx: Context, endpoint: WebhookEndpoint) -> str | None:
    try:
        return webhook_secrets.decrypt(ctx, endpoint.id, endpoint.secret_encrypted)
    except webhook_secrets.SecretUnreadable:
        log.exception("webhook %s: signing secret unreadable", endpoint.id)
        return None


def complete(ctx: Context, owner: str, claimed: Claimed, outcome: Outcome) -> str:
    """Record the attempt and move the delivery on: ``delivered`` after a 2xx; otherwise
    the next try after an exponential, jittered delay, or ``failed`` once that would fall
    past the retry window. A worker whose lease was taken over records only the attempt.
    Returns the delivery's status afterwards."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.session
        row = session.get(WebhookDelivery, claimed.delivery_id)
        if row is None:  # the endpoint was deleted meanwhile, with its deliveries
            return "deleted"
        session.add(
            WebhookAttempt(
                id=new_id("att"),
                delivery_id=claimed.delivery_id,
                number=claimed.attempt,
                started_at=outcome.started_at,
                duration_ms=outcome.duration_ms,
                status_code=outcome.status_code,
                error=outcome.error,
                response_body=outcome.response_body,
                succeeded=outcome.succeeded,
            )
        )
        if row.status != "pending" or row.lease_owner != owner:
            uow.commit()
            return row.status
        row.lease_owner, row.lease_until = None, None
        if outcome.succeeded:
            row.status, row.finished_at = "delivered", now
        else:
            base = timedelta(seconds=ctx.settings.webhook_retry_base_seconds)
            next_at = now + retry_delay(claimed.attempt, base)
            if next_at > row.retry_until:
                row.status, row.finished_at = "failed", now
            else:
                row.next_attempt_at = next_at
        status = row.status
        uow.commit()
        return status
