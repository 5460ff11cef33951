"""The wheel is the product: built from a copy of the source, installed into a new virtual
environment by the container recipe's own script (deploy/install-wheel.sh), started by the
recipe's own entry point (deploy/serve.sh) from a directory outside the source tree, it serves
hosted pages with their stylesheet, the dashboard with its script, and OIDC discovery.

Speed: the wheel is installed with ``--no-deps`` and the environment borrows this test
environment's libraries through a ``.pth`` line (a directory added that way is searched for
modules but its own ``.pth`` files are not run, so the editable install of the source tree stays
out). Everything of Tenantry comes from the wheel; the test checks that. That the wheel declares
the libraries it imports is checked separately (``test_the_wheel_declares_what_it_imports``).
The container build installs the dependencies from the package index with the same script.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port
from tests.serving import ServeProcess

pytestmark = pytest.mark.once  # tests/conftest.py: the PostgreSQL pass leaves it to the SQLite one

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "tenantry"
DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip wheel --no-deps`` of a clean copy of what the Containerfile copies."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = dist.glob("tenantry-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed by deploy/install-wheel.sh."""
    prefix = tmp_path_factory.mktemp("venv") / "tenantry"
    subprocess.run(
        ["sh", str(DEPLOY / "install-wheel.sh"), str(prefix), str(wheel), "--no-deps", "--no-index"],
        check=True,
        capture_output=True,
        timeout=600,
        env=clean_env(PYTHON=sys.executable),  # this interpreter: the borrowed libraries are built for it
    )
    (site,) = prefix.glob("lib/python*/site-packages")
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return prefix


def clean_env(**extra: str) -> dict[str, str]:
    """No TENANTRY_* (so the public URL follows the port), no PYTHONPATH, no virtualenv."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TENANTRY_", "PYTHON", "VIRTUAL_ENV", "PROMETHEUS_", "OTEL_"))
    }
    env["PATH"] = "/usr/bin:/bin"
    return {**env, **extra}


def test_the_wheel_holds_every_file_the_server_reads(wheel: Path):
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    data = [p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert any("static" in p.parts for p in data) and any("templates" in p.parts for p in data)
    missing = [str(p.relative_to(PACKAGE.parent)) for p in data if str(p.relative_to(PACKAGE.parent)) not in in_wheel]
    assert missing == []


def test_the_installed_environment_runs_tenantry_from_the_wheel_only(installed: Path, tmp_path: Path):
    script = "import sys, tenantry; print(tenantry.__file__); print(any('/src' in p for p in sys.path))"
    result = subprocess.run(
        [str(installed / "bin" / "python"), "-c", script], cwd=tmp_path, env=clean_env(), capture_output=True, text=True
    )
    module_file, source_on_path = result.stdout.split()
    assert Path(module_file).is_relative_to(installed), module_file
    assert source_on_path == "False"


@pytest.fixture
def served(installed: Path, database_url: str, engine, tmp_path: Path) -> Iterator[ServeProcess]:  # type: ignore[no-untyped-def]
    port = free_port()
    env = clean_env(
        TENANTRY_HOME=str(installed),
        TENANTRY_HOST="127.0.0.1",
        TENANTRY_PORT=str(port),
        TENANTRY_DATABASE_URL=database_url,
    )
    server = ServeProcess(env, port, command=["sh", str(DEPLOY / "serve.sh")], pass_port=False, cwd=tmp_path)
    try:
        yield server.start()
    finally:
        server.close()


def test_the_installed_wheel_serves_pages_assets_and_oidc_discovery(served: ServeProcess, installed: Path):
    (static,) = installed.glob("lib/python*/site-packages/tenantry/server/static")
    with httpx.Client(base_url=served.url, timeout=30) as http:
        login = http.get("/login")
        assert login.status_code == 200 and "<form" in login.text
        (stylesheet,) = re.findall(r'<link rel="stylesheet" href="(/static/[^"]+)"', login.text)
        css = http.get(stylesheet)
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert css.content == (static / Path(stylesheet).name).read_bytes()

        dashboard = http.get("/admin/login")
        assert dashboard.status_code == 200
        scripts = re.findall(r'<script src="(/static/[^"]+)"', dashboard.text)
        assert "/static/admin.js" in scripts
        for script in scripts:
            js = http.get(script)
            assert js.status_code == 200 and "javascript" in js.headers["content-type"]
            assert js.content == (static / Path(script).name).read_bytes()

        discovery = http.get("/.well-known/openid-configuration").json()
        assert discovery["issuer"] == served.url  # no TENANTRY_PUBLIC_URL: it follows --host/--port
        assert http.get(discovery["jwks_uri"].removeprefix(served.url)).json()["keys"]
    printed = served.output()
    assert f"public URL and OIDC issuer {served.url}" in printed
    assert "8000" not in printed.replace(f":{served.port}", "")  # no link points at the default port


# The server's import closure, run in the new environment: every library the server's modules
# import must belong to a distribution the wheel requires (directly or through others).
DECLARED_ONLY = """
import importlib, importlib.metadata as metadata, pkgutil, sys
from packaging.requirements import Requirement

