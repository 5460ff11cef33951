"""Organization domains and SSO connections (SPEC §10, §11), and the environment's social
connections (SPEC §13): models and resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from tenantry.sdk.calls import Call, many, nothing, one
from tenantry.sdk.models import Model
from tenantry.sdk.resources import UNSET, Resource, given

DomainType = Literal["ORGANIZATION_DOMAIN", "ALLOWED_EMAIL_DOMAIN"]


class Domain(Model):
    id: str
    domain: str
    organization_id: str
    domain_type: str
    verification_status: str
    verification_method: str | None = None
    txt_record_key: str
    txt_record_secret: str
    create_time: datetime
    update_time: datetime
    verified_time: datetime | None = None
    last_checked_time: datetime | None = None


class DomainSettings(Model):
    domain_join: str
    sso_required: bool


def _domains(organization_id: str) -> str:
    return f"/api/v1/organizations/{organization_id}/domains"


class Domains(Resource):
    def create(self, organization_id: str, domain: str, *, domain_type: DomainType = "ORGANIZATION_DOMAIN") -> Domain:
        """Add a pending domain; publish ``txt_record_secret`` at ``txt_record_key`` and call ``verify``."""
        body = {"domain": {"domain": domain, "domain_type": domain_type}}
        return self._r.run(Call("POST", _domains(organization_id), one(Domain, "domain"), json=body))

    def list(self, organization_id: str, *, domain_type: DomainType | None = None) -> list[Domain]:
        params = {"domain_type": domain_type} if domain_type else None
        return self._r.run(Call("GET", _domains(organization_id), many(Domain, "domains"), params=params))

    def get(self, organization_id: str, domain_id: str) -> Domain:
        return self._r.run(Call("GET", f"{_domains(organization_id)}/{domain_id}", one(Domain, "domain")))

    def update(self, organization_id: str, domain_id: str, *, domain_type: DomainType) -> Domain:
        body = {"domain": {"domain_type": domain_type}}
        return self._r.run(Call("PATCH", f"{_domains(organization_id)}/{domain_id}", one(Domain, "domain"), json=body))

    def delete(self, organization_id: str, domain_id: str) -> None:
        return self._r.run(Call("DELETE", f"{_domains(organization_id)}/{domain_id}", nothing))

    def verify(self, organization_id: str, domain_id: str, *, method: Literal["DNS", "ADMIN"] = "DNS") -> Domain:
        """``DNS``: check the TXT record now (raises on ``domain_verification_failed``);
        ``ADMIN``: the application verified the domain another way."""
        path = f"{_domains(organization_id)}/{domain_id}:verify"
        return self._r.run(Call("PATCH", path, one(Domain, "domain"), json={"verification_method": method}))

    def get_settings(self, organization_id: str) -> DomainSettings:
        path = f"/api/v1/organizations/{organization_id}/settings/domains"
        return self._r.run(Call("GET", path, one(DomainSettings, "settings")))

    def update_settings(
        self, organization_id: str, *, domain_join: str = UNSET, sso_required: bool = UNSET
    ) -> DomainSettings:
        """``domain_join``: ``off`` | ``suggest`` | ``auto``; ``sso_required``: users on the
        organization's verified domains sign in through its SSO connection only."""
        path = f"/api/v1/organizations/{organization_id}/settings/domains"
        body = {"settings": given(domain_join=domain_join, sso_required=sso_required)}
        return self._r.run(Call("PATCH", path, one(DomainSettings, "settings"), json=body))


class Connection(Model):
    id: str
    organization_id: str
    type: str
    provider: str
    status: str
    enabled: bool
    ui_button_title: str | None = None
    configuration_type: str
    test_connection_uri: str
    attribute_mapping: dict[str, str] = Field(default_factory=dict)
    default_roles: list[str] = Field(default_factory=list)
    group_roles: dict[str, list[str]] = Field(default_factory=dict)
    oidc_config: dict[str, Any] | None = None
    saml_config: dict[str, Any] | None = None
    create_time: datetime
    update_time: datetime


def _connections(organization_id: str) -> str:
    return f"/api/v1/organizations/{organization_id}/connections"


