"""The audit log: events as the API and webhook deliveries show them, listed with filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tenantry.server.context import Context
from tenantry.server.db.models import Event
from tenantry.server.db.paging import fetch_page
from tenantry.server.domain.errors import FieldError, InvalidArgument, NotFound
from tenantry.server.domain.events import EVENT_TYPES
from tenantry.server.domain.pagination import Page, PageRequest


def document(event: Event) -> dict[str, Any]:
    """An event as JSON: the ``GET /api/v1/events`` item and, byte for byte, the body of its
    webhook deliveries (Standard Webhooks' ``type``/``timestamp``/``data`` plus who and what)."""
    return {
        "id": event.id,
        "type": event.type,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "actor": {"type": event.actor_type, "id": event.actor_id},
        "organization_id": event.organization_id,
        "user_id": event.user_id,
        "data": event.data,
    }


@dataclass(frozen=True)
class EventFilter:
    types: tuple[str, ...] = ()
    organization_id: str | None = None
    user_id: str | None = None
    since: datetime | None = None


def check_types(types: list[str], field: str) -> None:
    """Raises InvalidArgument naming each unknown event type."""
    unknown = [(i, t) for i, t in enumerate(types) if t not in EVENT_TYPES]
    if unknown:
        raise InvalidArgument(
            "Unknown event type.",
            [FieldError(f"{field}.{i}", "not_in_options", f"{t!r} is not an event type") for i, t in unknown],
        )


def list_page(ctx: Context, request: PageRequest, filters: EventFilter) -> Page[dict[str, Any]]:
    """Events oldest first, each filter narrowing (``since``: at or after that time).
    Raises InvalidArgument for an unknown type."""
    check_types(list(filters.types), "type")
    stmt = select(Event)
    if filters.types:
        stmt = stmt.where(Event.type.in_(filters.types))
    if filters.organization_id is not None:
        stmt = stmt.where(Event.organization_id == filters.organization_id)
    if filters.user_id is not None:
        stmt = stmt.where(Event.user_id == filters.user_id)
    if filters.since is not None:
        stmt = stmt.where(Event.created_at >= filters.since)
    with ctx.uow(readonly=True) as uow:
        page = fetch_page(uow.session, stmt, Event.id, request)
        return Page([document(e) for e in page.items], page.next_page_token, page.prev_page_token, page.total_size)


def get(ctx: Context, event_id: str) -> dict[str, Any]:
    with ctx.uow(readonly=True) as uow:
        event = uow.session.scalar(select(Event).where(Event.id == event_id))
        if event is None:
            raise NotFound(f"No event with id {event_id!r}.")
        return document(event)
