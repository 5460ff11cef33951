"""The audit log: events as the API and webhook deliveries show them, listed with filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tenantry.server.context import Context
from tenantry.server.db.models import Admin, ApiClient, Event, Organization, User
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


def list_page(
    ctx: Context, request: PageRequest, filters: EventFilter, *, newest_first: bool = False
) -> Page[dict[str, Any]]:
    """Events oldest first (or ``newest_first``), each filter narrowing (``since``: at or
    after that time). Raises InvalidArgument for an unknown type."""
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
        page = fetch_page(uow.session, stmt, Event.id, request, descending=newest_first)
        return Page([document(e) for e in page.items], page.next_page_token, page.prev_page_token, page.total_size)


def get(ctx: Context, event_id: str) -> dict[str, Any]:
    with ctx.uow(readonly=True) as uow:
        event = uow.session.scalar(select(Event).where(Event.id == event_id))
        if event is None:
            raise NotFound(f"No event with id {event_id!r}.")
        return document(event)


def labels(ctx: Context, documents: list[dict[str, Any]]) -> dict[str, str]:
    """What a person reads for the ids a page of events names: administrators' and users'
    e-mails, API clients' names, organizations' names (one query per kind). Ids of records
    deleted since are left out; the page shows the id then."""
    wanted: dict[str, set[str]] = {"admin": set(), "user": set(), "client": set(), "organization": set()}
    for event in documents:
        actor = event["actor"]
        if actor["id"]:
            kind = {"ADMIN": "admin", "USER": "user", "API_CLIENT": "client"}.get(actor["type"])
            if kind:
                wanted[kind].add(actor["id"])
        if event["user_id"]:
            wanted["user"].add(event["user_id"])
        if event["organization_id"]:
            wanted["organization"].add(event["organization_id"])
    queries = {
        "admin": (Admin.id, Admin.email),
        "user": (User.id, User.email),
        "client": (ApiClient.id, ApiClient.name),
        "organization": (Organization.id, Organization.display_name),
    }
    found: dict[str, str] = {}
    with ctx.uow(readonly=True) as uow:
        for kind, (id_column, label) in queries.items():
            if wanted[kind]:
                rows = uow.session.execute(select(id_column, label).where(id_column.in_(wanted[kind])))
                found.update((str(key), str(value)) for key, value in rows)
    return found
