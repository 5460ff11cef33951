"""The light client (``tenantry[sdk]``) works without the server's dependencies: the SDK,
the async client, the OIDC helper and the CLI's API commands import nothing of the server,
and every library they import is one ``[sdk]`` names (or one of its dependencies)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET

SERVER_ONLY = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "argon2",
    "uvicorn",
    "jinja2",
    "psycopg",
    "pydantic_settings",
    "limits",
    "tenantry.server",
)

# Runs first in the child: only the libraries tenantry[sdk] installs (its requirements and
# theirs) can be imported, as in a light install; the server's libraries in particular
# behave as if not installed. What is imported from here on is recorded.
PRELUDE = f"""
import importlib.metadata as metadata
import sys
from packaging.requirements import Requirement

SERVER_ONLY = {SERVER_ONLY!r}

def requirements(dist, extra=None):
    # what dist needs (without extras), or only what its extra adds
    for text in metadata.requires(dist) or []:
        requirement = Requirement(text)
        plain = requirement.marker is None or requirement.marker.evaluate({{"extra": ""}})
        if (extra is None and plain) or (extra and not plain and requirement.marker.evaluate({{"extra": extra}})):
            yield requirement.name

def normal(name):
    return name.lower().replace("_", "-")

allowed, todo = {{"tenantry"}}, list(requirements("tenantry", "sdk"))
while todo:
    name = normal(todo.pop())
    if name not in allowed:
        allowed.add(name)
        todo.extend(requirements(name))
providers = metadata.packages_distributions()

def installed(top):
    dists = providers.get(top)
    return top in sys.stdlib_module_names or not dists or any(normal(d) in allowed for d in dists)

class LightInstall:
    def find_spec(self, name, path=None, target=None):
        server = any(name == banned or name.startswith(banned + ".") for banned in SERVER_ONLY)
        if server or not installed(name.split(".")[0]):
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in tenantry[sdk])")
        return None

sys.meta_path.insert(0, LightInstall())
BEFORE = set(sys.modules)
"""

# Runs last in the child: nothing of the server was loaded.
EPILOGUE = """
loaded = sorted(set(sys.modules) - BEFORE)
server = [m for m in loaded if any(m == b or m.startswith(b + ".") for b in SERVER_ONLY)]
assert not server, server
assert "tenantry.sdk" in loaded
print("LIGHT", len(loaded))
"""


def run_child(body: str, **env: str) -> str:
    script = PRELUDE + textwrap.dedent(body) + EPILOGUE
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env={**env, "PATH": ""}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "LIGHT" in result.stdout
    return result.stdout


def test_the_sdk_async_client_and_oidc_helper_need_only_the_sdk_extra(site):
    out = run_child(
        f"""
        import asyncio
        import tenantry
        from tenantry import AsyncClient, Client, OIDCClient
        from tenantry.sdk.oidc import OIDCError

        with Client({site!r}, {BOOTSTRAP_ID!r}, {BOOTSTRAP_SECRET!r}) as client:
            org = client.organizations.create("Light")
            app, secret = client.applications.create("Light app", ["http://127.0.0.1:9/cb"])

        async def main():
            async with AsyncClient({site!r}, {BOOTSTRAP_ID!r}, {BOOTSTRAP_SECRET!r}) as client:
                return [o.id async for o in client.organizations.list()]

        assert asyncio.run(main()) == [org.id]
        with OIDCClient({site!r}, app.id, secret, redirect_uri="http://127.0.0.1:9/cb") as oidc:
            assert oidc.authorization_request().url.startswith({site!r} + "/oauth/authorize?")
            try:
                oidc.validate_access_token("e30.e30.e30")
            except OIDCError as error:
                assert error.error_code == "invalid_token"
            else:
                raise AssertionError("a forged token passed")
        print("used", tenantry.__version__)
        """
    )
    assert "used" in out


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["orgs", "list", "--json"],
        ["users", "export", "--format", "jsonl"],
        ["clients", "list"],
        ["apps", "list"],
        ["webhooks", "list"],
        ["events", "list"],
    ],
)
def test_the_cli_api_commands_need_only_the_sdk_extra(site, tmp_path, command):
    run_child(
        f"""
        from tenantry.cli.main import app
        try:
            app({command!r})
        except SystemExit as done:
            assert done.code in (0, None), done.code
        """,
        TENANTRY_URL=site,
        TENANTRY_CLIENT_ID=BOOTSTRAP_ID,
        TENANTRY_CLIENT_SECRET=BOOTSTRAP_SECRET,
        XDG_CONFIG_HOME=str(tmp_path),
        HOME=str(tmp_path),
    )


def test_the_sdk_extra_is_what_the_readme_tells_to_install():
    import importlib.metadata as metadata
    from pathlib import Path

    from packaging.requirements import Requirement

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    declared = [Requirement(text) for text in metadata.requires("tenantry") or []]
    extra = [r for r in declared if r.marker and r.marker.evaluate({"extra": "sdk"})]
    assert extra, "tenantry[sdk] is not declared (reinstall with pip install -e .)"
    for requirement in extra:
        assert f'"{requirement.name}{requirement.specifier}"' in readme, requirement
