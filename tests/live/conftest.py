"""Real server processes (``python -m tenantry serve``) on loopback, against the test database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, PUBLIC_URL, Api, free_port
from tests.invariants import seat_invariant_violations
from tests.live.seats import Cluster, cluster_from_env, started_cluster
from tests.serving import ServeProcess


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_")}
    env.update(
        TENANTRY_DATABASE_URL=database_url,
        TENANTRY_PUBLIC_URL=PUBLIC_URL,
        TENANTRY_BOOTSTRAP_CLIENT_ID=BOOTSTRAP_ID,
        TENANTRY_BOOTSTRAP_CLIENT_SECRET=BOOTSTRAP_SECRET,
        TENANTRY_RATE_LIMITS_ENABLED="false",  # concurrency tests fire many sign-ups from one address
    )
    env.update(extra)
    return env


@contextmanager
def running_server(database_url: str, **env: str) -> Iterator[str]:
    """Start ``tenantry serve`` and yield its base URL once it is ready; stop it after."""
    server = ServeProcess(server_env(database_url, **env), free_port())
    try:
        yield server.start().url
    finally:
        server.close()


@pytest.fixture(scope="module")
def live_servers(database_url: str, engine) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Two server processes sharing the test database."""
    with running_server(database_url) as first, running_server(database_url) as second:
        yield [first, second]


@pytest.fixture
def live_api(live_servers: list[str]) -> Iterator[Api]:
    with httpx.Client(base_url=live_servers[0], timeout=30) as client:
        yield Api.login(client)


@pytest.fixture(scope="package")
def seat_cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """Servers with a test clock for the seat races: the ones TENANTRY_MODEL_TARGETS names, or
    two processes on one PostgreSQL database (one on SQLite, which serialises writers anyway)."""
    external = cluster_from_env()
    if external is not None:
        yield external
        external.close()
        return
    database_url: str = request.getfixturevalue("database_url")
    request.getfixturevalue("engine")  # migrated before the servers start
    processes = 1 if database_url.startswith("sqlite") else 2
    with started_cluster(server_env(database_url), processes) as cluster:
        yield cluster


@pytest.fixture
def seats(seat_cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """The cluster for one test; afterwards the seat invariant is checked in the database
    itself (when the servers are ours and so is the database)."""
    engine = None if cluster_from_env() else request.getfixturevalue("engine")
    yield seat_cluster
    if engine is not None:
        broken = seat_invariant_violations(engine)
        assert not broken, "seat invariant broken after the test:\n" + "\n".join(broken)
