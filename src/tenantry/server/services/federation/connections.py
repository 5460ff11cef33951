"""SSO connections (SPEC §11) per organization: create (by OIDC issuer discovery, SAML IdP
metadata URL or XML, or explicit endpoints), update, enable/disable, delete. Every change is
an event. OIDC client secrets are sealed at rest (AES-GCM, bound to the connection id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import SocialConnection, SsoConnection
from tenantry.server.domain import sso as rules
from tenantry.server.domain.errors import FailedPrecondition, FieldError, InvalidArgument, NotFound, TransientConflict
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.roles import MEMBER
from tenantry.server.services.directory import domains
from tenantry.server.services.federation import oidc_rp, saml_metadata, saml_sp
from tenantry.server.services.federation.commands import ConnectionInput
from tenantry.server.services.integration import events, webhook_secrets
from tenantry.server.services.membership import roles as catalogue
from tenantry.server.services.read_models.connections import Connection, connection, is_complete

MAX_CONNECTIONS_PER_ORGANIZATION = 20


def _view(ctx: Context, row: SsoConnection) -> Connection:
    return connection(row, ctx.settings.public_url)


def _event(ctx: Context, session: Session, event_type: str, row: SsoConnection, now: datetime) -> None:
    session.flush()
    events.record(
        session,
        event_type,
        {"connection": _view(ctx, row).model_dump(mode="json")},
        ordering_key=f"organization:{row.organization_id}",
        now=now,
        organization_id=row.organization_id,
    )


def row_of(session: Session, organization_id: str | None, connection_id: str, *, lock: bool = False) -> SsoConnection:
    stmt = select(SsoConnection).where(SsoConnection.id == connection_id)
    if organization_id is not None:
        stmt = stmt.where(SsoConnection.organization_id == organization_id)
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound(f"No connection with id {connection_id!r}.")
    return found


def _resolve_config(ctx: Context, kind: str, data: ConnectionInput, current: dict[str, Any]) -> dict[str, Any]:
    """The stored protocol settings after applying ``data``: OIDC discovery or SAML metadata
    are fetched (through the SSRF guard) and parsed here, so a bad one fails the request."""
    config = dict(current)
    if kind == "OIDC" and data.oidc_config is not None:
        given = data.oidc_config.model_dump(exclude_unset=True, exclude={"client_secret"})
        config.update(given)
        if data.oidc_config.issuer or data.oidc_config.discovery_endpoint:
            config.update(oidc_rp.discover(ctx, config.get("issuer"), config.get("discovery_endpoint")))
            config["discovered"] = True
        if not config.get("scopes"):  # absent, null or empty: the defaults
            config["scopes"] = list(rules.OIDC_SCOPES)
        if "openid" not in config["scopes"]:
            raise InvalidArgument.field("connection.oidc_config.scopes", "invalid", "must include openid")
    if kind == "SAML" and data.saml_config is not None:
        saml = data.saml_config
        if saml.idp_metadata_url:
            config.update(saml_metadata.from_url(ctx, saml.idp_metadata_url))
            config["idp_metadata_url"] = saml.idp_metadata_url
            config["discovered"] = True
        elif saml.idp_metadata_xml:
            config.update(saml_metadata.parse(saml.idp_metadata_xml, "connection.saml_config.idp_metadata_xml"))
            config.pop("idp_metadata_url", None)
    return config


@dataclass(frozen=True)
class _Prepared:
    """What a request changes, worked out before the transaction: discovery documents and
    metadata are fetched and the client secret sealed outside it (no network in a lock)."""

    config: dict[str, Any]
    sealed_secret: str | None


def _prepare(ctx: Context, connection_id: str, kind: str, data: ConnectionInput, current: dict[str, Any]) -> _Prepared:
    sealed = None
    if data.oidc_config is not None and data.oidc_config.client_secret is not None:
        sealed = webhook_secrets.encrypt(ctx, connection_id, data.oidc_config.client_secret)
    return _Prepared(_resolve_config(ctx, kind, data, current), sealed)


def _role_names(session: Session, row: SsoConnection, names: list[str], field: str) -> list[str]:
    """Role names the organization can use, de-duplicated; at least one. Raises
    InvalidArgument (unknown_role)."""
    if not names:
        raise InvalidArgument.field(field, "required", "give at least one role")
    return [role.name for role in catalogue.resolve(session, row.organization_id, names, field)]


def _apply(session: Session, row: SsoConnection, data: ConnectionInput, prepared: _Prepared, now: datetime) -> None:
    row.config = prepared.config
    if prepared.sealed_secret is not None:
        row.client_secret_encrypted = prepared.sealed_secret
    if data.saml_config is not None and data.saml_config.idp_initiated_enabled is not None:
        row.idp_initiated_enabled = data.saml_config.idp_initiated_enabled
    if data.provider is not None:
        if data.provider not in rules.PROVIDERS:
            raise InvalidArgument.field("connection.provider", "not_in_options", f"one of {', '.join(rules.PROVIDERS)}")
        row.provider = data.provider
    if "ui_button_title" in data.model_fields_set:
        row.ui_button_title = data.ui_button_title
    if data.attribute_mapping is not None:
        row.attribute_mapping = rules.check_mapping(data.attribute_mapping)
    if data.default_roles is not None:
        row.default_roles = _role_names(session, row, data.default_roles, "connection.default_roles")
    if data.group_roles is not None:
        row.group_roles = {
            group: _role_names(session, row, roles, f"connection.group_roles.{group}")
            for group, roles in data.group_roles.items()
        }
    row.updated_at = now


def create(ctx: Context, organization_id: str, data: ConnectionInput) -> Connection:
    """Raises NotFound (organization), InvalidArgument (fields, discovery or metadata that
    cannot be fetched or read), FailedPrecondition (too many connections)."""
    if data.type is None:
        raise InvalidArgument.field("connection.type", "required", "OIDC or SAML")
    with ctx.uow(readonly=True) as uow:
        repo.organization(uow.session, organization_id)
    connection_id = new_id("conn")
    prepared = _prepare(ctx, connection_id, data.type, data, {})
    with ctx.uow() as uow:
        session = uow.session
        repo.organization(session, organization_id)
        count = len(
            list(session.scalars(select(SsoConnection.id).where(SsoConnection.organization_id == organization_id)))
        )
        if count >= MAX_CONNECTIONS_PER_ORGANIZATION:
            raise FailedPrecondition(f"An organization has at most {MAX_CONNECTIONS_PER_ORGANIZATION} connections.")
        now = ctx.clock.now()
        row = SsoConnection(
            id=connection_id,
            organization_id=organization_id,
            type=data.type,
            provider="CUSTOM",
            enabled=False,
            config={},
            attribute_mapping={},
            default_roles=[MEMBER],
            group_roles={},
            idp_initiated_enabled=False,
            created_at=now,
            updated_at=now,
        )
        _apply(session, row, data, prepared, now)
        session.add(row)
        _event(ctx, session, "organization.connection_created", row, now)
        view = _view(ctx, row)
        uow.commit()
        return view


def update(ctx: Context, organization_id: str, connection_id: str, data: ConnectionInput) -> Connection:
    with ctx.uow(readonly=True) as uow:
        row = row_of(uow.session, organization_id, connection_id)
        kind, current, version = row.type, dict(row.config), row.updated_at
    if data.type is not None and data.type != kind:
        raise InvalidArgument.field("connection.type", "immutable", "a connection's type cannot change")
    prepared = _prepare(ctx, connection_id, kind, data, current)
    with ctx.uow() as uow:
        row = row_of(uow.session, organization_id, connection_id, lock=True)
        if row.updated_at != version:
            raise TransientConflict("the connection changed while its settings were fetched")
        now = ctx.clock.now()
        _apply(uow.session, row, data, prepared, now)
        refuse_incomplete(row.enabled, complete=is_complete(row))
        _event(ctx, uow.session, "organization.connection_updated", row, now)
        view = _view(ctx, row)
        uow.commit()
        return view


def set_enabled(ctx: Context, organization_id: str, connection_id: str, enabled: bool) -> Connection:
    """Raises FailedPrecondition when enabling a connection whose settings are incomplete."""
    with ctx.uow() as uow:
        row = row_of(uow.session, organization_id, connection_id, lock=True)
        now = ctx.clock.now()
        if switch(row, enabled, complete=is_complete(row), now=now):
            _event(ctx, uow.session, f"organization.connection_{'enabled' if enabled else 'disabled'}", row, now)
        view = _view(ctx, row)
        uow.commit()
        return view


def refuse_incomplete(enabled: bool, *, complete: bool) -> None:
    """An SSO or social connection that is on has complete settings: turning on an incomplete
    one, or an update that leaves an enabled one incomplete, raises FailedPrecondition."""
    if enabled and not complete:
        raise FailedPrecondition(
            "The connection's settings are incomplete (status DRAFT).",
            [FieldError("connection", "incomplete", "configure the provider's client and endpoints first")],
        )


def switch(row: SsoConnection | SocialConnection, enabled: bool, *, complete: bool, now: datetime) -> bool:
    """Turn an SSO or social connection on or off; True when it changed. Raises
    FailedPrecondition when turning on a connection whose settings are incomplete."""
    refuse_incomplete(enabled, complete=complete)
    if row.enabled == enabled:
        return False
    row.enabled = enabled
    row.updated_at = now
    return True


def get(ctx: Context, organization_id: str, connection_id: str) -> Connection:
    with ctx.uow(readonly=True) as uow:
        return _view(ctx, row_of(uow.session, organization_id, connection_id))


def list_(ctx: Context, organization_id: str) -> list[Connection]:
    with ctx.uow(readonly=True) as uow:
        repo.organization(uow.session, organization_id)
        return _of(ctx, uow.session, organization_id)


def list_for_domain(ctx: Context, domain: str) -> list[Connection]:
    """The connections of the organization that verified ``domain`` (none when no
    organization did)."""
    with ctx.uow(readonly=True) as uow:
        org = domains.owner_of(uow.session, domain.strip().lower())
        return _of(ctx, uow.session, org.id) if org is not None else []


def _of(ctx: Context, session: Session, organization_id: str) -> list[Connection]:
    rows = session.scalars(
        select(SsoConnection).where(SsoConnection.organization_id == organization_id).order_by(SsoConnection.id)
    )
    return [_view(ctx, row) for row in rows]


def delete(ctx: Context, organization_id: str, connection_id: str) -> None:
    with ctx.uow() as uow:
        row = row_of(uow.session, organization_id, connection_id, lock=True)
        _event(ctx, uow.session, "organization.connection_deleted", row, ctx.clock.now())
        uow.session.delete(row)
        uow.commit()


def client_secret(ctx: Context, row: SsoConnection | SocialConnection) -> str | None:
    """The client secret of an SSO or a social connection, unsealed."""
    if row.client_secret_encrypted is None:
        return None
    return webhook_secrets.decrypt(ctx, row.id, row.client_secret_encrypted)


def sp_metadata(ctx: Context, connection_id: str) -> str:
    """A SAML connection's SP metadata XML. Raises NotFound."""
    with ctx.uow(readonly=True) as uow:
        row = row_of(uow.session, None, connection_id)
        if row.type != "SAML":
            raise NotFound("Not a SAML connection.")
        return saml_sp.sp_metadata(ctx, row)
