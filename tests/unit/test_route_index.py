"""The route index (http/route_index.py) picks, for every path, the route FastAPI's linear scan
picks: the first full match in the application's order, or none (then the scan answers)."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Match

from tenantry.server.http.route_index import RouteIndex

pytestmark = pytest.mark.once  # tests/conftest.py: the PostgreSQL pass leaves it to the SQLite one

_EXTRA = ["/", "/nope", "/api", "/api/v1", "/api/v1/nope", "//api/v1/organizations", "/static/app.css", "/a/b/c/d/e"]


def _first_full(routes, scope):  # type: ignore[no-untyped-def]
    for route in routes:
        if route.matches(scope)[0] is Match.FULL:
            return route
    return None


def test_the_index_finds_the_route_the_linear_scan_finds(tmp_path):
    from tenantry.server.app import create_app
    from tenantry.server.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 't.db'}"))
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    index._build()
    formats = {getattr(route, "path_format", "/") for route in app.router.routes}
    paths = [re.sub(r"\{[^}]+\}", "x1", path) for path in formats] + _EXTRA
    paths += [path + "/" for path in paths] + [path + "/deeper/still" for path in paths]
    checked = narrowed = 0
    for path in paths:
        for method in ("GET", "POST", "PATCH", "DELETE", "HEAD"):
            scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
            candidates = index.candidates(path)
            assert _first_full(candidates, scope) is _first_full(app.router.routes, scope), (method, path)
            checked += 1
            narrowed += len(candidates) < 30
    assert checked > 2000
    assert narrowed > checked * 0.9  # most paths are matched against a handful of routes, not ~370
