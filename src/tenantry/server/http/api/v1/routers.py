"""The router every /api/v1 module declares its routes on: each route is made with its full
path and, but for sign-up and invitation acceptance, the bearer-token check, so including it in
the application changes nothing and FastAPI analyses each route once (issue 17: analysing the
routes is most of what building the application costs)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tenantry.server.http.deps import require_client
from tenantry.server.http.retry import RetryingRoute

PREFIX = "/api/v1"


def protected(tag: str) -> APIRouter:
    """Routes that need a management API access token."""
    return APIRouter(route_class=RetryingRoute, prefix=PREFIX, tags=[tag], dependencies=[Depends(require_client)])


def public(tag: str) -> APIRouter:
    """Routes anyone may call (sign-up, invitation acceptance)."""
    return APIRouter(route_class=RetryingRoute, prefix=PREFIX, tags=[tag])
