"""HTTP calls to identity providers, through the SSRF guard (``integration/egress.py``)."""

from __future__ import annotations

from typing import Any

import httpx

from tenantry.server.context import Context
from tenantry.server.services.integration import egress

MAX_DOCUMENT_BYTES = 1024 * 1024
USER_AGENT = "Tenantry-SSO/1"


class FetchFailed(Exception):
    """The URL could not be fetched or did not answer what was asked."""


def client(ctx: Context) -> httpx.Client:
    """An httpx client whose every request goes through ``egress.PinnedTransport``
    (``TENANTRY_SSO_ALLOWED_TARGETS`` lists intranet IdPs), without redirects."""
    return httpx.Client(
        transport=egress.PinnedTransport(
            ctx.settings.sso_allow_list, ctx.cache.get("sso.resolver", egress.system_resolver)
        ),
        timeout=ctx.settings.sso_timeout_seconds,
        follow_redirects=False,
        headers={"user-agent": USER_AGENT},
    )


def get_text(ctx: Context, url: str, headers: dict[str, str] | None = None) -> str:
    """The body of a GET (at most 1 MiB). Raises FetchFailed."""
    try:
        with client(ctx) as http, http.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                raise FetchFailed(f"{url} answered {response.status_code}")
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise FetchFailed(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{url}: {exc}") from None
    return body.decode("utf-8", errors="replace")


def _json(ctx: Context, url: str, headers: dict[str, str] | None) -> Any:
    import json

    try:
        return json.loads(get_text(ctx, url, headers))
    except ValueError:
        raise FetchFailed(f"{url} did not answer JSON") from None


def get_json(ctx: Context, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON object at ``url``. Raises FetchFailed."""
    found = _json(ctx, url, headers)
    if not isinstance(found, dict):
        raise FetchFailed(f"{url} did not answer a JSON object")
    return found


def get_json_list(ctx: Context, url: str, headers: dict[str, str] | None = None) -> list[Any]:
    """The JSON array at ``url``. Raises FetchFailed."""
    found = _json(ctx, url, headers)
    if not isinstance(found, list):
        raise FetchFailed(f"{url} did not answer a JSON array")
    return found
