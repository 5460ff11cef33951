"""Shared fixtures: one migrated database per test worker, emptied before every test.

SQLite by default; set TENANTRY_TEST_DATABASE_URL (postgresql://...) to run the same suite
on PostgreSQL. Each xdist worker gets its own database.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from tenantry.server.app import create_app
from tenantry.server.context import Context, build_context
from tenantry.server.db.engine import create_db_engine, normalize_database_url
from tenantry.server.db.migrate import upgrade
from tenantry.server.settings import Settings
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, PUBLIC_URL, Api, free_port
from tests.invariants import seat_invariant_violations
from tests.serving import START_DEADLINE

pytest_plugins = ["tests.browser"]  # the browser fixtures, one Playwright per test process

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# The PostgreSQL pass: TENANTRY_TEST_DATABASE_URL names a database server (not SQLite).
SERVER_URL = os.environ.get("TENANTRY_TEST_DATABASE_URL") or "sqlite"
ON_SERVER = not SERVER_URL.startswith("sqlite")
# Children first, so foreign keys never object. API clients and their tokens stay: servers
# started once per module keep using the bootstrap client they created at start-up.
TABLES = (
    "pending_sign_ins",
    "pending_sign_ups",
    "recovery_codes",
    "mfa_factors",
    "saml_assertions_seen",
    "sso_requests",
    "social_identities",
    "social_connections",
    "user_identities",
    "sso_connections",
    "organization_domains",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_endpoints",
    "events",
    "admin_sessions",
    "admins",
    "admin_setup_tokens",
    "authorization_codes",
    "refresh_tokens",
    "applications",
    "signing_keys",
    "browser_sessions",
    "email_codes",
    "login_lockouts",
    "membership_roles",
    "directory_operations",
    "directory_group_members",
    "directory_groups",
    "directory_users",
    "directories",
    "memberships",
    "organizations",
    "users",
    "emails",
    "user_attributes",
)


class FakeClock:
    """A clock tests move by hand; never sleeps."""

    def __init__(self) -> None:
        self._now = datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def _postgres_database_for_worker(base_url: str) -> str:
    url = make_url(normalize_database_url(base_url))
    name = f"{url.database}_{WORKER}".replace("-", "_")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if ON_SERVER:
        return _postgres_database_for_worker(SERVER_URL)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'tenantry.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _empty_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty before the test; after it, check the seat invariant, so every test that touches
    the database doubles as a consistency check of the seat accounting."""
    if "engine" not in request.fixturenames:
        yield
        return
    engine: Engine = request.getfixturevalue("engine")
    for attempt in range(5):
        try:
            with engine.begin() as connection:
                for table in TABLES:
                    connection.execute(text(f"DELETE FROM {table}"))
                connection.execute(text("UPDATE environment_settings SET document = :doc"), {"doc": "{}"})
                _reset_roles(connection)
            break
        except OperationalError as exc:  # PostgreSQL chose this emptying as a deadlock's victim: a
            # previous test's server was still finishing a write (its mail after the answer)
            if "deadlock" not in str(exc).lower() or attempt == 4:
                raise
            time.sleep(0.2)
    yield
    broken = seat_invariant_violations(engine)
    assert not broken, "seat invariant broken after the test:\n" + "\n".join(broken)


