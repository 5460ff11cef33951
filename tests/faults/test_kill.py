"""SIGKILL a server process in the middle of concurrent writes, start a new one on the same
database: every write that was acknowledged is there, and nothing is half-written."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.faults.conftest import ServerProcess, broken_invariants
from tests.helpers import Api

pytestmark = pytest.mark.live
WRITERS = 6


def write_until_cut(base_url: str, org_id: str, worker: int, acknowledged: list[str], stop: threading.Event) -> None:
    """Add users to the organization (user + membership + seat, one transaction each) until
    the server disappears; remember the ids of those the server said it created."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        api = Api.login(client)
        for n in range(10_000):
            if stop.is_set():
                return
            try:
                response = api.add_user(org_id, f"w{worker}-{n}@example.com", invite=n % 2 == 0)
            except httpx.HTTPError:
                return  # the server is gone
            assert response.status_code in (201, 503), response.text
            if response.status_code == 201:
                acknowledged.append(response.json()["user"]["id"])


def test_acknowledged_writes_survive_a_sigkill(database_url, engine, record_property):
    server = ServerProcess(database_url).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            org_id = Api.login(client).org("Busy")["id"]
        acknowledged: list[str] = []
        stop = threading.Event()
        writers = [
            threading.Thread(target=write_until_cut, args=(server.url, org_id, i, acknowledged, stop))
            for i in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # writers are mid-request now
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
        assert len(acknowledged) >= 30, server.output()
    finally:
        server.stop()

    restarted = ServerProcess(database_url).start()
    try:
        with httpx.Client(base_url=restarted.url, timeout=30) as client:
            api = Api.login(client)
            record_property("reliability: faults injected", 1)
            record_property("reliability: acknowledged writes checked", len(acknowledged))
            for user_id in acknowledged:
                response = api.get(f"/api/v1/users/{user_id}")
                assert response.status_code == 200, f"acknowledged user {user_id} lost"
                assert [m["organization_id"] for m in response.json()["user"]["memberships"]] == [org_id]
            members = api.get(f"/api/v1/organizations/{org_id}/users", params={"page_size": 100}).json()
            assert api.seats_used(org_id) == members["total_size"] >= len(acknowledged)
            assert api.add_user(org_id, "after@example.com").status_code == 201  # and it carries on
        assert broken_invariants(engine) == []
        record_property("reliability: acknowledged writes lost", 0)  # reached only when none was
    finally:
        restarted.stop()
