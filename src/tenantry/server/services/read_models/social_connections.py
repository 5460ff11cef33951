"""The JSON shape of the environment's social connections (Scalekit's ``Connection`` with
no organization), for answers and events. The client secret never leaves the server."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tenantry.server.db.models import SocialConnection as Row
from tenantry.server.domain import social as rules


class OAuthConfig(BaseModel):
    client_id: str | None = None
    client_secret_set: bool = False
    scopes: list[str] = Field(default_factory=list)
    issuer: str | None = None
    discovery_endpoint: str | None = None
    authorize_uri: str | None = None
    token_uri: str | None = None
    jwks_uri: str | None = None
    user_info_uri: str | None = None
    emails_uri: str | None = None
    pkce_enabled: bool = True
    redirect_uri: str = Field(description="The callback to register at the provider.")


class SocialConnection(BaseModel):
    id: str
    organization_id: None = None
    provider: str = Field(description="GOOGLE, MICROSOFT, GITHUB or CUSTOM.")
    type: str = Field(description="OIDC (an ID token) or OAUTH (a user-info endpoint).")
    status: str = Field(description="DRAFT until the client and endpoints are complete, then COMPLETED.")
    enabled: bool
    ui_button_title: str = Field(description="The log-in page's button.")
    oauth_config: OAuthConfig
    create_time: datetime
    update_time: datetime


def redirect_uri(public_url: str, connection_id: str) -> str:
    return f"{public_url}/login/social/{connection_id}/callback"


def is_complete(row: Row) -> bool:
    needed = ["client_id", "authorize_uri", "token_uri"]
    needed += ["issuer", "jwks_uri"] if row.type == rules.OIDC else ["user_info_uri"]
    return all(row.config.get(key) for key in needed)


def social_connection(row: Row, public_url: str) -> SocialConnection:
    config = row.config
    return SocialConnection(
        id=row.id,
        provider=row.provider,
        type=row.type,
        status="COMPLETED" if is_complete(row) else "DRAFT",
        enabled=row.enabled,
        ui_button_title=rules.button_title(row.provider, row.ui_button_title),
        oauth_config=OAuthConfig.model_validate(
            {
                **{key: config.get(key) for key in ("client_id", *rules.ENDPOINTS)},
                "scopes": list(config.get("scopes") or []),
                "client_secret_set": row.client_secret_encrypted is not None,
                "redirect_uri": redirect_uri(public_url, row.id),
            }
        ),
        create_time=row.created_at,
        update_time=row.updated_at,
    )
