"""Standard Webhooks signatures (https://www.standardwebhooks.com): the one signer.

``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` keyed with the
base64-decoded part of the ``whsec_…`` secret. The ``standardwebhooks`` package computes it;
the SDK's verifier (``tenantry.sdk.webhooks``) checks it with the same package.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_signing_secret() -> str:
    """A fresh ``whsec_`` secret: 32 random bytes, base64 (what Standard Webhooks libraries expect)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signed_headers(secret: str, message_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The three headers of one delivery attempt of ``body``."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, timestamp, body),
    }
