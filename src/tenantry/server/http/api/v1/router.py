"""/api/v1: everything needs a bearer token except sign-up and invitation acceptance."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tenantry.server.domain.errors import Unauthenticated
from tenantry.server.http.api.v1 import (
    applications,
    attributes,
    clients,
    connections,
    directories,
    domains,
    emails,
    events,
    invitations,
    memberships,
    mfa,
    organizations,
    portal_links,
    roles,
    routers,
    sessions,
    settings,
    signup,
    users,
    webhooks,
)
from tenantry.server.http.deps import require_client
from tenantry.server.http.retry import RetryingRoute

# The modules' routes carry their full path and the token check (routers.py): api_v1 only
# groups them, in order.
api_v1 = APIRouter(route_class=RetryingRoute)
for module in (settings, organizations, users, memberships, invitations, attributes, applications, clients, emails):
    api_v1.include_router(module.router)
for module in (roles, events, webhooks, sessions, domains, connections, directories, mfa, portal_links):
    api_v1.include_router(module.router)
api_v1.include_router(signup.public_router)
api_v1.include_router(invitations.public_router)

PUBLIC_PATHS = frozenset(route.path for route in (*signup.public_router.routes, *invitations.public_router.routes))  # type: ignore[attr-defined]


async def authentication_refusal(request: Request) -> Unauthenticated | None:
    """The 401 a protected route owes a caller without a valid token, for requests refused
    before the route's dependencies ran (FastAPI reads the body first): unauthenticated
    callers learn nothing about the input a route accepts."""
    path = request.url.path
    if not path.startswith(f"{routers.PREFIX}/") or path in PUBLIC_PATHS:
        return None
    try:
        await require_client(request)
    except Unauthenticated as exc:
        return exc
    return None
