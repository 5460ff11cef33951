"""Verify Tenantry's webhook deliveries (Standard Webhooks signatures) in your receiver.

    from tenantry.sdk.webhooks import WebhookVerificationError, verify

    try:
        event = verify(request_body_bytes, request.headers, "whsec_…")
    except WebhookVerificationError:
        return 400
    if already_seen(event_id := request.headers["webhook-id"]):   # deliveries are at least once
        return 204
    handle(event["type"], event["data"])

Pass the body exactly as received (bytes or str): the signature covers it byte for byte.
Imports no server code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook
from standardwebhooks.webhooks import WebhookVerificationError as _LibraryError

__all__ = ["WebhookVerificationError", "verify"]


class WebhookVerificationError(Exception):
    """The delivery is not from Tenantry with this secret: missing or malformed headers, a
    signature that does not match, or a timestamp more than five minutes from now."""


def verify(body: bytes | str, headers: Mapping[str, str], secret: str) -> dict[str, Any]:
    """The event (``id``, ``type``, ``timestamp``, ``actor``, ``organization_id``,
    ``user_id``, ``data``) when ``headers`` carry a valid signature of ``body`` by
    ``secret``; raises WebhookVerificationError otherwise. Replays are refused by the
    timestamp check; duplicates within it share their ``webhook-id``."""
    try:
        webhook = Webhook(secret)
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        event = webhook.verify(text, dict(headers.items()), json_parse=True)
    # ValueError covers bad base64 (binascii.Error), bad UTF-8 and bad JSON; the library
    # raises its own errors for an empty secret and a malformed signature list.
    except (_LibraryError, EmptyWebhookSecretError, RuntimeError, ValueError) as exc:
        raise WebhookVerificationError(str(exc) or "invalid webhook") from exc
    if not isinstance(event, dict):
        raise WebhookVerificationError("the body is not a JSON object")
    return event
