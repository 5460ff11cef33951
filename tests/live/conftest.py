"""Real server processes (``python -m tenantry serve``) on loopback, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, PUBLIC_URL, Api, free_port


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
def running_server(database_url: str) -> Iterator[str]:
    """Start ``tenantry serve`` and yield its base URL once it answers; stop it after."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tenantry", "serve", "--port", str(port)],
            env=server_env(database_url),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(process, base_url, log)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"server exited with {process.returncode}:\n{log.read().decode(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail("server did not start within 30 s")


@pytest.fixture(scope="module")
def live_servers(database_url: str, engine) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Two server processes sharing the test database."""
    with running_server(database_url) as first, running_server(database_url) as second:
        yield [first, second]


@pytest.fixture
def live_api(live_servers: list[str]) -> Iterator[Api]:
    with httpx.Client(base_url=live_servers[0], timeout=30) as client:
        yield Api.login(client)
