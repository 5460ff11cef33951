"""The RSA keys that sign tokens, and their rotation.

The newest unretired key signs. Rotating retires it but keeps it in the JWKS for
RETIRED_KEY_PUBLISHED (longer than any token it signed lives), so relying parties that
cached it can still verify. Keys are cached per process for CACHE_SECONDS, so a rotation
reaches every server process within that time.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import or_, select, update

from tenantry.server.context import Context
from tenantry.server.db.models import SigningKey
from tenantry.server.domain.ids import new_id

ALGORITHM = "RS256"
RETIRED_KEY_PUBLISHED = timedelta(days=2)
CACHE_SECONDS = 60.0


def _generate(ctx: Context) -> SigningKey:
    kid = new_id("key")
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM}, private=True)
    return SigningKey(kid=kid, private_jwk=key.as_dict(private=True), created_at=ctx.clock.now(), retired_at=None)


def _load(ctx: Context) -> tuple[RSAKey, KeySet]:
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        rows = list(
            uow.session.scalars(
                select(SigningKey)
                .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > now - RETIRED_KEY_PUBLISHED))
                .order_by(SigningKey.created_at.desc())
            )
        )
    active = [row for row in rows if row.retired_at is None]
    if not active:
        with ctx.uow() as uow:
            row = _generate(ctx)
            uow.session.add(row)
            uow.commit()
        rows.insert(0, row)
        active = [row]
    signing = RSAKey.import_key(active[0].private_jwk)
    published = KeySet([RSAKey.import_key(row.private_jwk) for row in rows])
    return signing, published


def _cached(ctx: Context) -> tuple[RSAKey, KeySet]:
    entry = ctx.cache.get("signing_keys")
    if entry is None or time.monotonic() - entry[0] > CACHE_SECONDS:
        entry = (time.monotonic(), *_load(ctx))
        ctx.cache["signing_keys"] = entry
    return entry[1], entry[2]


def signing_key(ctx: Context) -> RSAKey:
    """The private key that signs new tokens (created on first use)."""
    return _cached(ctx)[0]


def verification_keys(ctx: Context) -> KeySet:
    """Every key whose tokens may still be in circulation (private parts included: for
    verifying here; ``jwks`` is what is published)."""
    return _cached(ctx)[1]


def jwks(ctx: Context) -> dict[str, Any]:
    return {"keys": [key.as_dict(private=False) for key in verification_keys(ctx).keys]}


def rotate(ctx: Context) -> str:
    """Start signing with a new key; returns its kid."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        uow.session.execute(update(SigningKey).where(SigningKey.retired_at.is_(None)).values(retired_at=now))
        row = _generate(ctx)
        uow.session.add(row)
        uow.commit()
    ctx.cache.pop("signing_keys", None)
    return row.kid
