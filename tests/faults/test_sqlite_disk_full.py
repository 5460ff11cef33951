"""SQLite runs out of space (PRAGMA max_page_count on every connection: real SQLITE_FULL
errors from the engine): writes answer 507 storage_full with nothing half-written, reads keep
working, and writes succeed again once space is back."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db.engine import create_db_engine
from tenantry.server.db.migrate import upgrade
from tests.faults.conftest import broken_invariants
from tests.helpers import Api, assert_problem


class Disk:
    """The space the database may use, in pages; None = unlimited."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.pages = engine, None
        event.listen(engine, "checkout", self._apply)

    def _apply(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {self.pages or 1073741823}")
        cursor.close()

    def fill(self) -> None:
        """No page beyond those in use now."""
        with self.engine.connect() as connection:
            self.pages = connection.execute(text("PRAGMA page_count")).scalar()


@pytest.fixture
def small_disk(tmp_path, settings, clock):
    url = f"sqlite:///{tmp_path / 'small.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    disk = Disk(engine)
    context = build_context(settings.model_copy(update={"database_url": url}), clock, engine=engine)
    with TestClient(create_app(context=context), raise_server_exceptions=False) as client:
        yield Api.login(client), disk, engine
    engine.dispose()


def test_a_full_disk_gives_clean_errors_and_recovers(small_disk, record_property):
    api, disk, engine = small_disk
    org = api.org("Acme")
    api.user_in(org["id"], "first@example.com")
    disk.fill()
    refused = []
    for n in range(60):  # each adds a user, a membership and a seat: pages run out quickly
        response = api.add_user(org["id"], f"u{n}@example.com", user_profile={"name": "x" * 250})
        if response.status_code != 201:
            refused.append(response)
    assert refused, "the disk never filled up"
    for response in refused:
        body = assert_problem(response, 507, "storage_full")
        assert response.headers["retry-after"]
        assert "Traceback" not in body["message"]
    assert api.get(f"/api/v1/organizations/{org['id']}").status_code == 200  # reads still work
    assert broken_invariants(engine) == []
    listed = api.get(f"/api/v1/organizations/{org['id']}/users", params={"page_size": 100}).json()
    assert api.seats_used(org["id"]) == listed["total_size"] == 1 + 60 - len(refused)

    record_property("reliability: faults injected", len(refused))  # each refused write met a full disk
    disk.pages = None  # space is back
    assert api.add_user(org["id"], "later@example.com").status_code == 201
    assert broken_invariants(engine) == []
