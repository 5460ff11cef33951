"""The dependency direction of STYLE.md: http/oidc/cli -> services -> domain & db;
the domain imports neither the database nor the web framework."""

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
    ),
    "services": ("fastapi", "starlette", "tenantry.server.http"),
    "db": ("fastapi", "starlette", "tenantry.server.services", "tenantry.server.http"),
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
