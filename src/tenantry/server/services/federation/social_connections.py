"""The environment's social connections (SPEC §13): Google, Microsoft and GitHub presets and
any OpenID Connect or OAuth 2 provider. Create (preset endpoints, or OIDC discovery of an
issuer), update, enable/disable, delete; every change is an event. Client secrets are sealed
at rest (AES-GCM, bound to the connection id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import SocialConnection as Row
from tenantry.server.domain import social as rules
from tenantry.server.domain.errors import FailedPrecondition, FieldError, InvalidArgument, NotFound, TransientConflict
from tenantry.server.domain.ids import new_id
from tenantry.server.services.federation import connections, oidc_rp
from tenantry.server.services.federation.commands import SocialConnectionInput
from tenantry.server.services.integration import events, webhook_secrets
from tenantry.server.services.read_models.social_connections import SocialConnection, is_complete, social_connection


def _view(ctx: Context, row: Row) -> SocialConnection:
    return social_connection(row, ctx.settings.public_url)


def _event(ctx: Context, session: Session, event_type: str, row: Row, now: datetime) -> None:
    session.flush()
    events.record(
        session,
        event_type,
        {"connection": _view(ctx, row).model_dump(mode="json")},
        ordering_key="environment:connections",
        now=now,
    )


def row_of(session: Session, connection_id: str, *, lock: bool = False) -> Row:
    stmt = select(Row).where(Row.id == connection_id)
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound(f"No connection with id {connection_id!r}.")
    return found


def _config(ctx: Context, kind: str, data: SocialConnectionInput, current: dict[str, Any]) -> dict[str, Any]:
    """The stored settings after ``data``: an issuer (or discovery endpoint) of an OIDC
    provider is discovered here, through the SSRF guard, so a bad one fails the request."""
    config = dict(current)
    if data.oauth_config is None:
        return config
    config.update(data.oauth_config.model_dump(exclude_unset=True, exclude={"client_secret"}))
    if kind == rules.OIDC and (data.oauth_config.issuer or data.oauth_config.discovery_endpoint):
        found = oidc_rp.discover(ctx, config.get("issuer"), config.get("discovery_endpoint"))
        config.update({key: value for key, value in found.items() if value})
    if kind == rules.OIDC and "openid" not in (config.get("scopes") or []):
        raise InvalidArgument.field("connection.oauth_config.scopes", "invalid", "must include openid")
    return config


def create(ctx: Context, data: SocialConnectionInput) -> SocialConnection:
    """Created disabled. Raises InvalidArgument (fields, discovery), FailedPrecondition
    (a second connection of one preset, too many connections)."""
    if data.provider is None:
        raise InvalidArgument.field("connection.provider", "required", "GOOGLE, MICROSOFT, GITHUB or CUSTOM")
    preset = rules.PRESETS[data.provider]
    kind = data.type or preset.get("type")
    if kind is None:
        raise InvalidArgument.field("connection.type", "required", "OIDC or OAUTH for a CUSTOM provider")
    connection_id = new_id("conn")
    defaults = {key: value for key, value in preset.items() if key not in ("type", "title")}
    defaults.setdefault("scopes", rules.DEFAULT_SCOPES[kind])
    config = _config(ctx, kind, data, defaults)
    sealed = _sealed(ctx, connection_id, data)
    with ctx.uow() as uow:
        session = uow.session
        if (session.scalar(select(func.count()).select_from(Row)) or 0) >= rules.MAX_CONNECTIONS:
            raise FailedPrecondition(f"An environment has at most {rules.MAX_CONNECTIONS} social connections.")
        if data.provider in rules.SINGLE_PER_ENVIRONMENT and session.scalar(
            select(Row.id).where(Row.provider == data.provider).limit(1)
        ):
            raise FailedPrecondition(
                f"There is already a {data.provider} connection; change that one.",
                [FieldError("connection.provider", "already_exists", "one connection per preset")],
            )
        now = ctx.clock.now()
        row = Row(
            id=connection_id,
            provider=data.provider,
            type=kind,
            enabled=False,
            ui_button_title=data.ui_button_title,
            config=config,
            client_secret_encrypted=sealed,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        _event(ctx, session, "environment.connection_created", row, now)
        view = _view(ctx, row)
        uow.commit()
        return view


def _sealed(ctx: Context, connection_id: str, data: SocialConnectionInput) -> str | None:
    if data.oauth_config is None or data.oauth_config.client_secret is None:
        return None
    return webhook_secrets.encrypt(ctx, connection_id, data.oauth_config.client_secret)


def update(ctx: Context, connection_id: str, data: SocialConnectionInput) -> SocialConnection:
    """Partial: only the fields sent change. The provider and type cannot change."""
    with ctx.uow(readonly=True) as uow:
        row = row_of(uow.session, connection_id)
        provider, kind, current, version = row.provider, row.type, dict(row.config), row.updated_at
    for field, sent, stored in (("provider", data.provider, provider), ("type", data.type, kind)):
        if sent is not None and sent != stored:
            raise InvalidArgument.field(f"connection.{field}", "immutable", f"a connection's {field} cannot change")
    config = _config(ctx, kind, data, current)
    sealed = _sealed(ctx, connection_id, data)
    with ctx.uow() as uow:
        row = row_of(uow.session, connection_id, lock=True)
        if row.updated_at != version:
            raise TransientConflict("the connection changed while its settings were fetched")
        now = ctx.clock.now()
        row.config = config
        if sealed is not None:
            row.client_secret_encrypted = sealed
        if "ui_button_title" in data.model_fields_set:
            row.ui_button_title = data.ui_button_title
        connections.refuse_incomplete(row.enabled, complete=is_complete(row))
        row.updated_at = now
        _event(ctx, uow.session, "environment.connection_updated", row, now)
        view = _view(ctx, row)
        uow.commit()
        return view


def set_enabled(ctx: Context, connection_id: str, enabled: bool) -> SocialConnection:
    """Raises FailedPrecondition when enabling a connection whose settings are incomplete."""
    with ctx.uow() as uow:
        row = row_of(uow.session, connection_id, lock=True)
        now = ctx.clock.now()
        if connections.switch(row, enabled, complete=is_complete(row), now=now):
            _event(ctx, uow.session, f"environment.connection_{'enabled' if enabled else 'disabled'}", row, now)
        view = _view(ctx, row)
        uow.commit()
        return view


def get(ctx: Context, connection_id: str) -> SocialConnection:
    with ctx.uow(readonly=True) as uow:
        return _view(ctx, row_of(uow.session, connection_id))


def list_(ctx: Context, *, enabled_only: bool = False) -> list[SocialConnection]:
    with ctx.uow(readonly=True) as uow:
        stmt = select(Row).order_by(Row.created_at, Row.id)
        if enabled_only:
            stmt = stmt.where(Row.enabled.is_(True))
        return [_view(ctx, row) for row in uow.session.scalars(stmt)]


def delete(ctx: Context, connection_id: str) -> None:
    """Its identities go with it: their users sign in another way (or through a new connection)."""
    with ctx.uow() as uow:
        row = row_of(uow.session, connection_id, lock=True)
        _event(ctx, uow.session, "environment.connection_deleted", row, ctx.clock.now())
        uow.session.delete(row)
        uow.commit()
