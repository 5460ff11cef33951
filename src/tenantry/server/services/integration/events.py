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
from sqlalchemy import Table, insert, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from tenantry.server.db import config_stamp
from tenantry.server.db import repositories as repo
from tenantry.server.db.inserts import Row
from tenantry.server.db.models import Event, Membership, Organization, User, WebhookDelivery, WebhookEndpoint
from tenantry.server.domain.environment import EnvironmentSettings
from tenantry.server.domain.events import EVENT_TYPES, RETRY_WINDOW, matches
from tenantry.server.domain.ids import new_sequential_id
from tenantry.server.services.integration import actors
from tenantry.server.services.read_models import representations
from tenantry.server.services.read_models.views import (
    AttributeView,
    MembershipView,
    RoleRef,
    UserView,
    held_roles,
    invite_view,
    membership_view,
    organization_view,
    user_view,
    user_view_of,
)

_PENDING_KEY = "tenantry.pending_events"  # recorded, written at commit


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
) -> None:
    """Record one event (and its pending deliveries) in ``session``'s transaction.

    The event is written when the transaction commits, together with every other event of
    the transaction: one INSERT for the events and one for their deliveries, however many
    the use case recorded (issue 18). The rows are written while the use case still holds
    its row locks, so the events' ``seq`` follows them. Use cases do not read events they
    just recorded; ``write_pending`` writes them earlier for one that must. The row is a
    plain dict of the ``events`` columns: no ORM object is built for it (issue 18)."""
    assert event_type in EVENT_TYPES, event_type
    acting = actor or actors.current()
    row = {
        "id": new_sequential_id("evt"),  # one transaction's events list in the order written
        "type": event_type,
        "actor_type": acting.type,
        "actor_id": acting.id,
        "organization_id": organization_id,
        "user_id": user_id,
        "ordering_key": ordering_key,
        "data": data,
        "created_at": now,
    }
    session.info.setdefault(_PENDING_KEY, []).append(row)


@sa_event.listens_for(Session, "before_commit")
def write_pending(session: Session) -> None:
    """Write the transaction's recorded events in one statement (an executemany), then, only
    when a webhook endpoint wants some of them, read their ``seq`` back and write the
    deliveries in one more."""
    pending: list[dict[str, Any]] = session.info.pop(_PENDING_KEY, None) or []
    if not pending:
        return
    # Core, not ORM bulk: the ORM would split the rows by which columns are None.
    session.connection().execute(_INSERT_EVENTS, pending)
    endpoints = _endpoints(session)
    wanted = [
        (event, endpoint_id)
        for event in pending  # in the order recorded, as the events' seq
        for endpoint_id, event_types in endpoints
        if matches(event["type"], list(event_types))
    ]
    if not wanted:
        return
    ids = {event["id"] for event, _ in wanted}
    seqs = {event_id: seq for event_id, seq in session.execute(select(Event.id, Event.seq).where(Event.id.in_(ids)))}
    session.connection().execute(
        insert(_table(WebhookDelivery)),
        [
            {
                "id": new_sequential_id("msg"),  # listed in id order: the events' order
                "endpoint_id": endpoint_id,
                "event_seq": seqs[event["id"]],
                "ordering_key": event["ordering_key"],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": event["created_at"],
                "retry_until": event["created_at"] + RETRY_WINDOW,
                "created_at": event["created_at"],
            }
            for event, endpoint_id in wanted
        ],
    )


