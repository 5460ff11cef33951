"""Tenantry: self-hosted user management for multi-tenant applications.

``from tenantry import Client`` (or ``AsyncClient``, ``OIDCClient``) gives the SDK; it is
loaded on first use so that the server, which imports this package too, does not pay for it.
"""

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in ("Client", "AsyncClient"):
        from tenantry import sdk

        return getattr(sdk, name)
    if name == "OIDCClient":
        from tenantry.sdk.oidc import OIDCClient

        return OIDCClient
    raise AttributeError(name)
