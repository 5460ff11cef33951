"""Who is acting: the actor recorded on every event, carried in a ``contextvars`` scope.

The HTTP layer sets it once per request (the API client behind a bearer token, the user
signed in to the hosted pages, an administrator in the dashboard); everything else (the
CLI, the worker, start-up) acts as ``SYSTEM``; the admin portal acts as its ``PORTAL_LINK``.
Service signatures stay as they are: the event recorder reads the current actor itself.

    with actors.acting_as(actors.admin("adm_…")):
        organizations.update(ctx, org_id, command)   # its event names the admin
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

ActorType = Literal["ADMIN", "API_CLIENT", "USER", "PORTAL_LINK", "SYSTEM"]


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: str | None = None


SYSTEM = Actor("SYSTEM")

_current: ContextVar[Actor] = ContextVar("tenantry_actor", default=SYSTEM)


def admin(admin_id: str) -> Actor:
    return Actor("ADMIN", admin_id)


def api_client(client_id: str) -> Actor:
    return Actor("API_CLIENT", client_id)


def user(user_id: str) -> Actor:
    return Actor("USER", user_id)


def portal_link(link_id: str) -> Actor:
    """An organization's IT administrator in the admin portal, known only by their link."""
    return Actor("PORTAL_LINK", link_id)


def current() -> Actor:
    """The actor of the running request or job (``SYSTEM`` when nobody set one)."""
    return _current.get()


def set_for_request(actor: Actor) -> None:
    """Make ``actor`` current for the rest of this request. For the HTTP layer: each
    request runs in its own context copy, so nothing leaks into the next request."""
    _current.set(actor)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Run a block as ``actor``; the previous actor is back afterwards."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
