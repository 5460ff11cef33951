"""The identity providers' signing keys (JWKS), remembered per process.

Why: an OpenID Connect callback fetched the provider's JWKS on every sign-in, a second
outbound round trip after the code exchange (bench/RESULTS.md, "SSO sign-in latency").
Providers publish keys well before signing with them and keep old ones a while, so keys
are remembered for ``TTL`` per JWKS URL (a connection's, or a social provider's).

Rotation: an ID token naming a key id the remembered set lacks (or, without a key id,
whose signature the remembered keys do not verify) makes one fresh fetch, and the token is
checked against that. Each such fetch follows a code exchange the provider itself answered,
so it costs the provider at most one request per sign-in, as before the cache.

Bounds: at most ``MAX_ENTRIES`` URLs (least recently used go first); failed fetches are not
remembered; every fetch goes through the SSRF-safe client (``outbound``). Time is the
context's clock, so tests move past the TTL without sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from cachetools import TTLCache
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from tenantry.server.context import Context
from tenantry.server.services.federation import outbound

TTL = timedelta(minutes=10)
MAX_ENTRIES = 1024
T = TypeVar("T")


class KeysUnavailable(Exception):
    """The JWKS could not be fetched or read."""


class JwksCache:
    """Key sets by JWKS URL, each for ``TTL``; thread-safe (callbacks run in worker threads)."""

    def __init__(self, timer: Callable[[], float]) -> None:
        self._entries: TTLCache[str, KeySet] = TTLCache(MAX_ENTRIES, TTL.total_seconds(), timer=timer)
        self._lock = threading.Lock()

    def get(self, url: str) -> KeySet | None:
        with self._lock:
            return self._entries.get(url)

    def put(self, url: str, keys: KeySet) -> None:
        with self._lock:
            self._entries[url] = keys


def _cache(ctx: Context) -> JwksCache:
    """The process's memory of keys (one per context; ``setdefault``: two threads agree)."""
    cache: JwksCache | None = ctx.cache.get(JwksCache)
    if cache is None:
        cache = ctx.cache.setdefault(JwksCache, JwksCache(lambda: ctx.clock.now().timestamp()))
    return cache


def fetch(ctx: Context, url: str) -> KeySet:
    """The key set at ``url``, fetched now and remembered. Raises KeysUnavailable."""
    try:
        keys = KeySet.import_key_set(outbound.get_json(ctx, url))  # type: ignore[arg-type]
    except (outbound.FetchFailed, JoseError, ValueError, TypeError, KeyError) as exc:
        raise KeysUnavailable(str(exc)) from None
    _cache(ctx).put(url, keys)
    return keys


def verified(ctx: Context, url: str, check: Callable[[KeySet], T], has_key_id: bool) -> T:
    """``check`` run with the provider's keys: the remembered ones, then — when they lack the
    token's key id (or, for a token without one, do not verify its signature) — the keys
    fetched again, once. Raises KeysUnavailable, and whatever ``check`` raises."""
    remembered = _cache(ctx).get(url)
    if remembered is None:
        return check(fetch(ctx, url))
    try:
        return check(remembered)
    except InvalidKeyIdError:
        pass
    except BadSignatureError:
        if has_key_id:  # the key it names is the one that failed: new keys would not help
            raise
    return check(fetch(ctx, url))
