"""Route matching by the first path segments before the linear scan (issue 18).

The application has ~370 routes, matched in order, each by a regular expression and FastAPI's
per-route checks (~2 µs a route): an API read found around the 10th to 25th route spent 30 to 85 µs
matching, a path no route serves ~1.2 ms. Most routes start with literal segments
(``/api/v1/organizations/{organization_id}``): a request can only match a route whose leading
literal segments equal its own. And a route whose parameters cannot hold a ``/`` (Starlette's
``str``, ``int``, ``float`` and ``uuid`` converters) matches only paths with as many segments as
its own. So a request is matched only against the routes whose literal first segments (up to
``DEPTH``, up to the first parameter) begin its path and whose segment count is its own or not
fixed (a ``path`` converter); mounts and anything that is not a plain ``Route`` are tried for
every path. They are tried in the application's order; a route left out could only have
answered "no match", so the first full match is the one the linear scan would find.

Anything else goes to the router itself, unchanged: a request with no full match among its
candidates (404, 405, the trailing-slash redirect, FastAPI's low-priority routes), non-HTTP
scopes, requests FastAPI's own telemetry follows, and routers with form limits. The index is
rebuilt when the route list changes.
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.convertors import FloatConvertor, IntegerConvertor, StringConvertor, UUIDConvertor
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

DEPTH = 3
_Key = tuple[str, ...]
_ANY_COUNT = -1  # a segment count no fixed-count route has
# Starlette's matching, and FastAPI's (Starlette's unless the scope carries an inclusion's
# context for the route: never for the flat routes, http/flat_routes.py)
_PLAIN_MATCHES = (Route.matches, APIRoute.matches)
_ONE_SEGMENT = (StringConvertor, IntegerConvertor, FloatConvertor, UUIDConvertor)  # no "/" in their regex

_update_scope: Any
try:  # FastAPI's own scope update (0.16x); without it the router matches everything itself
    from fastapi.routing import _update_scope
except ImportError:  # pragma: no cover - another FastAPI
    _update_scope = None


class RouteIndex:
    """An ASGI app in place of ``router``'s own: see the module's docstring."""

    def __init__(self, router: Router, fallback: ASGIApp) -> None:
        self.router = router
        self.fallback = fallback
        self._version: tuple[int, int, int] | None = None
        self._routes: list[tuple[_Key, int | None, BaseRoute]] = []
        self._prefixes: set[_Key] = set()
        self._counts: set[int] = set()
        self._candidates: dict[tuple[_Key, int], list[BaseRoute]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "fastapi.telemetry" in scope or _update_scope is None:
            await self.fallback(scope, receive, send)
            return
        router = self.router
        if self._version != _version(router):
            self._build()
        for route in self.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                if "router" not in scope:
                    scope["router"] = router
                _update_scope(scope, child_scope)
                await route.handle(scope, receive, send)
                return
        await self.fallback(scope, receive, send)  # the linear scan decides: 404, 405, redirect

    def candidates(self, path: str) -> list[BaseRoute]:
        """The routes that may match ``path``, in the router's order."""
        segments = path.split("/", DEPTH + 1)[1 : DEPTH + 1]
        key: _Key = ()
        for n in range(1, len(segments) + 1):  # the longest of its first segments beginning a route
            if tuple(segments[:n]) not in self._prefixes:
                break
            key = tuple(segments[:n])
        count = path.count("/")
        if count not in self._counts:
            count = _ANY_COUNT
        found = self._candidates.get((key, count))
        if found is None:  # bounded: known prefixes x known counts
            found = self._candidates[key, count] = [
                route
                for prefix, fixed, route in self._routes
                if key[: len(prefix)] == prefix and fixed in (None, count)
            ]
        return found

    def _build(self) -> None:
        router = self.router
        self._routes = [] if getattr(router, "form_limits", None) else [_shape(route) for route in router.routes]
        self._prefixes = {prefix[:n] for prefix, _, _ in self._routes for n in range(len(prefix) + 1)}
        self._counts = {count for _, count, _ in self._routes if count is not None}
        self._candidates = {}
        self._version = _version(router)


def _version(router: Router) -> tuple[int, int, int]:
    return id(router.routes), len(router.routes), getattr(router, "_routes_version", 0)


def _shape(route: BaseRoute) -> tuple[_Key, int | None, BaseRoute]:
    """The literal first segments (at most ``DEPTH``) of every path this route matches and
    their segment count (None when not fixed); no segments when the route alone does not tell."""
    if not isinstance(route, Route) or type(route).matches not in _PLAIN_MATCHES or not route.path.startswith("/"):
        return (), None, route
    prefix: list[str] = []
    for segment in route.path_format.split("/")[1 : DEPTH + 1]:
        if "{" in segment or "}" in segment:
            break
        prefix.append(segment)
    fixed = all(type(convertor) in _ONE_SEGMENT for convertor in route.param_convertors.values())
    return tuple(prefix), route.path_format.count("/") if fixed else None, route


def install(router: Router) -> None:
    """Match ``router``'s HTTP requests through the index (a router with middleware of its
    own keeps its stack as it is)."""
    if router.middleware_stack == router.app:
        router.middleware_stack = RouteIndex(router, router.app)
