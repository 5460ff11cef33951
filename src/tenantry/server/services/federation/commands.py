"""Inputs of the SSO connection use cases (the API's request bodies, Scalekit's names)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tenantry.server.domain.types import DisplayName, HttpUrl


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OidcConfigInput(_Strict):
    issuer: HttpUrl | None = None
    discovery_endpoint: HttpUrl | None = None
    client_id: str | None = Field(default=None, min_length=1, max_length=512)
    client_secret: str | None = Field(default=None, min_length=1, max_length=2048)
    scopes: list[str] | None = Field(default=None, max_length=20)
    authorize_uri: HttpUrl | None = None
    token_uri: HttpUrl | None = None
    jwks_uri: HttpUrl | None = None
    user_info_uri: HttpUrl | None = None


class SamlConfigInput(_Strict):
    idp_metadata_url: HttpUrl | None = None
    idp_metadata_xml: str | None = Field(default=None, min_length=1, max_length=512 * 1024)
    idp_initiated_enabled: bool | None = None


class ConnectionInput(_Strict):
    type: Literal["OIDC", "SAML"] | None = None
    provider: str | None = Field(default=None, max_length=32)
    ui_button_title: DisplayName | None = None
    oidc_config: OidcConfigInput | None = None
    saml_config: SamlConfigInput | None = None
    attribute_mapping: dict[str, Any] | None = None
    default_roles: list[str] | None = Field(default=None, max_length=16)
    group_roles: dict[str, list[str]] | None = None


class OAuthConfigInput(_Strict):
    """A social connection's client and provider endpoints; a preset fills in what is left out."""

    client_id: str | None = Field(default=None, min_length=1, max_length=512)
    client_secret: str | None = Field(default=None, min_length=1, max_length=2048)
    scopes: list[str] | None = Field(default=None, max_length=20)
    issuer: HttpUrl | None = None
    discovery_endpoint: HttpUrl | None = None
    authorize_uri: HttpUrl | None = None
    token_uri: HttpUrl | None = None
    jwks_uri: HttpUrl | None = None
    user_info_uri: HttpUrl | None = None
    emails_uri: HttpUrl | None = None


class SocialConnectionInput(_Strict):
    """An environment connection (Scalekit's ``CreateEnvironmentConnection``)."""

    provider: Literal["GOOGLE", "MICROSOFT", "GITHUB", "CUSTOM"] | None = None
    type: Literal["OIDC", "OAUTH"] | None = None
    ui_button_title: DisplayName | None = None
    oauth_config: OAuthConfigInput | None = None
