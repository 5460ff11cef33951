"""Management API clients and their bearer tokens (OAuth2 client credentials).

Secrets are stored as SHA-256 digests only. Tokens are signed and stored nowhere
(domain/api_tokens.py): a token names its client's token generation, and is checked against
the client's row, so deleting a client or rotating its secret (a new generation) cuts off its
tokens: at once here, and within TENANTRY_API_TOKEN_CACHE_SECONDS in server processes that
checked them (token_cache.py). Tokens issued before were stored as digests in access_tokens;
they stay good until they expire (an hour at most), and are cut off the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import AccessToken, ApiClient
from tenantry.server.domain import api_tokens
from tenantry.server.domain.errors import NotFound, Unauthenticated
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.secrets import digest, matches, new_secret
from tenantry.server.services.integration import server_secrets, token_cache
from tenantry.server.services.integration.token_cache import ClientCredentials

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
            _revoke_tokens(uow.session, client)
        uow.commit()
    token_cache.for_context(ctx).forget_client(client_id)
    return created


def _revoke_tokens(session: Session, client: ApiClient) -> None:
    """Every token issued to the client so far stops working: signed ones name the old
    generation, stored ones (issued before tokens were signed) are deleted."""
    client.token_generation = api_tokens.new_generation()
    session.execute(delete(AccessToken).where(AccessToken.client_id == client.id))


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
        _revoke_tokens(uow.session, client)
        uow.commit()
        rotated = NewClient(id=client.id, name=client.name, secret=secret, created_at=client.created_at)
    token_cache.for_context(ctx).forget_client(client_id)
    return rotated


def _token_key(ctx: Context) -> bytes:
    key = ctx.cache.get(("secret", "api_token_key"))
    if key is None:
        key = ctx.cache["secret", "api_token_key"] = api_tokens.signing_key(server_secrets.code_key(ctx))
    return bytes(key)


def _load_credentials(ctx: Context, client_id: str) -> ClientCredentials | None:
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(ApiClient, client_id)
        if row is None:
            return None
        credentials = ClientCredentials(row.id, row.secret_hash, row.token_generation)
    token_cache.for_context(ctx).remember_credentials(credentials)
    return credentials


def _mint(ctx: Context, credentials: ClientCredentials) -> IssuedToken:
    ttl = ctx.settings.api_token_ttl_seconds
    expires_at = ctx.clock.now() + timedelta(seconds=ttl)
    token = api_tokens.mint(_token_key(ctx), credentials.client_id, credentials.token_generation, expires_at)
    return IssuedToken(token, ttl)


def issue_token_from_memory(ctx: Context, client_id: str, client_secret: str) -> IssuedToken | None:
    """A new bearer token when the client's credentials are remembered and the secret matches
    them; None otherwise (then ``issue_token``, which reads the database, decides). No I/O:
    fit for the event loop."""
    credentials = token_cache.for_context(ctx).credentials(client_id)
    if credentials is None or not matches(client_secret, credentials.secret_hash):
        return None
    return _mint(ctx, credentials)


def issue_token(ctx: Context, client_id: str, client_secret: str) -> IssuedToken:
    """A new bearer token for valid client credentials; raises Unauthenticated otherwise.

    The client is read from the database (and remembered, see token_cache.py); nothing is
    written. The secret is compared in constant time, and an unknown client costs the same
    digest comparison as a known one.
    """
    credentials = _load_credentials(ctx, client_id)
    if not matches(client_secret, credentials.secret_hash if credentials else _DUMMY_DIGEST) or credentials is None:
        raise Unauthenticated("Invalid client credentials.")
    return _mint(ctx, credentials)


@dataclass(frozen=True)
class TokenOwner:
    client_id: str
    expires_at: datetime


def token_owner(ctx: Context, token: str) -> TokenOwner:
    """The client a bearer token belongs to and when the token expires; raises
    Unauthenticated when it is unknown, expired or revoked. Reads the database."""
    invalid = Unauthenticated("Missing, invalid or expired access token.")
    now = ctx.clock.now()
    if api_tokens.is_signed(token):
        claims = api_tokens.read(_token_key(ctx), token)
        if claims is None or claims.expires_at <= now:
            raise invalid
        with ctx.uow(readonly=True) as uow:
            generation = uow.session.scalar(select(ApiClient.token_generation).where(ApiClient.id == claims.client_id))
        if generation is None or generation != claims.generation:
            raise invalid
        return TokenOwner(claims.client_id, claims.expires_at)
    with ctx.uow(readonly=True) as uow:  # a token stored before tokens were signed
        row = uow.session.get(AccessToken, digest(token))
        if row is None or row.expires_at <= now:
            raise invalid
        return TokenOwner(row.client_id, row.expires_at)
