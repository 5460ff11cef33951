"""Recording events: the one place that builds event payloads and the one that writes them.

Every use case that changes state calls one of the ``*_event`` functions inside its unit of
work, after its own writes, so the event (and one pending delivery per matching webhook
endpoint) commits or rolls back with the change: a transactional outbox, nothing is
recorded for a change that did not happen and nothing is lost for one that did.

Payloads are the objects' API representation at that moment (``services/representations``).
Events about one object share an ``ordering_key``; the webhook worker delivers them in
order. A user's memberships and invitations are ordered with the user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Event, Membership, Organization, User, WebhookDelivery, WebhookEndpoint
from tenantry.server.domain.environment import EnvironmentSettings
from tenantry.server.domain.events import EVENT_TYPES, RETRY_WINDOW, matches
from tenantry.server.domain.ids import new_id, new_sequential_id
from tenantry.server.services.integration import actors
from tenantry.server.services.read_models import representations
from tenantry.server.services.read_models.views import (
    AttributeView,
    held_roles,
    invite_view,
    membership_view,
    organization_view,
    user_view,
)

_ENDPOINTS_KEY = "tenantry.webhook_endpoints"  # per-transaction cache in Session.info


def record(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    *,
    ordering_key: str,
    now: datetime,
    organization_id: str | None = None,
    user_id: str | None = None,
    actor: actors.Actor | None = None,
) -> Event:
    """Write one event and its pending deliveries in ``session``'s transaction. The
    changed rows are flushed first, so the event's ``seq`` follows their row locks."""
    assert event_type in EVENT_TYPES, event_type
    acting = actor or actors.current()
    session.flush()
    event = Event(
        id=new_sequential_id("evt"),  # one transaction's events list in the order written
        type=event_type,
        actor_type=acting.type,
        actor_id=acting.id,
        organization_id=organization_id,
        user_id=user_id,
        ordering_key=ordering_key,
        data=data,
        created_at=now,
    )
    session.add(event)
    session.flush()
    for endpoint in _endpoints(session):
        if matches(event_type, list(endpoint.event_types)):
            session.add(
                WebhookDelivery(
                    id=new_id("msg"),
                    endpoint_id=endpoint.id,
                    event_seq=event.seq,
                    ordering_key=ordering_key,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    retry_until=now + RETRY_WINDOW,
                    created_at=now,
                )
            )
    session.flush()
    return event


def _endpoints(session: Session) -> list[WebhookEndpoint]:
    cached = session.info.get(_ENDPOINTS_KEY)
    if cached is None:
        cached = list(session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))))
        session.info[_ENDPOINTS_KEY] = cached
    return list(cached)


def forget_endpoints(session: Session) -> None:
    """Endpoints changed in this transaction: later events must see the new set."""
    session.info.pop(_ENDPOINTS_KEY, None)


def _json(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def user_json(session: Session, user: User, now: datetime) -> dict[str, Any]:
    session.flush()
    return _json(representations.user(user_view(session, user, now)))


def user_event(
    session: Session, event_type: str, user: User, now: datetime, *, actor: actors.Actor | None = None, **extra: Any
) -> Event:
    """``user.*``: the user as ``GET /api/v1/users/{id}`` shows it (before deletion, for
    ``user.deleted``); ``extra`` adds objects (``organization`` for ``user.signup``)."""
    data = {"user": user_json(session, user, now), **extra}
    return record(session, event_type, data, ordering_key=f"user:{user.id}", now=now, user_id=user.id, actor=actor)


def organization_json(org: Organization) -> dict[str, Any]:
    return _json(representations.organization(organization_view(org)))


def organization_event(session: Session, event_type: str, org: Organization, now: datetime) -> Event:
    data = {"organization": organization_json(org)}
    return record(session, event_type, data, ordering_key=f"organization:{org.id}", now=now, organization_id=org.id)


def membership_event(
    session: Session, event_type: str, membership: Membership, now: datetime, *, actor: actors.Actor | None = None
) -> Event:
    """``user.organization_membership_*``: the membership as it appears in the user's
    ``memberships``, with the user's id."""
    org = repo.organization(session, membership.organization_id)
    data = {
        "user_id": membership.user_id,
        "membership": _json(
            representations.membership(
                membership_view(membership, org.display_name, now, held_roles(session, [membership.id])[membership.id])
            )
        ),
    }
    return _member_record(session, event_type, membership, data, now, actor)


def invitation_event(
    session: Session, event_type: str, membership: Membership, now: datetime, *, actor: actors.Actor | None = None
) -> Event:
    """``user.organization_invitation``, ``invitation.accepted|expired``: the invite (as the
    resend route answers it) and the invited user."""
    data = {
        "invite": _json(representations.invite(invite_view(membership, now))),
        "user": user_json(session, repo.user(session, membership.user_id), now),
    }
    return _member_record(session, event_type, membership, data, now, actor)


def _member_record(
    session: Session,
    event_type: str,
    membership: Membership,
    data: dict[str, Any],
    now: datetime,
    actor: actors.Actor | None,
) -> Event:
    return record(
        session,
        event_type,
        data,
        ordering_key=f"user:{membership.user_id}",
        now=now,
        organization_id=membership.organization_id,
        user_id=membership.user_id,
        actor=actor,
    )


def settings_event(session: Session, settings: EnvironmentSettings, now: datetime) -> Event:
    data = {"settings": settings.model_dump(mode="json")}
    return record(session, "environment.settings_updated", data, ordering_key="environment", now=now)


def attribute_event(session: Session, event_type: str, view: AttributeView, now: datetime) -> Event:
    data = {"user_attribute": _json(representations.user_attribute(view))}
    return record(session, event_type, data, ordering_key=f"user_attribute:{view.definition.key}", now=now)
