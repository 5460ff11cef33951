"""Management API clients and their bearer tokens (OAuth2 client credentials).

Secrets and tokens are stored as SHA-256 digests only. Tokens are opaque and checked
against the database, so deleting a client cuts off its tokens: at once here, and within
TENANTRY_API_TOKEN_CACHE_SECONDS in server processes that checked them (http/token_cache.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from tenantry.server.context import Context
from tenantry.server.db.models import AccessToken, ApiClient
from tenantry.server.domain.errors import NotFound, Unauthenticated
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.secrets import digest, matches, new_secret
from tenantry.server.services.integration import token_cache

_DUMMY_DIGEST = digest("no such client")


@dataclass(frozen=True)
class ClientView:
    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class NewClient:
    id: str
    name: str
    secret: str  # shown once, never stored
    created_at: datetime


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


def create_client(ctx: Context, name: str = "API client") -> NewClient:
    client = NewClient(id=new_id("cli"), name=name, secret=new_secret("tsk_"), created_at=ctx.clock.now())
    with ctx.uow() as uow:
        uow.session.add(
            ApiClient(id=client.id, name=name, secret_hash=digest(client.secret), created_at=client.created_at)
        )
        uow.commit()
    return client


def ensure_bootstrap_client(ctx: Context) -> bool:
    """Make the client named by TENANTRY_BOOTSTRAP_CLIENT_ID/SECRET exist with that secret.
    Returns whether it was created. The environment variables win over a stored secret."""
    client_id, secret = ctx.settings.bootstrap_client_id, ctx.settings.bootstrap_client_secret
    if not client_id or not secret:
        return False
    with ctx.uow() as uow:
        client = uow.session.get(ApiClient, client_id)
        created = client is None
        if client is None:
            uow.session.add(
                ApiClient(id=client_id, name="bootstrap", secret_hash=digest(secret), created_at=ctx.clock.now())
            )
        elif not matches(secret, client.secret_hash):
            client.secret_hash = digest(secret)
            uow.session.execute(delete(AccessToken).where(AccessToken.client_id == client_id))
        uow.commit()
    return created


def list_clients(ctx: Context) -> list[ClientView]:
    with ctx.uow(readonly=True) as uow:
        rows = uow.session.scalars(select(ApiClient).order_by(ApiClient.created_at))
        return [ClientView(row.id, row.name, row.created_at) for row in rows]


def get_client(ctx: Context, client_id: str) -> ClientView:
    """Raises NotFound."""
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(ApiClient, client_id)
        if row is None:
            raise NotFound(f"No API client {client_id!r}.")
        return ClientView(row.id, row.name, row.created_at)


def delete_client(ctx: Context, client_id: str) -> None:
    with ctx.uow() as uow:
        client = uow.session.get(ApiClient, client_id)
        if client is None:
            raise NotFound(f"No API client {client_id!r}.")
        uow.session.execute(delete(AccessToken).where(AccessToken.client_id == client_id))
        uow.session.delete(client)
        uow.commit()
    token_cache.for_context(ctx).forget_client(client_id)


def rotate_client_secret(ctx: Context, client_id: str) -> NewClient:
    """A new secret for the client (shown once); the old secret and every token issued with it stop working."""
    secret = new_secret("tsk_")
    with ctx.uow() as uow:
        client = uow.session.get(ApiClient, client_id)
        if client is None:
            raise NotFound(f"No API client {client_id!r}.")
        client.secret_hash = digest(secret)
        uow.session.execute(delete(AccessToken).where(AccessToken.client_id == client_id))
        uow.commit()
        rotated = NewClient(id=client.id, name=client.name, secret=secret, created_at=client.created_at)
    token_cache.for_context(ctx).forget_client(client_id)
    return rotated


def issue_token(ctx: Context, client_id: str, client_secret: str) -> IssuedToken:
    """A new bearer token for valid client credentials; raises Unauthenticated otherwise.

    The secret is compared in constant time, and an unknown client costs the same digest
    comparison as a known one.
    """
    now = ctx.clock.now()
    token = new_secret("tat_")
    ttl = ctx.settings.api_token_ttl_seconds
    with ctx.uow() as uow:
        client = uow.session.get(ApiClient, client_id)
        if not matches(client_secret, client.secret_hash if client else _DUMMY_DIGEST) or client is None:
            raise Unauthenticated("Invalid client credentials.")
        uow.session.execute(
            delete(AccessToken).where(AccessToken.client_id == client_id, AccessToken.expires_at <= now)
        )
        uow.session.add(
            AccessToken(
                token_hash=digest(token), client_id=client_id, created_at=now, expires_at=now + timedelta(seconds=ttl)
            )
        )
        uow.commit()
    return IssuedToken(token, ttl)


@dataclass(frozen=True)
class TokenOwner:
    client_id: str
    expires_at: datetime


def token_owner(ctx: Context, token: str) -> TokenOwner:
    """The client a bearer token belongs to and when the token expires; raises
    Unauthenticated when it is unknown or expired."""
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(AccessToken, digest(token))
        if row is None or row.expires_at <= ctx.clock.now():
            raise Unauthenticated("Missing, invalid or expired access token.")
        return TokenOwner(row.client_id, row.expires_at)


def authenticate(ctx: Context, token: str) -> str:
    """The client id a bearer token belongs to; raises Unauthenticated when it is unknown or expired."""
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(AccessToken, digest(token))
        if row is None or row.expires_at <= ctx.clock.now():
            raise Unauthenticated("Missing, invalid or expired access token.")
        return row.client_id
