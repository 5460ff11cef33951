"""Where the running request comes from: the client's address, carried in a ``contextvars``
scope like the actor (``actors.py``). The HTTP layer sets it once per request (behind a
proxy, run uvicorn with ``--proxy-headers`` so it is the client's, not the proxy's); a
session records it when it starts, for the profile page's list of sessions. Service
signatures stay as they are: every sign-in method reaches ``sessions.start`` without
carrying it along.
"""

from __future__ import annotations

from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("tenantry_client_address", default=None)


def current() -> str | None:
    """The client's address of the running request (None outside one: the CLI, the worker)."""
    return _current.get()


def set_for_request(address: str | None) -> None:
    _current.set(address)
