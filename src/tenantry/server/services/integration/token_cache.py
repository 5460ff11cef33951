"""A short-lived, per-process memory of management API tokens already checked, and of API
clients' credentials for the client-credentials grant.

Why: every API request checked its bearer token in the database (a pool checkout, a
transaction and a primary-key read, on a worker thread) before doing its own work; a
client sends the same token for up to an hour. Remembering a good token for a few
seconds takes that off nearly every request (bench/RESULTS.md has the figures).

The bound: a token is remembered for at most ``TENANTRY_API_TOKEN_CACHE_SECONDS``
(default 2 s; 0 turns the cache off) and never past its own expiry. Deleting an API
client or rotating its secret forgets its tokens at once in the process that did it (the
API, the dashboard); other server processes, and a ``tenantry clients delete`` run in a
process of its own, cut them off within that many seconds. Only successful checks are remembered; keys are SHA-256
digests, so the memory holds no usable token.

Clients' credentials (secret digest, token generation) are remembered for as long, so a
grant needs no database read: a secret that does not match what is remembered is checked
against the database before it is refused (a secret rotated by another process works at
once), and a token issued on stale credentials names a stale generation, which the token
check (always against the database) refuses. So the memory never lets a rotated-away secret
reach the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tenantry.server.domain.clock import Clock
from tenantry.server.domain.secrets import digest

if TYPE_CHECKING:
    from tenantry.server.context import Context

MAX_ENTRIES = 10_000  # far more than the live tokens of any deployment; a bound on memory


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    secret_hash: str
    token_generation: str


class TokenCache:
    def __init__(self, clock: Clock, seconds: float) -> None:
        self._clock = clock
        self._ttl = timedelta(seconds=seconds)
        self._entries: dict[str, tuple[str, datetime]] = {}
        self._clients: dict[str, tuple[ClientCredentials, datetime]] = {}

    @property
    def enabled(self) -> bool:
        return self._ttl > timedelta(0)

    def get(self, token_digest: str) -> str | None:
        """The client id remembered for this token, if its entry is still fresh."""
        entry = self._entries.get(token_digest)
        if entry is None:
            return None
        client_id, until = entry
        if until <= self._clock.now():
            self._entries.pop(token_digest, None)
            return None
        return client_id

    def put(self, token_digest: str, client_id: str, token_expires_at: datetime) -> None:
        if not self.enabled:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()  # rare: dropping everything costs one database read per token
        self._entries[token_digest] = (client_id, min(self._clock.now() + self._ttl, token_expires_at))

    def credentials(self, client_id: str) -> ClientCredentials | None:
        """The credentials remembered for this client, if still fresh."""
        entry = self._clients.get(client_id)
        if entry is None:
            return None
        if entry[1] <= self._clock.now():
            self._clients.pop(client_id, None)
            return None
        return entry[0]

    def remember_credentials(self, credentials: ClientCredentials) -> None:
        if not self.enabled:
            return
        if len(self._clients) >= MAX_ENTRIES:
            self._clients.clear()
        self._clients[credentials.client_id] = (credentials, self._clock.now() + self._ttl)

    def forget_client(self, client_id: str) -> None:
        """Drop every remembered token of ``client_id``, and its credentials (deleted, or its secret rotated)."""
        self._clients.pop(client_id, None)
        for token_digest, (owner, _) in list(self._entries.items()):
            if owner == client_id:
                self._entries.pop(token_digest, None)


def for_context(ctx: Context) -> TokenCache:
    """The process's token memory (one per context)."""
    cache = ctx.cache.get(TokenCache)
    if cache is None:
        cache = ctx.cache[TokenCache] = TokenCache(ctx.clock, ctx.settings.api_token_cache_seconds)
    return cache


def client_for(ctx: Context, token: str) -> str:
    """The API client a bearer token belongs to, remembered like the HTTP API's check (for
    front ends that run in worker threads, such as gRPC). Raises Unauthenticated."""
    from tenantry.server.services.integration.clients import token_owner

    cache = for_context(ctx)
    key = digest(token)
    client_id = cache.get(key)
    if client_id is None:
        owner = token_owner(ctx, token)
        cache.put(key, owner.client_id, owner.expires_at)
        client_id = owner.client_id
    return client_id
