"""PostgreSQL goes away under load and comes back, Tenantry keeps running: every backend of
the test database is terminated (what a restart does to open connections), then the
database is unreachable for a few seconds (a TCP proxy in front of it is cut). Requests
fail cleanly meanwhile — 503 database_unavailable, never a 500 or a hang — and succeed
again afterwards, with every acknowledged write kept. The shared cluster itself is never
restarted."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from sqlalchemy import make_url, text

from tenantry.server.db.engine import normalize_database_url
from tests.faults.conftest import ServerProcess, TcpProxy
from tests.helpers import Api

pytestmark = pytest.mark.live


def load(base_url: str, results: list[tuple[int, str, str | None]], stop: threading.Event) -> None:
    """Create organizations and read them back until told to stop; keep every answer."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        api = Api.login(client)
        n = 0
        while not stop.is_set():
            n += 1
            response = api.post("/api/v1/organizations", json={"display_name": f"Org {n}"})
            body = response.json()
            created = body["organization"]["id"] if response.status_code == 201 else None
            results.append((response.status_code, body.get("code", ""), created))
            listed = api.get("/api/v1/organizations", params={"page_size": 5})
            results.append((listed.status_code, listed.json().get("code", ""), None))
            time.sleep(0.02)


def terminate_backends(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return len(
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        )


def wait_for_success(base_url: str, results: list, since: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(status == 201 for status, _, _ in results[since:]):
            return
        time.sleep(0.1)
    pytest.fail(f"no success within 60 s after the database came back: {results[since:][-5:]}")


def test_requests_fail_cleanly_while_postgres_is_gone_then_succeed(database_url, engine, record_property):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (TENANTRY_TEST_DATABASE_URL)")
    url = make_url(normalize_database_url(database_url))
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.restore()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    server = ServerProcess(proxied).start()
    results: list[tuple[int, str, str | None]] = []
    stop = threading.Event()
    workers = [threading.Thread(target=load, args=(server.url, results, stop)) for _ in range(3)]
    try:
        for worker in workers:
            worker.start()
        time.sleep(1)
        terminated = terminate_backends(engine)  # the "restart": every open connection dies
        assert terminated >= 1
        time.sleep(1)
        proxy.cut()  # and the database is unreachable for a while
        time.sleep(3)
        during = len(results)
        proxy.restore()
        wait_for_success(server.url, results, during)
        time.sleep(0.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=120)
        log = server.output()
        server.stop()
        proxy.cut()

    statuses = {(status, code) for status, code, _ in results}
    assert statuses <= {(200, ""), (201, ""), (503, "database_unavailable")}, statuses
    assert (503, "database_unavailable") in statuses  # the outage was seen, and answered cleanly
    assert "Traceback" not in log, log[-3000:]
    created = [org_id for status, _, org_id in results if org_id]
    with engine.connect() as connection:
        stored = {row[0] for row in connection.execute(text("SELECT id FROM organizations"))}
    assert set(created) <= stored
    record_property("reliability: faults injected", terminated + 1)  # killed backends, one outage
    record_property("reliability: acknowledged writes checked", len(created))
    record_property("reliability: acknowledged writes lost", 0)
