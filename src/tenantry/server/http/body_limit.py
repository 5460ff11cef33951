"""Request bodies have a size cap, enforced while they are read and before anything parses them.

Without it a public route (``POST /api/v1/signup``) parses whatever arrives: eight 50 MB JSON
bodies at once took a server from 172 to 793 MB and made ``/healthz`` wait 11 s. The cap is
``TENANTRY_MAX_API_BODY_BYTES`` (1 MiB) for JSON and anything else the API takes, and
``TENANTRY_MAX_FORM_BODY_BYTES`` (64 KiB) for HTML forms (hosted pages, dashboard, the OAuth
token endpoint). A declared ``Content-Length`` over the cap is refused at the first read,
without reading the body; a body without one (``Transfer-Encoding: chunked``) is counted as it
arrives and refused as soon as it passes the cap. The refusal is ``PayloadTooLarge``, which
the application answers with ``413 payload_too_large`` (problem JSON, or a page for forms).
The edge middleware (http/edge.py) applies it.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import Message, Receive

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


def cap_for(content_type: bytes | None, *, api_bytes: int, form_bytes: int) -> int:
    return form_bytes if content_type is not None and content_type.lower().startswith(_FORM_TYPES) else api_bytes


def limited(receive: Receive, cap: int, declared: int | None) -> Receive:
    """``receive``, raising PayloadTooLarge inside the application (where its exception
    handlers turn it into the right answer) once the body passes the cap."""
    received = 0

    async def limited_receive() -> Message:
        nonlocal received
        if declared is not None and declared > cap:
            raise PayloadTooLarge(cap)  # refused before a byte of the body is read
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > cap:
                raise PayloadTooLarge(cap)
        return message

    return limited_receive


def content_length(value: bytes | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
