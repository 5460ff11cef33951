"""Request bodies have a size cap, enforced while they are read and before anything parses them.

Without it a public route (``POST /api/v1/signup``) parses whatever arrives: eight 50 MB JSON
bodies at once took a server from 172 to 793 MB and made ``/healthz`` wait 11 s. The cap is
``TENANTRY_MAX_API_BODY_BYTES`` (1 MiB) for JSON and anything else the API takes, and
``TENANTRY_MAX_FORM_BODY_BYTES`` (64 KiB) for HTML forms (hosted pages, dashboard, the OAuth
token endpoint). A declared ``Content-Length`` over the cap is refused at the first read,
without reading the body; a body without one (``Transfer-Encoding: chunked``) is counted as it
arrives and refused as soon as it passes the cap. The refusal is ``PayloadTooLarge``, which
the application answers with ``413 payload_too_large`` (problem JSON, or a page for forms).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")


class PayloadTooLarge(HTTPException):
    """The body is over the cap. An HTTPException so that FastAPI's body reading lets it
    through as it is (other exceptions there become 400s)."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, f"The request body is larger than {_size(cap)}, the most this endpoint accepts.")
        self.cap = cap


def _size(cap: int) -> str:
    if cap % 1024 == 0 and cap >= 1024 * 1024:
        return f"{cap // (1024 * 1024)} MiB" if cap % (1024 * 1024) == 0 else f"{cap // 1024} KiB"
    return f"{cap // 1024} KiB" if cap % 1024 == 0 else f"{cap} bytes"


class BodyLimit:
    """ASGI middleware: wraps ``receive`` so that reading past the cap raises PayloadTooLarge
    inside the application, where its exception handlers turn it into the right answer."""

    def __init__(self, app: ASGIApp, *, api_bytes: int, form_bytes: int) -> None:
        self.app = app
        self.api_bytes = api_bytes
        self.form_bytes = form_bytes

    def cap_for(self, scope: Scope) -> int:
        content_type = dict(scope.get("headers") or ()).get(b"content-type", b"").lower()
        return self.form_bytes if content_type.startswith(_FORM_TYPES) else self.api_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.cap_for(scope)
        declared = _content_length(scope)
        received = 0

        async def limited() -> Message:
            nonlocal received
            if declared is not None and declared > cap:
                raise PayloadTooLarge(cap)  # refused before a byte of the body is read
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise PayloadTooLarge(cap)
            return message

        await self.app(scope, limited, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