def requires(dist):
    for text in metadata.requires(dist) or []:
        req = Requirement(text)  # plain requirements and those this platform needs; no extras
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            yield req.name.lower().replace("_", "-")

allowed, todo = {"tenantry"}, list(requires("tenantry"))
while todo:
    name = todo.pop()
    if name not in allowed:
        allowed.add(name)
        todo.extend(requires(name))
providers = metadata.packages_distributions()

class DeclaredOnly:
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        dists = providers.get(top)
        if top in sys.stdlib_module_names or not dists or any(d.lower().replace("_", "-") in allowed for d in dists):
            return None
        raise ModuleNotFoundError(f"{name} is imported but no requirement of the wheel provides it", name=top)

sys.meta_path.insert(0, DeclaredOnly())
import tenantry.server
# The gRPC front's servicers need the optional extra tenantry[scalekit] (grpcio, grpcio-status,
# the SDK's generated classes), which the server loads only when it is installed
# (grpc/hosting.py). Only modules of that package may miss those (protobuf is `google`); every
# other import is checked.
OPTIONAL_PACKAGE, OPTIONAL_IMPORTS = "tenantry.server.grpc.", {"grpc", "grpc_status", "google", "scalekit"}
for module in pkgutil.walk_packages(tenantry.server.__path__, "tenantry.server."):
    if ".migrations.versions." not in module.name and not module.name.endswith(".migrations.env"):
        try:
            importlib.import_module(module.name)
        except ModuleNotFoundError as missing:
            if not (module.name.startswith(OPTIONAL_PACKAGE) and missing.name in OPTIONAL_IMPORTS):
                raise
# Libraries imported inside functions, at their first use (issue 17: SAML, SCIM, DNS…), are
# checked too: every import statement of the server's source, at any depth.
import ast, pathlib
server = pathlib.Path(tenantry.server.__path__[0])
for path in server.rglob("*.py"):
    if "versions" in path.parts:
        continue
    # the gRPC front (above) and the OTLP exporter (tenantry[otel]) are optional extras
    optional = path.relative_to(server).parts[0] == "grpc" or path.name == "tracing.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top == "tenantry":
                continue
            try:
                importlib.import_module(name)
            except ModuleNotFoundError:
                if not optional:
                    raise
import tenantry.cli.main
print("DECLARED")
"""


def test_the_wheel_declares_what_it_imports(installed: Path, tmp_path: Path):
    result = subprocess.run(
        [str(installed / "bin" / "python"), "-c", DECLARED_ONLY],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "DECLARED" in result.stdout, result.stderr[-3000:]


def test_the_container_recipe_installs_with_the_tested_scripts():
    recipe = (DEPLOY / "Containerfile").read_text()
    assert "python3 -m pip wheel --no-cache-dir --no-deps" in recipe
    assert "install-wheel.sh /opt/tenantry" in recipe
    assert 'ENTRYPOINT ["/opt/tenantry-deploy/serve.sh"]' in recipe
    assert re.search(r"^USER (?!root)\w+", recipe, re.MULTILINE)
    assert "HEALTHCHECK" in recipe
