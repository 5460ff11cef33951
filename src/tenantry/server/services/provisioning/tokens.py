"""Directory bearer tokens: shown once, kept as a keyed digest, compared in constant time.

A token is ``scim_`` + 256 random bits. Only HMAC-SHA256(server key, token) is stored, so a
copy of the database alone cannot be turned into a working token, and the comparison goes
through ``hmac.compare_digest``. The directory's id is in the SCIM base URL, so a request
names the one digest it can match: a token works for its own directory only.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import update

from tenantry.server.context import Context
from tenantry.server.db.models import Directory
from tenantry.server.domain.errors import DirectoryDisabled, Unauthenticated
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.secrets import new_secret
from tenantry.server.services.integration import server_secrets

PREFIX = "scim_"
# Recording "last used" costs a write; once a minute is precise enough for an administrator.
TOUCH_EVERY = timedelta(minutes=1)


def keyed_digest(ctx: Context, token: str) -> str:
    key = server_secrets.get(ctx, "directory_token_key").encode("utf-8")
    return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()


def new(ctx: Context) -> tuple[str, str]:
    """A new token and its keyed digest. Call it before opening the transaction that stores
    the digest (the server key may need a transaction of its own the first time)."""
    token = new_secret(PREFIX)
    return token, keyed_digest(ctx, token)


def store(directory: Directory, token: str, token_digest: str, now: datetime) -> None:
    """Make ``token`` the directory's one live token (the previous one stops working)."""
    directory.secret_id = new_id("dsec")
    directory.secret_hash = token_digest
    directory.secret_suffix = token[-4:]
    directory.secret_created_at = now
    directory.secret_last_used_at = None
    directory.updated_at = now


def authenticate(ctx: Context, directory_id: str, token: str | None) -> str:
    """The organization id of the directory ``token`` opens. Raises Unauthenticated (no
    such directory, no token, a wrong one: all alike) and DirectoryDisabled."""
    refusal = Unauthenticated("Send 'Authorization: Bearer <directory token>' (shown once when it was generated).")
    if not token:
        raise refusal
    presented = keyed_digest(ctx, token)
    with ctx.uow(readonly=True) as uow:
        directory = uow.session.get(Directory, directory_id)
        stored = directory.secret_hash if directory is not None else None
        if directory is None or stored is None or not hmac.compare_digest(presented, stored):
            raise refusal
        if not directory.enabled:
            raise DirectoryDisabled()
        organization_id = directory.organization_id
        last_used = directory.secret_last_used_at
    now = ctx.clock.now()
    if last_used is None or now - last_used > TOUCH_EVERY:
        with ctx.uow() as uow:  # its own short transaction: never held while provisioning
            uow.session.execute(
                update(Directory)
                .where(Directory.id == directory_id, Directory.secret_hash == stored)
                .values(secret_last_used_at=now, last_synced_at=now)
            )
            uow.commit()
    return organization_id
