"""Webhook signing secrets at rest: sealed (``server/sealing.py``), bound to their endpoint.

A signing secret must be readable to sign (HMAC needs the key itself), so unlike API
secrets it cannot be kept only as a digest. It is encrypted with
``TENANTRY_WEBHOOK_ENCRYPTION_KEY`` when set (then a copy of the database alone does not
reveal it), otherwise with a key generated once and kept in the database's server secrets
(which protects against a leak of the table alone, not of the whole database). The stored
form says which key was used, so setting the variable later does not break older secrets.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from tenantry.server.context import Context
from tenantry.server.sealing import Legacy, Sealer, Unreadable
from tenantry.server.services.integration import server_secrets

_DB_KEY_NAME = "webhook-secret-encryption"


class SecretUnreadable(Exception):
    """The key that encrypted a stored secret is not available (or the value was altered)."""


def _root(ctx: Context, source: str) -> bytes:
    if source == "env":
        configured = ctx.settings.webhook_encryption_key
        if not configured:
            raise SecretUnreadable("encrypted with TENANTRY_WEBHOOK_ENCRYPTION_KEY, which is not set")
        try:
            key = base64.b64decode(configured, validate=True)
        except binascii.Error as exc:
            raise SecretUnreadable("TENANTRY_WEBHOOK_ENCRYPTION_KEY is not base64") from exc
        if len(key) != 32:
            raise SecretUnreadable("TENANTRY_WEBHOOK_ENCRYPTION_KEY must be 32 bytes, base64")
        return key
    return server_secrets.get(ctx, _DB_KEY_NAME).encode()


def _sealer(ctx: Context, source: str) -> Sealer:
    root = _root(ctx, source)
    # secrets stored before the sealing module: the key itself, or the digest of the database's
    legacy = root if source == "env" else hashlib.sha256(root).digest()
    return Sealer(root, "secret-at-rest", Legacy(legacy))


def _source(ctx: Context) -> str:
    return "env" if ctx.settings.webhook_encryption_key else "db"


def ready(ctx: Context) -> None:
    """Load the key now, outside any transaction (``decrypt`` inside one then reads no row)."""
    _root(ctx, _source(ctx))


def encrypt(ctx: Context, endpoint_id: str, secret: str) -> str:
    source = _source(ctx)
    return f"{source}:{_sealer(ctx, source).seal(secret.encode(), endpoint_id)}"


def decrypt(ctx: Context, endpoint_id: str, stored: str) -> str:
    """Raises SecretUnreadable."""
    source, _, payload = stored.partition(":")
    try:
        return _sealer(ctx, source).open(payload, endpoint_id).decode()
    except Unreadable as exc:  # wrong key or tampered row
        raise SecretUnreadable("the stored webhook secret cannot be decrypted with the configured key") from exc
