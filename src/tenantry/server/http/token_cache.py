"""A short-lived, per-process memory of management API tokens already checked.

Why: every API request checked its bearer token in the database (a pool checkout, a
transaction and a primary-key read, on a worker thread) before doing its own work; a
client sends the same token for up to an hour. Remembering a good token for a few
seconds takes that off nearly every request (bench/RESULTS.md has the figures).

The bound: a token is remembered for at most ``TENANTRY_API_TOKEN_CACHE_SECONDS``
(default 2 s; 0 turns the cache off) and never past its own expiry. Deleting an API
client or rotating its secret (``tenantry clients delete`` runs in another process, so
it cannot reach this memory) therefore cuts off its tokens on every server process
within that many seconds. Only successful checks are remembered; keys are SHA-256
digests, so the memory holds no usable token.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tenantry.server.domain.clock import Clock

MAX_ENTRIES = 10_000  # far more than the live tokens of any deployment; a bound on memory


class TokenCache:
    def __init__(self, clock: Clock, seconds: float) -> None:
        self._clock = clock
        self._ttl = timedelta(seconds=seconds)
        self._entries: dict[str, tuple[str, datetime]] = {}

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
