"""/api/v1: everything needs a bearer token except sign-up and invitation acceptance."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tenantry.server.http.api.v1 import (
    applications,
    attributes,
    clients,
    emails,
    events,
    invitations,
    memberships,
    organizations,
    settings,
    signup,
    users,
    webhooks,
)
from tenantry.server.http.deps import require_client

protected = APIRouter(dependencies=[Depends(require_client)])
for module in (settings, organizations, users, memberships, invitations, attributes, applications, clients, emails):
    protected.include_router(module.router)
for module in (events, webhooks):
    protected.include_router(module.router)

api_v1 = APIRouter(prefix="/api/v1")
api_v1.include_router(protected)
api_v1.include_router(signup.public_router)
api_v1.include_router(invitations.public_router)
