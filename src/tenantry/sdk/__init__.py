"""The Tenantry Python SDK: ``from tenantry import Client``. Imports no server code."""

from tenantry.sdk import errors
from tenantry.sdk.client import Client
from tenantry.sdk.errors import (
    AlreadyExists,
    InvalidArgument,
    InvitationExpired,
    InvitationInvalid,
    NotFound,
    OrganizationCreationLimitReached,
    OrganizationUserLimitReached,
    TenantryError,
    Unauthenticated,
)

__all__ = [
    "AlreadyExists",
    "Client",
    "InvalidArgument",
    "InvitationExpired",
    "InvitationInvalid",
    "NotFound",
    "OrganizationCreationLimitReached",
    "OrganizationUserLimitReached",
    "TenantryError",
    "Unauthenticated",
    "errors",
]