def _reset_roles(connection: Any) -> None:
    """Back to the catalogue the migration seeds: admin (every tenantry: power, default
    creator) and member (none, default member); custom roles and permissions go."""
    connection.execute(text("DELETE FROM roles WHERE builtin = :no"), {"no": False})
    connection.execute(text("DELETE FROM permissions WHERE builtin = :no"), {"no": False})
    connection.execute(
        text(
            "UPDATE roles SET default_creator = (name = 'admin'), default_member = (name = 'member'), "
            "display_name = CASE name WHEN 'admin' THEN 'Admin' ELSE 'Member' END, extends_id = NULL"
        )
    )
    connection.execute(text("DELETE FROM role_permissions"))
    connection.execute(
        text(
            "INSERT INTO role_permissions (role_id, permission_id) SELECT r.id, p.id FROM roles r, permissions p "
            "WHERE r.name = 'admin' AND p.builtin = :yes"
        ),
        {"yes": True},
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def settings_for(database_url: str, **changes: Any) -> Settings:
    """The settings tests run with (``settings`` below; a module-scoped fixture builds its own)."""
    defaults: dict[str, Any] = {
        "public_url": PUBLIC_URL,
        "bootstrap_client_id": BOOTSTRAP_ID,
        "bootstrap_client_secret": BOOTSTRAP_SECRET,
        "smtp_host": None,
        "rate_limits_enabled": False,  # tests/api/test_rate_limits.py turns them on
    }
    return Settings(database_url=database_url, **{**defaults, **changes})


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture
def context(settings: Settings, clock: FakeClock, engine: Engine) -> Context:
    return build_context(settings, clock, engine=engine)


@pytest.fixture
def http(context: Context) -> Iterator[TestClient]:
    """An unauthenticated client of the in-process app (lifespan run: bootstrap client exists)."""
    with TestClient(create_app(context=context), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def api(http: TestClient) -> Api:
    """A client of the management API holding a bearer token of the bootstrap client."""
    return Api.login(http)


class ThreadServer:
    """uvicorn serving one app on a loopback port, in a daemon thread of the test process
    (so the app shares the test's FakeClock and database). With ``fronted`` (the app's
    context), behind ``tenantry serve``'s one-port front: TLS with the development
    certificate (its PEM in ``certificate``) beside clear text, and gRPC when installed."""

    def __init__(self, app, port: int, fronted: Context | None = None) -> None:  # type: ignore[no-untyped-def]
        self.port = port
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.clean_up: Any = lambda: None
        self.certificate = ""
        if fronted is None:
            self.server = uvicorn.Server(config)
        else:
            from tenantry.server.grpc import hosting
            from tenantry.server.services.integration import server_secrets

            self.server, self.clean_up = hosting.fronted_server(fronted, config)
            self.server.tls()  # made on first use; here up front, so no request waits for them
            if self.server.grpc is not None:
                self.server.grpc()
            self.certificate = server_secrets.development_certificate(fronted)[0]
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + START_DEADLINE  # a hang, not a slow machine (tests/serving.py)
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("uvicorn stopped before it started (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn neither started nor stopped in {START_DEADLINE:g} s")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.clean_up()


@pytest.fixture
def site(settings: Settings, clock: FakeClock, engine: Engine) -> Iterator[str]:
    """Base URL of the app served over real HTTP for this test. Its public URL is its own
    address, so links, the OIDC issuer and discovery all point back at it."""
    port = free_port()
    served = settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    with ThreadServer(create_app(context=build_context(served, clock, engine=engine)), port) as base_url:
        yield base_url


@pytest.fixture
def site_api(site: str) -> Iterator[Api]:
    with httpx.Client(base_url=site, timeout=30) as client:
        yield Api.login(client)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Totals of the figures tests record as ``reliability: …`` user properties (fuzz cases run,
    faults injected, writes checked and lost); xdist carries them to the controller."""
    totals: dict[str, int] = {}
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", []):
            if getattr(report, "when", "call") == "call" and name.startswith("reliability: "):
                totals[name] = totals.get(name, 0) + int(value)
    if totals:
        terminalreporter.write_sep("-", "reliability figures")
        for name, total in sorted(totals.items()):
            terminalreporter.write_line(f"{name.removeprefix('reliability: ')}: {total}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """CI runs the suite twice, on SQLite and on PostgreSQL; tests marked ``once`` check what
    the database cannot change (the wheel, the markup's accessibility, bench scripts starting,
    pure validators), so the PostgreSQL pass leaves them to the SQLite one."""
    if not ON_SERVER:
        return
    skip = pytest.mark.skip(reason="database-independent: runs in the SQLite pass")
    for item in items:
        if item.get_closest_marker("once"):
            item.add_marker(skip)
