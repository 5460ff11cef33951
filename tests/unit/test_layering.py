"""The dependency direction of STYLE.md: http/oidc/cli -> services -> domain & db;
the domain imports neither the database nor the web framework; http and oidc never reach
the database but through services; e-mail (the outbox adapter) is below the services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "tenantry"
SERVER = PACKAGE / "server"

FORBIDDEN = {
    "domain": (
        "sqlalchemy",
        "fastapi",
        "starlette",
        "tenantry.server.db",
        "tenantry.server.services",
        "tenantry.server.http",
        "tenantry.server.oidc",
        "tenantry.server.email",
    ),
    "services": ("fastapi", "starlette", "tenantry.server.http", "tenantry.server.oidc", "tenantry.server.cli"),
    "db": ("fastapi", "starlette", "tenantry.server.services", "tenantry.server.http"),
    "http": ("tenantry.server.db",),
    # the OpenID provider binds Authlib to services (services/integration/oauth_grants.py)
    "oidc": ("fastapi", "starlette", "sqlalchemy", "tenantry.server.db", "tenantry.server.http"),
    # the SCIM service: parses, calls provisioning services, renders (never the database)
    "scim": ("tenantry.server.db",),
    # the gRPC front is another front end: services, never the database or the HTTP layer
    "grpc": ("tenantry.server.db", "tenantry.server.http", "fastapi", "starlette"),
    "email": (
        "fastapi",
        "starlette",
        "tenantry.server.services",
        "tenantry.server.http",
        "tenantry.server.oidc",
        "tenantry.server.cli",
    ),
    # metrics, logs and traces are a leaf every layer may report to
    "observability": (
        "fastapi",
        "starlette",
        "tenantry.server.db",
        "tenantry.server.domain",
        "tenantry.server.services",
        "tenantry.server.http",
    ),
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_does_not_import_what_sits_above_it(layer):
    files = sorted((SERVER / layer).rglob("*.py"))
    assert files, f"no modules found in {layer}/"
    offences = [
        f"{path.relative_to(SERVER)} imports {name}"
        for path in files
        for name in imports_of(path)
        if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[layer])
    ]
    assert offences == []


def test_the_sdk_never_imports_server_code():
    files = sorted((PACKAGE / "sdk").rglob("*.py"))
    assert files
    offences = [
        f"{path.name} imports {name}"
        for path in files
        for name in imports_of(path)
        if name.startswith(("tenantry.server", "fastapi", "sqlalchemy", "starlette"))
    ]
    assert offences == []


def test_every_route_runs_again_after_a_deadlock(tmp_path):
    """Every route is a RetryingRoute, so a transaction the database aborted (deadlock,
    serialization failure) is run again on every surface alike (http/retry.py)."""
    from fastapi.routing import APIRoute

    from tenantry.server.app import create_app
    from tenantry.server.http.retry import RetryingRoute
    from tenantry.server.settings import Settings

    def api_routes(children):  # type: ignore[no-untyped-def]
        for route in children:
            router = getattr(route, "original_router", None)
            if router is not None:
                yield from api_routes(router.routes)
            elif isinstance(route, APIRoute):
                yield route

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 't.db'}"))
    routes = [route for route in api_routes(app.routes) if route.path != "/healthz"]
    assert len(routes) > 100
    assert [route.path for route in routes if not isinstance(route, RetryingRoute)] == []
