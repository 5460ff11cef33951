"""Management API access tokens that carry their own truth: nothing is stored per token.

A token is ``tat_<payload>.<tag>``: the payload (base64url JSON) names the client, the
client's *token generation* when the token was issued, its expiry and a random nonce; the
tag is an HMAC-SHA256 of everything before it under a key kept outside the database (the
code key, see services/integration/server_secrets.py), so a copy of the database cannot
mint one. A token is good while its tag is right, it has not expired, and its client still
exists with the same generation: deleting a client or renewing its generation (secret
rotation) revokes every token issued to it, without a row per token (issue 18).

Tokens of the earlier kind (``tat_`` + 43 random characters, stored as a digest) have no
``.`` in them; ``is_signed`` tells them apart.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tenantry.server.domain import base64url

PREFIX = "tat_"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_KEY_PURPOSE = b"tenantry management API access tokens v1"


def signing_key(root_key: bytes) -> bytes:
    """The key of the tags, derived from ``root_key`` for this one use."""
    return hmac.new(root_key, _KEY_PURPOSE, hashlib.sha256).digest()


def new_generation() -> str:
    """A client's token generation: random, so a client deleted and created again under the
    same id never matches the tokens of the one before."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class TokenClaims:
    client_id: str
    generation: str
    expires_at: datetime


def _tag(key: bytes, signed_part: str) -> str:
    return base64url.encode(hmac.new(key, signed_part.encode("ascii"), hashlib.sha256).digest())


def mint(key: bytes, client_id: str, generation: str, expires_at: datetime) -> str:
    expiry = (expires_at - _EPOCH) // _MICROSECOND
    payload = json.dumps(
        {"c": client_id, "g": generation, "x": expiry, "n": secrets.token_urlsafe(12)}, separators=(",", ":")
    )
    signed_part = PREFIX + base64url.encode(payload.encode("utf-8"))
    return f"{signed_part}.{_tag(key, signed_part)}"


def is_signed(token: str) -> bool:
    return token.startswith(PREFIX) and "." in token


def read(key: bytes, token: str) -> TokenClaims | None:
    """The claims of a token whose tag is right (compared in constant time), else None.
    Expiry and generation are the caller's to check."""
    signed_part, dot, tag = token.rpartition(".")
    if not dot or not signed_part.startswith(PREFIX) or not signed_part.isascii() or not tag.isascii():
        return None
    if not hmac.compare_digest(_tag(key, signed_part), tag):
        return None
    try:
        claims = json.loads(base64url.decode(signed_part.removeprefix(PREFIX)))
        return TokenClaims(
            client_id=str(claims["c"]),
            generation=str(claims["g"]),
            expires_at=_EPOCH + int(claims["x"]) * _MICROSECOND,
        )
    except (binascii.Error, ValueError, KeyError, TypeError):  # only a key holder could make these
        return None