def _table(model: type[Event] | type[WebhookDelivery]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


# Built once, as every write transaction sends them (issue 18).
_INSERT_EVENTS = insert(_table(Event))
_ENABLED_ENDPOINTS = select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(WebhookEndpoint.enabled.is_(True))


@sa_event.listens_for(Session, "after_rollback")
def forget_pending(session: Session) -> None:
    """Events recorded and not written: the transaction (or a savepoint) they belong to is gone."""
    session.info.pop(_PENDING_KEY, None)


def _endpoints(session: Session) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The enabled endpoints (id, event types): every write transaction asks, so they are
    kept per process under the configuration stamp (``db/config_stamp.py``, issue 18)."""
    return config_stamp.cached(session, "webhook_endpoints", _enabled_endpoints)


def _enabled_endpoints(session: Session) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((endpoint_id, tuple(types)) for endpoint_id, types in session.execute(_ENABLED_ENDPOINTS))


def _json(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def user_json(
    session: Session, user: User | Row, now: datetime, memberships: list[MembershipView] | None = None
) -> dict[str, Any]:
    """The user as the API shows it; ``memberships`` when the caller knows them (a user it just
    created), which saves reading them back."""
    if memberships is not None:
        return _json(representations.user(user_view_of(user, memberships)))
    assert isinstance(user, User), user  # a row just written has no memberships to read
    session.flush()
    return _json(representations.user(user_view(session, user, now)))


def user_event(
    session: Session,
    event_type: str,
    user: User | Row,
    now: datetime,
    *,
    actor: actors.Actor | None = None,
    memberships: list[MembershipView] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """``user.*``: the user as ``GET /api/v1/users/{id}`` shows it (before deletion, for
    ``user.deleted``); ``extra`` adds objects (``organization`` for ``user.signup``);
    ``memberships`` as in ``user_json``. Answers the user's JSON (for a later event of the
    same transaction that shows the user unchanged)."""
    shown = user_json(session, user, now, memberships)
    _user_record(session, event_type, user.id, {"user": shown, **extra}, now, actor)
    return shown


def user_view_event(
    session: Session, event_type: str, view: UserView, now: datetime, *, actor: actors.Actor | None = None
) -> None:
    """``user_event`` for a user whose view the caller has just read (``sessions.start``: ``user.login``)."""
    _user_record(session, event_type, view.id, {"user": _json(representations.user(view))}, now, actor)


def _user_record(
    session: Session, event_type: str, user_id: str, data: dict[str, Any], now: datetime, actor: actors.Actor | None
) -> None:
    record(session, event_type, data, ordering_key=f"user:{user_id}", now=now, user_id=user_id, actor=actor)


def organization_json(org: Organization) -> dict[str, Any]:
    return _json(representations.organization(organization_view(org)))


def organization_event(session: Session, event_type: str, org: Organization, now: datetime) -> None:
    data = {"organization": organization_json(org)}
    record(session, event_type, data, ordering_key=f"organization:{org.id}", now=now, organization_id=org.id)


def membership_json(
    session: Session,
    membership: Membership | Row,
    now: datetime,
    organization_name: str | None = None,
    roles: list[RoleRef] | None = None,
) -> dict[str, Any]:
    """The membership as it appears in the user's ``memberships``; the organization's name and
    the roles held when the caller has them (else read)."""
    if organization_name is None:
        organization_name = repo.organization(session, membership.organization_id).display_name
    if roles is None:
        roles = held_roles(session, [membership.id])[membership.id]
    return _json(representations.membership(membership_view(membership, organization_name, now, roles)))


def membership_event(
    session: Session,
    event_type: str,
    membership: Membership | Row,
    now: datetime,
    *,
    actor: actors.Actor | None = None,
    shown: dict[str, Any] | None = None,
) -> None:
    """``user.organization_membership_*``: the membership as it appears in the user's
    ``memberships`` (``shown``: ``membership_json`` the caller has built), with the user's id."""
    data = {"user_id": membership.user_id, "membership": shown or membership_json(session, membership, now)}
    _member_record(session, event_type, membership, data, now, actor)


def invitation_event(
    session: Session,
    event_type: str,
    membership: Membership | Row,
    now: datetime,
    *,
    actor: actors.Actor | None = None,
    memberships: list[MembershipView] | None = None,
    user: dict[str, Any] | None = None,
) -> None:
    """``user.organization_invitation``, ``invitation.accepted|expired``: the invite (as the
    resend route answers it) and the invited user (``memberships`` as in ``user_json``;
    ``user``: their JSON, when the caller has built it)."""
    data = {
        "invite": _json(representations.invite(invite_view(membership, now))),
        "user": user or user_json(session, _user(session, membership.user_id), now, memberships),
    }
    _member_record(session, event_type, membership, data, now, actor)


def _user(session: Session, user_id: str) -> User:
    """The user, from the session when this transaction has loaded them (no query)."""
    return session.get(User, user_id) or repo.user(session, user_id)


def _member_record(
    session: Session,
    event_type: str,
    membership: Membership | Row,
    data: dict[str, Any],
    now: datetime,
    actor: actors.Actor | None,
) -> None:
    record(
        session,
        event_type,
        data,
        ordering_key=f"user:{membership.user_id}",
        now=now,
        organization_id=membership.organization_id,
        user_id=membership.user_id,
        actor=actor,
    )


def settings_event(session: Session, settings: EnvironmentSettings, now: datetime) -> None:
    data = {"settings": settings.model_dump(mode="json")}
    record(session, "environment.settings_updated", data, ordering_key="environment", now=now)


def attribute_event(session: Session, event_type: str, view: AttributeView, now: datetime) -> None:
    data = {"user_attribute": _json(representations.user_attribute(view))}
    record(session, event_type, data, ordering_key=f"user_attribute:{view.definition.key}", now=now)
