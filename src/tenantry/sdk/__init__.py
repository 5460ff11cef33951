"""The Tenantry Python SDK: ``from tenantry import Client, AsyncClient, OIDCClient``.
Imports no server code."""

from tenantry.sdk import errors
from tenantry.sdk.async_client import AsyncClient
from tenantry.sdk.client import Client
from tenantry.sdk.errors import (
    AlreadyExists,
    InvalidArgument,
    InvitationExpired,
    InvitationInvalid,
    NotFound,
    OrganizationCreationLimitReached,
    OrganizationUserLimitReached,
    RateLimited,
    SignupDisabled,
    TenantryError,
    Unauthenticated,
)

__all__ = [
    "AlreadyExists",
    "AsyncClient",
    "Client",
    "InvalidArgument",
    "InvitationExpired",
    "InvitationInvalid",
    "NotFound",
    "OrganizationCreationLimitReached",
    "OrganizationUserLimitReached",
    "RateLimited",
    "SignupDisabled",
    "TenantryError",
    "Unauthenticated",
    "errors",
]
