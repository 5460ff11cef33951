from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from tenantry.server.domain.clock import assume_utc
from tenantry.server.http.api.v1 import routers
from tenantry.server.http.api.v1.schemas import Paged
from tenantry.server.http.deps import Ctx, Paging
from tenantry.server.services.integration import event_log

router = routers.protected("events")


class Actor(BaseModel):
    type: str  # ADMIN | API_CLIENT | USER | SYSTEM
    id: str | None


class Event(BaseModel):
    id: str
    type: str
    timestamp: datetime
    actor: Actor
    organization_id: str | None
    user_id: str | None
    data: dict[str, Any]


class EventEnvelope(BaseModel):
    event: Event


class EventList(Paged):
    events: list[Event]


@router.get("/events", response_model=EventList)
def list_events(
    ctx: Ctx,
    paging: Paging,
    type: Annotated[list[str] | None, Query(description="Event type; repeat for several")] = None,
    organization_id: Annotated[str | None, Query()] = None,
    user_id: Annotated[str | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601; without an offset, UTC")] = None,
) -> EventList:
    """The audit log, oldest first: every state change with its actor, time and the object's
    new state (the same documents webhooks receive)."""
    filters = event_log.EventFilter(tuple(type or ()), organization_id, user_id, assume_utc(since))
    page = event_log.list_page(ctx, paging, filters)
    return EventList(
        events=[Event.model_validate(e) for e in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )


@router.get("/events/{event_id}", response_model=EventEnvelope)
def get_event(ctx: Ctx, event_id: str) -> EventEnvelope:
    return EventEnvelope(event=Event.model_validate(event_log.get(ctx, event_id)))