class Connections(Resource):
    """SSO connections. ``fields`` are the API's: ``provider``, ``oidc_config`` (``issuer``,
    ``client_id``, ``client_secret``, ``scopes``…), ``saml_config`` (``idp_metadata_url`` or
    ``idp_metadata_xml``, ``idp_initiated_enabled``), ``attribute_mapping``, ``default_roles``,
    ``group_roles``, ``ui_button_title``."""

    def create(self, organization_id: str, type: Literal["OIDC", "SAML"], **fields: Any) -> Connection:
        body = {"connection": {"type": type, **fields}}
        return self._r.run(Call("POST", _connections(organization_id), one(Connection, "connection"), json=body))

    def list(self, organization_id: str) -> list[Connection]:
        return self._r.run(Call("GET", _connections(organization_id), many(Connection, "connections")))

    def get(self, organization_id: str, connection_id: str) -> Connection:
        path = f"{_connections(organization_id)}/{connection_id}"
        return self._r.run(Call("GET", path, one(Connection, "connection")))

    def update(self, organization_id: str, connection_id: str, **fields: Any) -> Connection:
        path = f"{_connections(organization_id)}/{connection_id}"
        return self._r.run(Call("PATCH", path, one(Connection, "connection"), json={"connection": fields}))

    def enable(self, organization_id: str, connection_id: str) -> Connection:
        path = f"{_connections(organization_id)}/{connection_id}:enable"
        return self._r.run(Call("PATCH", path, one(Connection, "connection")))

    def disable(self, organization_id: str, connection_id: str) -> Connection:
        path = f"{_connections(organization_id)}/{connection_id}:disable"
        return self._r.run(Call("PATCH", path, one(Connection, "connection")))

    def delete(self, organization_id: str, connection_id: str) -> None:
        return self._r.run(Call("DELETE", f"{_connections(organization_id)}/{connection_id}", nothing))


SocialProvider = Literal["GOOGLE", "MICROSOFT", "GITHUB", "CUSTOM"]


class SocialConnection(Model):
    id: str
    provider: str
    type: str
    status: str
    enabled: bool
    ui_button_title: str
    oauth_config: dict[str, Any] = Field(default_factory=dict)
    create_time: datetime
    update_time: datetime


SOCIAL = "/api/v1/connections"


class SocialConnections(Resource):
    """The environment's sign-in providers (the log-in page's buttons). ``oauth_config``:
    ``client_id``, ``client_secret``, ``scopes``, and for a CUSTOM provider (or to override a
    preset's) ``issuer`` (OIDC discovery) or ``authorize_uri``, ``token_uri``, ``jwks_uri``,
    ``user_info_uri``, ``emails_uri``."""

    def create(
        self,
        provider: SocialProvider,
        *,
        type: Literal["OIDC", "OAUTH"] | None = None,
        ui_button_title: str | None = None,
        oauth_config: dict[str, Any] | None = None,
    ) -> SocialConnection:
        """Created disabled: register ``oauth_config['redirect_uri']`` at the provider, then ``enable``."""
        fields = {"provider": provider, "type": type, "ui_button_title": ui_button_title, "oauth_config": oauth_config}
        body = {"connection": {k: v for k, v in fields.items() if v is not None}}
        return self._r.run(Call("POST", SOCIAL, one(SocialConnection, "connection"), json=body))

    def list(self) -> list[SocialConnection]:
        return self._r.run(Call("GET", SOCIAL, many(SocialConnection, "connections")))

    def get(self, connection_id: str) -> SocialConnection:
        return self._r.run(Call("GET", f"{SOCIAL}/{connection_id}", one(SocialConnection, "connection")))

    def update(self, connection_id: str, **fields: Any) -> SocialConnection:
        """``ui_button_title`` and ``oauth_config`` (a new ``client_secret`` replaces the stored one)."""
        path = f"{SOCIAL}/{connection_id}"
        return self._r.run(Call("PATCH", path, one(SocialConnection, "connection"), json={"connection": fields}))

    def enable(self, connection_id: str) -> SocialConnection:
        return self._r.run(Call("PATCH", f"{SOCIAL}/{connection_id}:enable", one(SocialConnection, "connection")))

    def disable(self, connection_id: str) -> SocialConnection:
        return self._r.run(Call("PATCH", f"{SOCIAL}/{connection_id}:disable", one(SocialConnection, "connection")))

    def delete(self, connection_id: str) -> None:
        return self._r.run(Call("DELETE", f"{SOCIAL}/{connection_id}", nothing))


__all__ = [
    "Connection",
    "Connections",
    "Domain",
    "DomainSettings",
    "Domains",
    "SocialConnection",
    "SocialConnections",
]
