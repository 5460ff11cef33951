"""Webhook signing secrets at rest: AES-256-GCM, bound to their endpoint.

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
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tenantry.server.context import Context
from tenantry.server.services.integration import server_secrets

_DB_KEY_NAME = "webhook-secret-encryption"


class SecretUnreadable(Exception):
    """The key that encrypted a stored secret is not available (or the value was altered)."""


def _key(ctx: Context, source: str) -> bytes:
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
    return hashlib.sha256(server_secrets.get(ctx, _DB_KEY_NAME).encode()).digest()


def ready(ctx: Context) -> None:
    """Load the key now, outside any transaction (``decrypt`` inside one then reads no row)."""
    _key(ctx, "env" if ctx.settings.webhook_encryption_key else "db")


def encrypt(ctx: Context, endpoint_id: str, secret: str) -> str:
    source = "env" if ctx.settings.webhook_encryption_key else "db"
    nonce = os.urandom(12)
    sealed = AESGCM(_key(ctx, source)).encrypt(nonce, secret.encode(), endpoint_id.encode())
    return f"{source}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(ctx: Context, endpoint_id: str, stored: str) -> str:
    """Raises SecretUnreadable."""
    source, _, payload = stored.partition(":")
    raw = base64.b64decode(payload)
    try:
        return AESGCM(_key(ctx, source)).decrypt(raw[:12], raw[12:], endpoint_id.encode()).decode()
    except Exception as exc:  # InvalidTag: wrong key or tampered row
        raise SecretUnreadable("the stored webhook secret cannot be decrypted with the configured key") from exc
