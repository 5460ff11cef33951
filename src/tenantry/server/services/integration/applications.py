"""Applications that sign users in through Tenantry's OpenID Connect provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import Application, AuthorizationCode, RefreshToken
from tenantry.server.domain.errors import FailedPrecondition, NotFound
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.redirects import RedirectUri
from tenantry.server.domain.secrets import digest, new_secret
from tenantry.server.domain.types import DisplayName

ApplicationKind = Literal["confidential", "public"]


class CreateApplication(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: DisplayName
    type: ApplicationKind = "confidential"
    redirect_uris: list[RedirectUri] = Field(min_length=1, max_length=20)
    post_logout_redirect_uris: list[RedirectUri] = Field(default_factory=list, max_length=20)


class UpdateApplication(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: DisplayName | None = None
    redirect_uris: list[RedirectUri] | None = Field(default=None, min_length=1, max_length=20)
    post_logout_redirect_uris: list[RedirectUri] | None = Field(default=None, max_length=20)


@dataclass(frozen=True)
class ApplicationView:
    id: str
    name: str
    type: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True)
class WithSecret:
    application: ApplicationView
    client_secret: str | None  # shown once; only a digest is kept


def _view(row: Application) -> ApplicationView:
    return ApplicationView(
        row.id,
        row.name,
        row.kind,
        list(row.redirect_uris),
        list(row.post_logout_redirect_uris),
        row.created_at,
        row.updated_at,
    )


def _row(session: Session, application_id: str) -> Application:
    row = session.get(Application, application_id)
    if row is None:
        raise NotFound(f"No application {application_id!r}.")
    return row


def create(ctx: Context, command: CreateApplication) -> WithSecret:
    now = ctx.clock.now()
    secret = new_secret("tas_") if command.type == "confidential" else None
    with ctx.uow() as uow:
        row = Application(
            id=new_id("app"),
            name=command.name,
            kind=command.type,
            secret_hash=digest(secret) if secret else None,
            redirect_uris=list(dict.fromkeys(command.redirect_uris)),
            post_logout_redirect_uris=list(dict.fromkeys(command.post_logout_redirect_uris)),
            created_at=now,
            updated_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        result = WithSecret(_view(row), secret)
        uow.commit()
        return result


def list_all(ctx: Context) -> list[ApplicationView]:
    with ctx.uow(readonly=True) as uow:
        return [_view(row) for row in uow.session.scalars(select(Application).order_by(Application.id))]


def get(ctx: Context, application_id: str) -> ApplicationView:
    with ctx.uow(readonly=True) as uow:
        return _view(_row(uow.session, application_id))


def update(ctx: Context, application_id: str, command: UpdateApplication) -> ApplicationView:
    with ctx.uow() as uow:
        row = _row(uow.session, application_id)
        if command.name is not None:
            row.name = command.name
        if command.redirect_uris is not None:
            row.redirect_uris = list(dict.fromkeys(command.redirect_uris))
        if command.post_logout_redirect_uris is not None:
            row.post_logout_redirect_uris = list(dict.fromkeys(command.post_logout_redirect_uris))
        row.updated_at = ctx.clock.now()
        uow.session.flush()
        view = _view(row)
        uow.commit()
        return view


def rotate_secret(ctx: Context, application_id: str) -> WithSecret:
    """A new secret for a confidential application; the old one stops working at once."""
    secret = new_secret("tas_")
    with ctx.uow() as uow:
        row = _row(uow.session, application_id)
        if row.kind != "confidential":
            raise FailedPrecondition("Public applications have no secret; they use PKCE.")
        row.secret_hash = digest(secret)
        row.updated_at = ctx.clock.now()
        uow.session.flush()
        result = WithSecret(_view(row), secret)
        uow.commit()
        return result


def delete_(ctx: Context, application_id: str) -> None:
    """Delete the application with its codes and refresh tokens (its users sign in again)."""
    with ctx.uow() as uow:
        row = _row(uow.session, application_id)
        uow.session.execute(delete(AuthorizationCode).where(AuthorizationCode.client_id == row.id))
        uow.session.execute(delete(RefreshToken).where(RefreshToken.client_id == row.id))
        uow.session.delete(row)
        uow.commit()


def allows_post_logout_redirect(ctx: Context, application_id: str, uri: str) -> bool:
    """Whether ``uri`` is one of the application's registered post-logout redirect URIs
    (exact match); False for an unknown application."""
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(Application, application_id)
        return row is not None and uri in row.post_logout_redirect_uris
